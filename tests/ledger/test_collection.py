"""Collecting, triaging, rejecting, merging, withdrawing and scheduling problems."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govbiz import commands as c
from govbiz.domain import ProblemState, replay
from govbiz.errors import IllegalTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from tests.conftest import World


def test_collect_records_who_when_and_what(world: World) -> None:
    problem = world.collect("老厂土地变性招拍")
    assert problem.state is ProblemState.COLLECTED
    assert problem.id == "430800-2025-0001"
    assert problem.title == "老厂土地变性招拍"
    assert problem.collected_by == world.collector.id
    assert problem.collected_at == world.clock.now()
    assert problem.enterprise_id == world.enterprise_id
    [event] = world.ledger.history(world.viewer, problem.id)
    assert (event.kind, event.state_before, event.state_after) == ("collect", None, "collected")
    assert event.actor_id == world.collector.id and event.actor_role == "collector"


def test_problem_numbers_count_per_county_and_year(world: World) -> None:
    ids = [world.collect(f"问题{i}").id for i in range(3)]
    assert ids == ["430800-2025-0001", "430800-2025-0002", "430800-2025-0003"]


def test_chinese_text_round_trips_exactly(world: World) -> None:
    title = "新厂“五通一平”施工保障——水、电、路、气、讯及场地平整"
    problem = world.collect(title)
    assert world.ledger.problem(world.viewer, problem.id).title == title


def test_triage_can_reclassify(world: World) -> None:
    problem = world.collect(category="其他")
    triaged = world.ledger.handle(
        world.collector, c.TriageProblem(problem_id=problem.id, category="融资", note="银企对接")
    )
    assert triaged.state is ProblemState.TRIAGED
    assert triaged.category == "融资"
    assert triaged.note == "银企对接"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "   "}, "title"),
        ({"category": "天气"}, "category"),
        ({"source": "道听途说"}, "source"),
        ({"enterprise_id": "430800-E99999"}, None),
    ],
)
def test_bad_collection_is_refused_and_nothing_stored(
    world: World, changes: dict[str, str], field: str | None
) -> None:
    data = {
        "enterprise_id": world.enterprise_id,
        "title": "问题",
        "category": "土地规划",
        "source": "调研走访",
    }
    data.update(changes)
    with pytest.raises((ValidationError, NotFoundError)) as info:
        world.ledger.handle(world.collector, c.CollectProblem(**data))
    if field is not None:
        assert isinstance(info.value, ValidationError)
        assert info.value.field == field
    assert world.ledger.problems(world.viewer) == []


def test_collection_in_the_future_is_refused(world: World) -> None:
    tomorrow = world.clock.now() + timedelta(days=1)
    with pytest.raises(ValidationError, match="future") as info:
        world.ledger.handle(
            world.collector,
            c.CollectProblem(
                enterprise_id=world.enterprise_id,
                title="问题",
                category="融资",
                source="恳谈会",
                collected_at=tomorrow,
            ),
        )
    assert info.value.field == "collected_at"


def test_reject_withdraw_and_merge_end_the_problem(world: World) -> None:
    rejected = world.ledger.handle(
        world.collector, c.RejectProblem(problem_id=world.collect().id, reason="不属于政府职责")
    )
    assert rejected.state is ProblemState.REJECTED
    withdrawn = world.ledger.handle(
        world.contact, c.WithdrawProblem(problem_id=world.collect().id, reason="已自行解决")
    )
    assert withdrawn.state is ProblemState.WITHDRAWN
    original, duplicate = world.collect("贷款延期"), world.collect("贷款延期（重复）")
    merged = world.ledger.handle(world.collector, c.MergeProblem(problem_id=duplicate.id, into=original.id))
    assert merged.state is ProblemState.MERGED
    assert merged.duplicate_of == original.id


def test_merge_into_itself_is_refused(world: World) -> None:
    problem = world.collect()
    with pytest.raises(ValidationError, match="itself"):
        world.ledger.handle(world.collector, c.MergeProblem(problem_id=problem.id, into=problem.id))


def test_illegal_transition_names_problem_state_action_and_allowed(world: World) -> None:
    problem = world.collect()
    # A department is refused by scope first (not its assignment) ...
    with pytest.raises(PermissionDeniedError, match="not assigned to 430800-zgj"):
        world.ledger.handle(world.zgj, c.SignAssignment(problem_id=problem.id))
    # ... the chair, who may assign, by the lifecycle table.
    with pytest.raises(IllegalTransitionError) as info:
        world.ledger.handle(world.chair, c.AssignProblem(problem_id=problem.id, lead="430800-zgj"))
    error = info.value
    assert error.problem_id == problem.id
    assert error.state == "collected"
    assert error.action == "assign"
    assert error.allowed == ("merge", "reject", "triage", "withdraw")
    assert "allowed now: merge, reject, triage, withdraw" in str(error)


def test_schedule_puts_the_problem_on_the_agenda(world: World) -> None:
    problem = world.collect()
    world.ledger.handle(world.collector, c.TriageProblem(problem_id=problem.id))
    scheduled = world.ledger.handle(
        world.secretariat, c.ScheduleProblem(problem_id=problem.id, session_id=world.session_id)
    )
    assert scheduled.state is ProblemState.SCHEDULED
    assert [p.id for p in world.ledger.agenda(world.viewer, world.session_id)] == [problem.id]


def test_history_replays_to_the_same_state(world: World) -> None:
    problem = world.collect()
    world.ledger.handle(world.collector, c.TriageProblem(problem_id=problem.id, category="融资"))
    world.ledger.handle(
        world.secretariat, c.ScheduleProblem(problem_id=problem.id, session_id=world.session_id)
    )
    events = world.ledger.history(world.viewer, problem.id)
    assert [e.version for e in events] == [1, 2, 3]
    assert replay(events) == world.ledger.problem(world.viewer, problem.id)
