"""退单 under arbitration: a department asks to return an assignment, the secretariat decides.

The world's clock starts on Monday 31 March 2025 10:00 Beijing time; the
sign-for clock of an assignment then ends at 24:00 on Tuesday 1 April.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from govbiz import commands as c
from govbiz.audit import seal, verify
from govbiz.deadlines import DeadlinePolicy
from govbiz.domain import ProblemState, replay
from govbiz.domain.handling import ReturnStatus
from govbiz.domain.lifecycle import Action
from govbiz.domain.problem import decide
from govbiz.errors import IllegalTransitionError, PermissionDeniedError, ValidationError
from govbiz.ledger import Ledger
from govbiz.profile import CountyProfile
from govbiz.records import to_record
from govbiz.storage.memory import MemoryStore
from tests.conftest import CITY, World, build_world

BEIJING = ZoneInfo("Asia/Shanghai")


def asked(world: World, ground: str | None = "不属于本部门职责") -> str:
    problem = world.assigned()
    world.at("2025-04-01 16:00")
    returned = world.ledger.handle(
        world.zgj,
        c.ReturnAssignment(
            problem_id=problem.id, reason="属住建职责", proposed_department="430800-zjj", ground=ground
        ),
    )
    assert returned.state is ProblemState.RETURN_REQUESTED
    return problem.id


def test_a_return_is_a_request_and_the_clocks_run_on(world: World) -> None:
    pid = asked(world)
    problem = world.ledger.problem(world.viewer, pid)
    request = problem.pending_return
    assert request is not None
    assert (request.department, request.ground) == ("430800-zgj", "不属于本部门职责")
    assert request.reason == "属住建职责"
    assert request.status is ReturnStatus.REQUESTED
    # The return answers the sign-for clock; the others run from the 交办, not from a signature.
    assert [d.clock for d in problem.open_deadlines()] == ["progress", "result", "co_handling"]
    assert problem.assignment.deadline("progress").start == datetime(2025, 3, 31, 10, tzinfo=BEIJING)


def test_an_accepted_return_awaits_reassignment_and_is_not_counted(world: World) -> None:
    pid = asked(world)
    world.at("2025-04-02 09:00")
    decision = c.DecideReturn(problem_id=pid, accept=True, note="同意")
    accepted = world.ledger.handle(world.secretariat, decision)
    assert accepted.state is ProblemState.RETURNED
    assert accepted.open_deadlines() == ()
    assert accepted.returns[-1].status is ReturnStatus.ACCEPTED
    assert accepted.returns[-1].decided_by == world.secretariat.id
    world.at("2025-04-02 10:00")
    again = world.ledger.handle(world.secretariat, c.ReassignProblem(problem_id=pid, lead="430800-zjj"))
    assert again.state is ProblemState.ASSIGNED
    # Fresh clocks for the new lead, from its own 交办.
    assert again.assignment.deadline("progress").last_day == date(2025, 4, 14)
    held = [(h.department, h.lead, h.round, h.since, h.until, h.counted) for h in again.holdings]
    first_since = datetime(2025, 3, 31, 10, tzinfo=BEIJING)
    assert held == [
        ("430800-zgj", True, 1, first_since, datetime(2025, 4, 2, 9, tzinfo=BEIJING), False),
        ("430800-zjj", False, 1, first_since, datetime(2025, 4, 2, 9, tzinfo=BEIJING), False),
        ("430800-zjj", True, 2, datetime(2025, 4, 2, 10, tzinfo=BEIJING), None, True),
    ]
    assert again.holdings[0].days(world.clock.now()) == 2.0  # 47 hours
    assert again.holdings[2].days(world.clock.now()) == 0.0  # still held: as of now
    # The record shows who held it when.
    record = to_record(again)
    assert [h.department for h in record.holdings] == ["430800-zgj", "430800-zjj", "430800-zjj"]
    assert record.returns[0].status == "accepted"


def test_a_refused_return_keeps_the_assignment_and_its_original_clocks(world: World) -> None:
    pid = asked(world)
    before = world.ledger.problem(world.viewer, pid).assignment
    world.at("2025-04-02 09:00")
    refused = world.ledger.handle(
        world.secretariat, c.DecideReturn(problem_id=pid, accept=False, note="属自规职责，请签收办理")
    )
    assert refused.state is ProblemState.ASSIGNED
    assert refused.assignment.deadlines == before.deadlines  # nothing restarted, nothing stopped
    assert refused.returns[-1].status is ReturnStatus.REFUSED
    assert refused.holdings[0].until is None and refused.holdings[0].counted
    # The sign-for clock ended on 1 April: the signature is late, and it is the lead's.
    signed = world.ledger.handle(world.zgj, c.SignAssignment(problem_id=pid))
    assert signed.state is ProblemState.SIGNED


def test_a_second_return_is_refused(world: World) -> None:
    pid = asked(world)
    world.ledger.handle(world.secretariat, c.DecideReturn(problem_id=pid, accept=False))
    with pytest.raises(ValidationError, match="already asked to return") as info:
        world.ledger.handle(world.zgj, c.ReturnAssignment(problem_id=pid, reason="再次退回"))
    assert info.value.field == "problem_id"
    assert world.ledger.problem(world.viewer, pid).state is ProblemState.ASSIGNED


def test_a_county_may_allow_two_returns() -> None:
    twice = DeadlinePolicy.from_dict({"returns_per_department": 2})
    world = build_world(Ledger(MemoryStore(), profiles={CITY: CountyProfile(deadline_policy=twice)}))
    pid = asked(world)
    world.ledger.handle(world.secretariat, c.DecideReturn(problem_id=pid, accept=False))
    again = world.ledger.handle(world.zgj, c.ReturnAssignment(problem_id=pid, reason="补充材料后再退"))
    assert again.state is ProblemState.RETURN_REQUESTED
    assert len(again.returns_by("430800-zgj")) == 2


def test_a_return_after_the_sign_for_window_is_refused(world: World) -> None:
    problem = world.assigned()
    world.at("2025-04-02 00:00")
    with pytest.raises(ValidationError, match="ask the secretariat to reassign"):
        world.ledger.handle(world.zgj, c.ReturnAssignment(problem_id=problem.id, reason="不是我们的"))


def test_a_ground_not_in_the_countys_list_is_refused(world: World) -> None:
    problem = world.assigned()
    with pytest.raises(ValidationError, match="is not a ground for a return here") as info:
        world.ledger.handle(
            world.zgj, c.ReturnAssignment(problem_id=problem.id, reason="忙", ground="工作太多")
        )
    assert info.value.field == "ground"


def test_a_county_lists_its_own_grounds_and_the_first_is_the_default() -> None:
    own = DeadlinePolicy.from_dict({"return_reasons": ["非本单位职能", "重复交办"]})
    world = build_world(Ledger(MemoryStore(), profiles={CITY: CountyProfile(deadline_policy=own)}))
    pid = asked(world, ground=None)
    assert world.ledger.problem(world.viewer, pid).returns[0].ground == "非本单位职能"
    with pytest.raises(ValidationError, match="return_reasons"):
        DeadlinePolicy.from_dict({"return_reasons": []})


def test_only_the_secretariat_decides(world: World) -> None:
    pid = asked(world)
    for actor in (world.chair, world.supervisor, world.zgj, world.collector):
        with pytest.raises(PermissionDeniedError, match="only secretariat may 审定退单"):
            world.ledger.handle(actor, c.DecideReturn(problem_id=pid, accept=True))


def test_a_secretariat_of_another_county_cannot_decide(world: World) -> None:
    pid = asked(world)
    other = world.secretariat.__class__(id="yd-ms", role=world.secretariat.role, county="430802")
    with pytest.raises(PermissionDeniedError, match="belongs to county 430800"):
        world.ledger.handle(other, c.DecideReturn(problem_id=pid, accept=True))


def test_a_return_is_decided_once(world: World) -> None:
    pid = asked(world)
    world.ledger.handle(world.secretariat, c.DecideReturn(problem_id=pid, accept=True))
    with pytest.raises(IllegalTransitionError, match="decide_return"):
        world.ledger.handle(world.secretariat, c.DecideReturn(problem_id=pid, accept=False))


def test_nothing_to_decide_without_a_return(world: World) -> None:
    problem = world.assigned()
    with pytest.raises(IllegalTransitionError):
        world.ledger.handle(world.secretariat, c.DecideReturn(problem_id=problem.id, accept=True))


def test_the_department_cannot_sign_while_its_return_waits(world: World) -> None:
    pid = asked(world)
    with pytest.raises(IllegalTransitionError, match="return_requested"):
        world.ledger.handle(world.zgj, c.SignAssignment(problem_id=pid))


def test_a_co_handler_cannot_return(world: World) -> None:
    problem = world.assigned()
    with pytest.raises(PermissionDeniedError, match="only the lead department"):
        world.ledger.handle(world.zjj, c.ReturnAssignment(problem_id=problem.id, reason="x"))


def test_a_return_recorded_before_arbitration_replays_as_it_was(world: World) -> None:
    problem = world.assigned()
    events = world.ledger.history(world.viewer, problem.id)
    row = decide(problem, Action.RETURN, world.zgj, world.clock.now(), {"reason": "属住建职责"})
    # An older release recorded the return as returned outright, with no ground.
    older = seal(row.__class__(**{**_fields(row), "state_after": "returned"}), problem.last_hash)
    assert dict(older.payload) == {"reason": "属住建职责", "proposed_department": None}
    assert verify([*events, older]) == []
    returned = replay([*events, older])
    assert returned.state is ProblemState.RETURNED
    # Folded exactly as that release did, so its stored snapshots still equal the replay.
    assert returned.returns == () and returned.assignment == problem.assignment
    assert returned.note == "属住建职责"
    reassign = decide(
        returned, Action.REASSIGN, world.secretariat, world.clock.now(),
        {"lead": "430800-zjj", "deadlines": []},
    )  # fmt: skip
    again = replay([*events, older, seal(reassign, older.hash)])
    assert again.previous_assignments == (problem.assignment,)
    # Who held it when is read from the next assignment: the returned one is not counted.
    assert [(h.department, h.counted, h.until) for h in again.holdings] == [
        ("430800-zgj", False, again.assignment.assigned_at),
        ("430800-zjj", False, again.assignment.assigned_at),
        ("430800-zjj", True, None),
    ]


def _fields(event: object) -> dict[str, object]:
    import attrs

    return {f.name: getattr(event, f.name) for f in attrs.fields(type(event)) if f.init}


def test_returns_on_the_real_calendar_in_2027() -> None:
    """An assignment on Thursday 4 February 2027, the day before 除夕.

    No State Council notice for 2027 is in the ledger, so the holiday law alone
    counts (provisional): 除夕 to 初三 is 5–8 February, and 初一 and 初二 fall on
    the weekend and are made up on 9 and 10 February (Art. 6).  The sign-for
    day, one working day on, is Thursday 11 February.
    """
    world = build_world()
    world.at("2027-02-04 15:00")
    first = world.assigned("春节前交办的问题")
    second = world.assigned("另一件问题")
    sign = first.assignment.deadline("sign")
    assert (sign.last_day, sign.provisional_years) == (date(2027, 2, 11), (2027,))
    world.at("2027-02-11 09:00")
    asked_ = world.ledger.handle(world.zgj, c.ReturnAssignment(problem_id=first.id, reason="非本部门"))
    assert asked_.state is ProblemState.RETURN_REQUESTED
    refused = world.ledger.handle(world.secretariat, c.DecideReturn(problem_id=first.id, accept=False))
    assert refused.assignment.deadlines == first.assignment.deadlines
    world.at("2027-02-12 09:00")  # the window ended at 24:00 on the 11th
    with pytest.raises(ValidationError, match="ended at 2027-02-12T00:00"):
        world.ledger.handle(world.zgj, c.ReturnAssignment(problem_id=second.id, reason="非本部门"))
