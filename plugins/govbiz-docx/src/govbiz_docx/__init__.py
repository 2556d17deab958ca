"""govbiz-docx: official documents (公文) as Word files in the GB/T 9704-2012 layout.

Registers one format, `docx`, through `govbiz_report_formats`; it renders
the documents of `govbiz.documents` (`OfficialDocument`, `DocumentSet`):
`govbiz document circular|assignment|reminder --out FILE.docx`.

python-docx is imported only when a document is written.
"""

from __future__ import annotations

from collections.abc import Iterable

from govbiz import hookimpl
from govbiz.ports.report_format import ReportFormat
from govbiz_docx.fmt import DocxFormat

__all__ = ["DocxFormat", "govbiz_report_formats"]


@hookimpl
def govbiz_report_formats() -> Iterable[ReportFormat]:
    """The `docx` format."""
    return [DocxFormat()]
