"""The `docx` format: official documents as Word files in the GB/T 9704-2012 layout."""

from __future__ import annotations

from govbiz.documents.model import DocumentSet, OfficialDocument
from govbiz.errors import ValidationError
from govbiz.ports.report_format import Report

__all__ = ["DocxFormat"]


class DocxFormat:
    """Word document (`.docx`), written with python-docx: an `OfficialDocument` or a `DocumentSet`."""

    name = "docx"
    suffix = ".docx"

    def render(self, report: Report) -> bytes:
        """The document (or each document of the set, from a new page) as a .docx file."""
        from govbiz_docx.layout import write_documents

        if isinstance(report, OfficialDocument):
            return write_documents([report])
        if isinstance(report, DocumentSet):
            if not report.documents:
                raise ValidationError("documents", report.title, "the set holds no document to write")
            return write_documents(report.documents)
        raise ValidationError(
            "report",
            type(report).__name__,
            "docx writes official documents (govbiz document ...); for a report use xlsx, html or csv",
        )
