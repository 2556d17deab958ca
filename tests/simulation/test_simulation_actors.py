"""The actors' decisions, apart from the engine: the supervision office reads the day's notices."""

from __future__ import annotations

from govbiz.ports.channel import Notification
from govbiz.simulation.actors import Reminder, SupervisionOffice
from tests.conftest import World


def notice(trigger: str, problem_id: str = "", clock: str = "", channel: str = "console") -> Notification:
    """A delivered notice as the library builds it: a sweep's names its problem and clock."""
    data = {"trigger": trigger}
    if problem_id:
        data.update(problem_id=problem_id, clock=clock)
    key = f"{trigger}:{problem_id}:{clock}:{channel}"
    return Notification(key, channel, ("市自规局",), trigger, "", data)


def test_one_reminder_per_problem_naming_its_first_latest_clock(world: World) -> None:
    first, second = world.assigned("第一件"), world.assigned("第二件")  # clocks: sign, progress, result
    notices = [
        notice("overdue", second.id, "result"),
        notice("overdue", second.id, "progress"),
        notice("overdue", second.id, "progress", channel="email"),  # the same clock on two channels
        notice("overdue", first.id, "sign"),
        notice("seriously_overdue", first.id, "result"),
    ]
    problems = {p.id: p for p in (first, second)}
    assert SupervisionOffice.reminders(notices, problems.get) == [
        Reminder(first.id, "supervision", "办理结果严重逾期，请立即报送"),  # 督办: the latest clock wins
        Reminder(second.id, "reminder", "落实情况逾期，请立即报送"),  # of two equally late, the earlier
    ]


def test_warnings_events_return_visits_and_unfollowed_problems_are_no_reason_to_press(world: World) -> None:
    problem = world.assigned()
    notices = [
        notice("approaching", problem.id, "progress"),
        notice("due_today", problem.id, "sign"),
        notice("return_visit_due", problem.id, "return_visit"),
        notice("assigned"),
        notice("overdue", "430800-2025-9999", "result"),
    ]
    assert SupervisionOffice.reminders(notices, {problem.id: problem}.get) == []
