"""The Zhangjiajie simulation's 2023 ledger and the documents built from it, once per test session."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache

from govbiz.clock import beijing
from govbiz.documents import DocumentSettings, circular_document
from govbiz.documents.model import OfficialDocument
from govbiz.metrics import GroupContext, LedgerProblems
from govbiz.metrics.facts import local_day
from govbiz.simulation import SimulationRun
from govbiz.supervision import CircularDraft, generate_circular
from tests.simulation.conftest import simulate

CITY = "430800"
#: The end of the circular's day: 2023-11-15 24时.
AS_OF = datetime(2023, 11, 16, tzinfo=beijing())


@cache
def zhangjiajie() -> SimulationRun:
    """The default scenario (the article's 2023), on the in-memory store."""
    return simulate()


@cache
def draft(as_of: datetime = AS_OF, since: date = date(2023, 3, 1)) -> CircularDraft:
    """The circular draft on the city's problems from `since` to the day of `as_of` (its 24时)."""
    run = zhangjiajie()
    last_day = local_day(as_of - timedelta(microseconds=1))
    viewer = run.viewer()
    return generate_circular(
        LedgerProblems(run.ledger, viewer, county=CITY),
        county=CITY,
        period_start=since,
        period_end=last_day,
        as_of=as_of,
        context=GroupContext.from_ledger(run.ledger, viewer),
        policy=run.ledger.policy(CITY),
    )


@cache
def circular() -> OfficialDocument:
    """The circular as a document, number 5 of 2023."""
    settings = DocumentSettings(
        issuer="张家界市政企面对面工作办公室",
        issued_on=date(2023, 11, 16),
        prefix="张督通",
        number=5,
        copies_to=("市委办公室", "市政府办公室"),
    )
    return circular_document(draft(), settings)
