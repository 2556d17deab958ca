"""Supervision circulars: overdue by department, redone problems, rankings, published as an event."""

from __future__ import annotations

import json
from datetime import date

import pytest

from govbiz import commands as c
from govbiz.deadlines import WarningLevel
from govbiz.errors import ValidationError
from govbiz.metrics import GroupContext, LedgerProblems
from govbiz.metrics.article import AS_OF, ArticleLedger, build_article_ledger
from govbiz.supervision import (
    CircularDraft,
    circular_markdown,
    circular_to_json,
    generate_circular,
    publish_command,
)
from tests.conftest import CITY, World


@pytest.fixture(scope="module")
def article() -> ArticleLedger:
    return build_article_ledger()


@pytest.fixture(scope="module")
def draft(article: ArticleLedger) -> CircularDraft:
    return generate_circular(
        LedgerProblems(article.ledger, article.supervisor),
        county="430800",
        period_start=date(2025, 3, 1),
        period_end=date(2025, 10, 31),
        as_of=AS_OF,
        context=GroupContext.from_ledger(article.ledger, article.supervisor),
    )


def test_overdue_and_seriously_overdue_by_department(world: World) -> None:
    silent = world.co_replied(world.signed("从未反馈"))
    reported = world.co_replied(world.signed("已反馈未办结"))
    world.at("2025-04-08 10:00")
    world.ledger.handle(world.zgj, c.ReportProgress(problem_id=reported.id, text="办理中"))
    as_of = world.at("2025-05-12 10:00")  # result due 30 April: Labour Day 1–5 May, 5 working days late
    draft = generate_circular(
        world.ledger.problems(world.supervisor), county=CITY,
        period_start=date(2025, 4, 1), period_end=date(2025, 4, 30), as_of=as_of,
    )  # fmt: skip
    levels = {(i.problem_id, i.clock): (i.level, i.working_days_late) for i in draft.overdue}
    assert levels == {
        (silent.id, "progress"): (WarningLevel.SERIOUSLY_OVERDUE, 20),  # due 10 April
        (silent.id, "result"): (WarningLevel.OVERDUE, 5),
        (reported.id, "result"): (WarningLevel.OVERDUE, 5),
    }
    later = generate_circular(
        world.ledger.problems(world.supervisor), county=CITY,
        period_start=date(2025, 4, 1), period_end=date(2025, 4, 30), as_of=world.at("2025-05-13 10:00"),
    )  # fmt: skip
    assert len(later.seriously_overdue()) == 3  # a sixth working day late
    assert later.departments() == ("430800-zgj",)


def test_the_article_circular_names_the_overdue_departments_and_the_redone_problem(
    draft: CircularDraft, article: ArticleLedger
) -> None:
    assert len(draft.overdue) == 9
    assert "430800-zgj" in draft.overdue_by_department()
    assert [r.department for r in draft.redone] == ["430800-rsj"]
    redone = article.ledger.problem(article.viewer, draft.redone[0].problem_id)
    assert redone.redo_count == 1
    assert set(draft.problems()) == {i.problem_id for i in draft.overdue} | {redone.id}


def test_the_body_is_chinese_with_rankings_and_their_definitions(draft: CircularDraft) -> None:
    body = circular_markdown(draft)
    assert body.startswith("# 关于2025年03月01日至2025年10月31日交办问题办理情况的督查通报")
    assert "### 市自规局（2项）" in body
    assert "回访不满意，已重办" in body
    assert "### 办结率排名" in body
    assert "名次并列，其后名次顺延（如1、2、2、4）" in body
    assert "| 7 | 市自规局 | 64.3% | 9/14 |" in body


def test_publishing_records_an_event_naming_departments_and_problems(
    draft: CircularDraft, article: ArticleLedger
) -> None:
    circular = article.ledger.handle(article.supervisor, publish_command(draft))
    assert circular.departments == draft.departments()
    assert circular.problems == draft.problems()
    assert circular.body == circular_markdown(draft).strip()  # commands strip surrounding whitespace
    with article.ledger.store.unit_of_work() as uow:
        events = uow.events("circular", circular.id)
    assert [e.kind for e in events] == ["circular_registered"]
    assert events[0].payload["problems"] == list(draft.problems())


def test_json_of_a_circular(draft: CircularDraft) -> None:
    data = json.loads(circular_to_json(draft))
    assert data["departments"] == list(draft.departments())
    assert {row["level"] for row in data["overdue"]} == {"seriously_overdue"}
    assert data["rankings"][0]["metric"] == "completion_rate"


def test_a_period_that_ends_before_it_starts_is_refused(article: ArticleLedger) -> None:
    with pytest.raises(ValidationError) as info:
        generate_circular(
            [], county="430800", period_start=date(2025, 5, 1), period_end=date(2025, 4, 1), as_of=AS_OF
        )
    assert info.value.field == "period_end"
