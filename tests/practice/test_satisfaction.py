"""Five satisfaction levels at the return visit (满意度五级), and the county choosing which close.

The world's clock starts on Monday 31 March 2025 (see tests/conftest.py).
"""

from __future__ import annotations

import pytest

from govbiz import commands as c
from govbiz.audit import seal, verify
from govbiz.deadlines import DeadlinePolicy
from govbiz.domain import Action, ProblemState, Satisfaction, replay
from govbiz.domain.payloads import ReturnVisited
from govbiz.domain.problem import decide
from govbiz.errors import ValidationError
from govbiz.ledger import Ledger
from govbiz.profile import CountyProfile
from govbiz.storage.memory import MemoryStore
from tests.conftest import CITY, World, build_world


def reported(world: World) -> str:
    problem = world.signed()
    world.at("2025-04-10 10:00")
    world.ledger.handle(world.zgj, c.ReportResult(problem_id=problem.id, outcome="solved", text="已办结"))
    world.at("2025-04-14 10:00")
    return problem.id


def test_the_five_levels_have_their_chinese_names_and_accept_them() -> None:
    labels = [level.label_zh for level in Satisfaction]
    assert labels == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert Satisfaction("基本满意") is Satisfaction.FAIRLY_SATISFIED
    assert Satisfaction("very_dissatisfied") is Satisfaction.VERY_DISSATISFIED
    assert [level.favourable for level in Satisfaction] == [True, True, True, False, False]
    with pytest.raises(ValueError, match="一般"):
        Satisfaction("一般")


@pytest.mark.parametrize(
    ("level", "state"),
    [
        ("非常满意", ProblemState.CLOSED),
        ("满意", ProblemState.CLOSED),
        ("基本满意", ProblemState.CLOSED),
        ("不满意", ProblemState.REDO),
        ("非常不满意", ProblemState.REDO),
    ],
)
def test_by_default_the_three_favourable_levels_close(world: World, level: str, state: ProblemState) -> None:
    pid = reported(world)
    visited = world.ledger.handle(world.collector, c.RecordReturnVisit(problem_id=pid, satisfaction=level))
    assert visited.state is state
    visit = visited.return_visits[-1]
    assert visit.satisfaction is Satisfaction(level)
    assert visit.satisfied is (state is ProblemState.CLOSED)


def test_a_county_may_send_back_a_fairly_satisfied_visit() -> None:
    strict = DeadlinePolicy.from_dict({"closing_satisfaction": ["非常满意", "satisfied"]})
    assert strict.closing_satisfaction == {Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED}
    world = build_world(Ledger(MemoryStore(), profiles={CITY: CountyProfile(deadline_policy=strict)}))
    pid = reported(world)
    redo = world.ledger.handle(world.collector, c.RecordReturnVisit(problem_id=pid, satisfaction="基本满意"))
    assert redo.state is ProblemState.REDO
    assert redo.return_visits[-1].satisfaction is Satisfaction.FAIRLY_SATISFIED
    assert not redo.return_visits[-1].satisfied


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"closing_satisfaction": []}, "closing_satisfaction"),
        ({"closing_satisfaction": ["满意", "一般"]}, "closing_satisfaction.1"),
        ({"closing_satisfaction": "满意"}, "closing_satisfaction"),
    ],
)
def test_a_bad_closing_rule_is_refused_naming_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        DeadlinePolicy.from_dict(data)
    assert info.value.field == field


def test_satisfied_still_works_and_records_its_level(world: World) -> None:
    pid = reported(world)
    closed = world.ledger.handle(world.collector, c.RecordReturnVisit(problem_id=pid, satisfied=True))
    assert closed.state is ProblemState.CLOSED
    assert closed.return_visits[-1].satisfaction is Satisfaction.SATISFIED
    event = world.ledger.history(world.viewer, pid)[-1]
    assert dict(event.payload) == {"satisfied": True, "notes": "", "satisfaction": "satisfied"}


def test_satisfied_false_is_dissatisfied(world: World) -> None:
    pid = reported(world)
    redo = world.ledger.handle(world.collector, c.RecordReturnVisit(problem_id=pid, satisfied=False))
    assert redo.state is ProblemState.REDO
    assert redo.return_visits[-1].satisfaction is Satisfaction.DISSATISFIED


@pytest.mark.parametrize(
    ("satisfied", "level"), [(True, "不满意"), (True, "非常不满意"), (False, "满意"), (False, "基本满意")]
)
def test_satisfied_and_a_contradicting_level_are_refused(satisfied: bool, level: str) -> None:
    with pytest.raises(ValidationError, match="contradicts satisfaction") as info:
        c.RecordReturnVisit(problem_id="p", satisfied=satisfied, satisfaction=level)
    assert info.value.field == "satisfied"


def test_satisfied_and_an_agreeing_level_are_taken() -> None:
    both = c.RecordReturnVisit(problem_id="p", satisfied=True, satisfaction="非常满意")
    assert both.level is Satisfaction.VERY_SATISFIED


def test_a_visit_with_no_answer_is_refused() -> None:
    with pytest.raises(ValidationError, match="give the level") as info:
        c.RecordReturnVisit(problem_id="p")
    assert info.value.field == "satisfaction"


def test_an_old_visit_event_keeps_its_stored_form_and_replays_as_satisfied_or_not() -> None:
    old = {"satisfied": False, "notes": "企业不认可"}
    typed = ReturnVisited.from_json(old)
    assert typed.satisfaction is None
    assert dict(typed.to_json()) == old  # the sealed payload's form: no new key


def test_an_event_in_the_older_form_is_sealed_replayed_and_verified(world: World) -> None:
    pid = reported(world)
    events = world.ledger.history(world.viewer, pid)
    problem = replay(events)
    # What an older release recorded: `satisfied` alone.
    data = {"satisfied": True, "notes": "满意"}
    now = world.clock.now()
    older = decide(problem, Action.RETURN_VISIT, world.collector, now, data, outcome="satisfied")
    assert dict(older.payload) == {"satisfied": True, "notes": "满意"}
    older = seal(older, problem.last_hash)
    assert verify([*events, older]) == []
    closed = replay([*events, older])
    assert closed.state is ProblemState.CLOSED
    assert closed.return_visits[-1].satisfaction is Satisfaction.SATISFIED
