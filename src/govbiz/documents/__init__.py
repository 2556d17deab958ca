"""Official documents (公文) an office sends: the supervision circular, assignment notices, reminders.

Usage::

    from govbiz.documents import DocumentSettings, circular_document
    from govbiz.documents.html import document_page
    from govbiz.metrics import GroupContext, LedgerProblems
    from govbiz.supervision import generate_circular

    draft = generate_circular(
        LedgerProblems(ledger, supervisor), county="430800",
        period_start=date(2023, 10, 1), period_end=date(2023, 11, 15), as_of=as_of,
        context=GroupContext.from_ledger(ledger, supervisor),
    )
    settings = DocumentSettings.default("张家界市", date(2023, 11, 16))
    document = circular_document(draft, settings)
    assert document.number == "张督通〔2023〕1号"
    page = document_page(document)  # or DocxFormat().render(document) with govbiz-docx

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
