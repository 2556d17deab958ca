"""Supervision circulars (督查通报): generated from the ledger, published as events.

Usage::

    from govbiz.metrics import GroupContext, LedgerProblems
    from govbiz.supervision import generate_circular, publish_command

    draft = generate_circular(
        LedgerProblems(ledger, supervisor), county="430800",
        period_start=date(2023, 10, 1), period_end=date(2023, 10, 31), as_of=as_of,
        context=GroupContext.from_ledger(ledger, supervisor),
    )
    ledger.handle(supervisor, publish_command(draft))
"""

from govbiz.supervision.draft import CircularDraft, OverdueItem, RedoItem, generate_circular
from govbiz.supervision.output import CircularRecord, circular_markdown, circular_to_json, publish_command

__all__ = [
    "CircularDraft",
    "CircularRecord",
    "OverdueItem",
    "RedoItem",
    "circular_markdown",
    "circular_to_json",
    "generate_circular",
    "publish_command",
]
