"""The article's ledger and its reports, built once per test session (they are read-only)."""

from __future__ import annotations

from functools import cache

from govbiz.metrics.article import AS_OF, ArticleLedger, build_article_ledger
from govbiz.reports import LedgerReport, MetricsReport, build_ledger_report, build_metrics_report

CITY = "430800"


@cache
def article() -> ArticleLedger:
    """The article's year, built through the ledger's commands."""
    return build_article_ledger()


@cache
def metrics_report() -> MetricsReport:
    """The metrics report on the article's year as of the article's day."""
    built = article()
    return build_metrics_report(built.ledger, built.supervisor, as_of=AS_OF, county=CITY)


@cache
def ledger_report() -> LedgerReport:
    """The article's problem ledger as of the article's day."""
    built = article()
    return build_ledger_report(built.ledger, built.supervisor, as_of=AS_OF, county=CITY)
