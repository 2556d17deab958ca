"""Metrics counted in SQL are identical to the Python reference, figure by figure, id by id."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import permutations

import attrs
import pytest
from govbiz_postgres.metrics import PostgresMetricSource
from govbiz_postgres.store import PostgresStore
from hypothesis import given, settings
from hypothesis import strategies as st

from govbiz.ledger import Ledger
from govbiz.metrics import (
    COMPLETION_RATE_EXCLUDING_LONG_TERM,
    GroupContext,
    LedgerProblems,
    MetricRequest,
    PythonMetricSource,
    compute_metrics,
    standard_registry,
)
from govbiz.metrics.article import LAND_PLANNING, build_article_ledger
from govbiz.metrics.grouping import Grouping
from govbiz.testing.contract import CITY, build_scenario

PUSHED = (
    "assigned",
    "completed",
    "in_progress",
    "solved",
    "completion_rate",
    "solved_rate",
    "overdue",
    COMPLETION_RATE_EXCLUDING_LONG_TERM.name,
)
REGISTRY = standard_registry().with_metric(COMPLETION_RATE_EXCLUDING_LONG_TERM)
GROUPINGS = [None, Grouping.DEPARTMENT, Grouping.COUNTY, Grouping.MONTH, Grouping.CATEGORY, Grouping.SESSION]
#: Every ordered pair of pushed-down groupings, as (grouping, then_by).
CROSSES = list(permutations([g for g in GROUPINGS if g is not None], 2))


def requests(as_of: object) -> list[MetricRequest]:
    found = [
        MetricRequest(as_of=as_of, definitions=REGISTRY.select(PUSHED), grouping=g)  # type: ignore[arg-type]
        for g in GROUPINGS
    ]
    found.append(
        MetricRequest(
            as_of=as_of,  # type: ignore[arg-type]
            definitions=REGISTRY.select(PUSHED),
            grouping=Grouping.DEPARTMENT,
            assigned_from=date(2025, 4, 1),
            assigned_to=date(2025, 6, 30),
        )
    )
    # 部门×月份, and the same as a summary (汇总表): counts instead of ids.
    cross = attrs.evolve(found[1], then_by=Grouping.MONTH)
    found += [cross, attrs.evolve(cross, drill_down=False), attrs.evolve(found[-1], drill_down=False)]
    return found


def test_the_article_ledger_counts_the_same_in_sql(pg_store: PostgresStore) -> None:
    article = build_article_ledger(Ledger(pg_store))
    ledger, viewer, as_of = article.ledger, article.viewer, article.clock.now()
    context = GroupContext.from_ledger(ledger, viewer)
    python = PythonMetricSource(LedgerProblems(ledger, viewer), context=context)
    sql = PostgresMetricSource(pg_store, counties=frozenset({CITY}), context=context)
    for request in requests(as_of):
        assert sql.pushable(request)
        assert sql.compute(request) == python.compute(request), request.grouping
    # The article's own figures, from SQL: land planning 9 of 14 completed, 64.3% (75% without long-term).
    result = compute_metrics(sql, as_of, metrics=["completion_rate"], group_by="category", registry=REGISTRY)
    figure = result.group(LAND_PLANNING).figure("completion_rate")
    assert (figure.text(), figure.fraction_text()) == ("64.3%", "9/14")
    name = COMPLETION_RATE_EXCLUDING_LONG_TERM.name
    variant = compute_metrics(sql, as_of, metrics=[name], group_by="category", registry=REGISTRY)
    assert variant.group(LAND_PLANNING).figure(name).text() == "75.0%"


@pytest.mark.parametrize("days_later", [0, 40, 400])
def test_every_lifecycle_state_counts_the_same_in_sql(pg_store: PostgresStore, days_later: int) -> None:
    scenario = build_scenario(pg_store)
    as_of = scenario.clock.now() + timedelta(days=days_later)  # later: more clocks overdue
    admin = scenario.actors["admin"]
    context = GroupContext.from_ledger(scenario.ledger, admin)
    python = PythonMetricSource(LedgerProblems(scenario.ledger, admin), context=context)
    sql = PostgresMetricSource(pg_store, counties=None, context=context)
    for request in requests(as_of):
        assert sql.pushable(request)
        assert sql.compute(request) == python.compute(request), request.grouping
    overdue = sql.compute(requests(as_of)[0]).total.figure("overdue")
    assert (len(overdue.numerator) > 0) is (days_later > 0)


def test_what_sql_cannot_answer_falls_back_to_python_with_the_same_result(pg_store: PostgresStore) -> None:
    article = build_article_ledger(Ledger(pg_store))
    ledger, viewer, as_of = article.ledger, article.viewer, article.clock.now()
    python = PythonMetricSource(LedgerProblems(ledger, viewer))
    sql = PostgresMetricSource(pg_store, counties=frozenset({CITY}))
    earlier = as_of - timedelta(days=120)  # history must be replayed
    before = MetricRequest(as_of=earlier, definitions=REGISTRY.select(PUSHED), grouping=Grouping.DEPARTMENT)
    for request in [
        before,
        # The query itself notices the later changes and hands over to the replay.
        attrs.evolve(before, then_by=Grouping.MONTH, drill_down=False),
        MetricRequest(as_of=as_of, definitions=REGISTRY.select(["handling_days_mean", "satisfaction_rate"])),
        MetricRequest(as_of=as_of, definitions=REGISTRY.select(["assigned"]), grouping=Grouping.CHAIR),
    ]:
        assert not sql.pushable(request)
        assert sql.compute(request) == python.compute(request)
    stored = sql.compute(attrs.evolve(before, as_of=as_of, drill_down=False)).total.figure("assigned")
    assert sql.compute(before).total.figure("assigned").numerator_count < stored.numerator_count


def test_any_cross_grouping_summary_or_not_counts_the_same_in_sql(pg_store: PostgresStore) -> None:
    scenario = build_scenario(pg_store)
    admin = scenario.actors["admin"]
    context = GroupContext.from_ledger(scenario.ledger, admin)
    python = PythonMetricSource(LedgerProblems(scenario.ledger, admin), context=context)
    sql = PostgresMetricSource(pg_store, counties=None, context=context)

    @settings(max_examples=30, deadline=None)
    @given(
        cross=st.sampled_from(CROSSES),
        metrics=st.lists(st.sampled_from(PUSHED), min_size=1, max_size=4, unique=True),
        drill_down=st.booleans(),
        days_later=st.sampled_from([0, 40, 400]),
    )
    def same(cross: tuple[Grouping, Grouping], metrics: list[str], drill_down: bool, days_later: int) -> None:
        as_of: datetime = scenario.clock.now() + timedelta(days=days_later)
        request = MetricRequest(
            as_of=as_of,
            definitions=REGISTRY.select(metrics),
            grouping=cross[0],
            then_by=cross[1],
            drill_down=drill_down,
        )
        assert sql.pushable(request)
        result = sql.compute(request)
        assert result == python.compute(request)
        assert all(f.summary is not drill_down for f in result.total.figures)

    same()


def test_another_countys_problems_are_not_counted(pg_store: PostgresStore) -> None:
    article = build_article_ledger(Ledger(pg_store))
    sql = PostgresMetricSource(pg_store, counties=frozenset({"430100"}))
    result = compute_metrics(sql, article.clock.now(), metrics=["assigned"])
    assert result.figure("assigned").numerator == ()
