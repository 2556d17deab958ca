"""Official documents (公文) an office sends: the supervision circular, assignment notices, reminders.

Usage::

    from govbiz.documents import DocumentSettings, circular_document

    document = circular_document(draft, DocumentSettings.default("张家界市", date(2023, 11, 15)))

A document is a plain value (`OfficialDocument`, several in a
`DocumentSet`); the govbiz-docx plugin lays it out as a Word document in
the GB/T 9704-2012 layout (`govbiz document ... --out FILE.docx`), and
`govbiz.documents.html` as a page a browser prints.
"""

from govbiz.documents.assignment import assignment_notices
from govbiz.documents.circular import chinese_instant, circular_document
from govbiz.documents.model import (
    Annex,
    Block,
    DocumentSet,
    Heading,
    OfficialDocument,
    Paragraph,
    Table,
    chinese_date,
)
from govbiz.documents.reminder import reminder_letters
from govbiz.documents.settings import DocumentSettings, document_number

__all__ = [
    "Annex",
    "Block",
    "DocumentSet",
    "DocumentSettings",
    "Heading",
    "OfficialDocument",
    "Paragraph",
    "Table",
    "assignment_notices",
    "chinese_date",
    "chinese_instant",
    "circular_document",
    "document_number",
    "reminder_letters",
]
