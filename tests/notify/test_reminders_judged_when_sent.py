"""Reminders are judged when they are sent, and the sweep never stops for calendar coverage."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from click.testing import CliRunner

from govbiz import commands as c
from govbiz.calendar import WorkingCalendar, china_calendar
from govbiz.cli import main
from govbiz.deadlines import DeadlinePolicy
from govbiz.ledger import Ledger
from govbiz.notify.dispatcher import Dispatcher
from govbiz.notify.recheck import warning_recheck
from govbiz.notify.sweep import sweep
from govbiz.ports.outbox import OutboxEntry, OutboxStatus
from govbiz.profile import CountyProfile
from govbiz.storage import MemoryStore
from tests.conftest import BEIJING, CITY, World, build_world
from tests.notify.test_notify_outbox import Recorder


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def _sweep_entries(world: World) -> list[OutboxEntry]:
    return [e for e in world.ledger.store.outbox().entries(limit=1000) if e.key.startswith("sweep:")]


def _dispatch(world: World, channel: Recorder) -> Dispatcher:
    return Dispatcher(
        world.ledger.store.outbox(), {"console": channel}, world.clock, worker="w1",
        recheck=warning_recheck(world.ledger),
    )


def test_a_sweep_for_a_later_day_sends_nothing_for_a_clock_reported_on_time(world: World) -> None:
    # The case: `govbiz remind --as-of 2026-12-28` run early queued 严重超期督办 notices.
    world.at("2026-12-02 10:00")
    problem = world.co_replied(world.signed())  # progress is due on Friday 11 December
    report = sweep(world.ledger, _at("2026-12-28 08:00"))
    assert report.by_level == {"seriously_overdue": 1}
    queued = _sweep_entries(world)
    assert {e.notification.data["trigger"] for e in queued} == {"seriously_overdue"}
    assert all(e.next_attempt_at == _at("2026-12-28 08:00") for e in queued)

    world.at("2026-12-10 15:00")
    world.ledger.handle(world.zgj, c.ReportProgress(problem_id=problem.id, text="已完成现场踏勘"))
    world.at("2026-12-28 08:30")
    channel = Recorder()
    done = _dispatch(world, channel).run_until_idle()
    # The escalation ladder's letter (催办通知书) of the met clock is superseded with the reminders.
    letter = f"escalation:{problem.id}:progress:2026-12-11:reminder_letter:console"
    assert set(done.superseded) == {e.key for e in queued} | {letter}
    assert not any(key.startswith(("sweep:", "escalation:")) for key in channel.delivered)
    for entry in world.ledger.store.outbox().entries(OutboxStatus.SUPERSEDED):
        assert entry.last_error == (
            f"the progress clock of {problem.id} was met since the reminder was queued (now in_progress)"
        )
        assert entry.sent_at is None


def test_a_reminder_whose_clock_moved_or_stopped_is_not_sent(world: World) -> None:
    world.at("2025-04-01 10:00")
    extended = world.co_replied(world.signed("延期的问题"))
    suspended = world.co_replied(world.signed("中止的问题"))
    world.at("2025-04-09 09:00")  # two working days before both progress clocks end (11 April)
    sweep(world.ledger, world.clock.now())
    world.ledger.handle(
        world.zgj,
        c.RequestExtension(
            problem_id=extended.id, clock="progress", new_last_day=date(2025, 4, 30), reason="需补充材料"
        ),
    )
    world.ledger.handle(world.secretariat, c.DecideExtension(problem_id=extended.id, approve=True))
    world.ledger.handle(world.secretariat, c.SuspendProblem(problem_id=suspended.id, reason="等待法院判决"))
    done = _dispatch(world, Recorder()).run_until_idle()
    superseded = world.ledger.store.outbox().entries(OutboxStatus.SUPERSEDED)
    reasons = {e.key.split(":")[1]: e.last_error for e in superseded}
    assert reasons[extended.id] == (
        f"the progress clock of {extended.id} now ends on 2025-04-30, not 2025-04-11 (extended or re-based)"
    )
    assert reasons[suspended.id] == (
        f"the clocks of {suspended.id} are suspended (中止) since the reminder was queued"
    )
    assert len(done.superseded) == 2
    assert len(done.sent) == 2  # the two assignment notices are facts: always sent


def test_a_reminder_still_due_is_sent(world: World) -> None:
    world.at("2025-04-01 10:00")
    world.signed()
    world.at("2025-04-14 09:00")
    sweep(world.ledger, world.clock.now())
    channel = Recorder()
    done = _dispatch(world, channel).run_until_idle()
    assert done.superseded == ()
    swept = [k for k in done.sent if k.startswith("sweep:")]
    assert swept and all(k in channel.delivered for k in swept)


def test_the_sweep_on_new_years_eve_reminds_overdue_and_approaching_clocks(world: World) -> None:
    world.at("2026-12-10 10:00")
    late = world.co_replied(world.signed("逾期的问题"))  # progress due Monday 21 December
    world.at("2026-12-24 10:00")
    # Progress due Tuesday 5 January 2027, counted on the law.
    soon = world.co_replied(world.signed("临期的问题"))
    report = sweep(world.ledger, _at("2026-12-31 08:00"))
    assert report.uncomputed == ()
    assert report.by_level == {"seriously_overdue": 1, "approaching": 1}
    triggers = {(e.key.split(":")[1], e.notification.data["trigger"]) for e in _sweep_entries(world)}
    assert (late.id, "seriously_overdue") in triggers
    assert (soon.id, "approaching") in triggers
    assert report.calendar_warning is not None and "2027年放假安排尚未录入" in report.calendar_warning


def test_a_clock_past_a_shrunken_calendar_is_named_and_the_others_are_still_reminded() -> None:
    store = MemoryStore()
    world = build_world(Ledger(store))
    world.at("2026-12-10 10:00")
    late = world.co_replied(world.signed("逾期的问题"))
    world.at("2026-12-28 10:00")
    # Progress due 7 January 2027 on the provisional year.
    beyond = world.co_replied(world.signed("跨年的问题"))
    strict = DeadlinePolicy.default(calendar=WorkingCalendar(china_calendar().notices, provisional_horizon=0))
    without_2027 = Ledger(store, clock=world.clock, profiles={CITY: CountyProfile(deadline_policy=strict)})
    report = sweep(without_2027, _at("2026-12-30 08:00"), counties=frozenset({CITY}))
    assert report.by_level == {"seriously_overdue": 1}
    # Counted when 2027 was provisional, these clocks end past a calendar that now stops in 2026.
    assert {(u.problem_id, u.clock) for u in report.uncomputed} == {
        (late.id, "result"), (beyond.id, "progress"), (beyond.id, "result")
    }
    named = next(u for u in report.uncomputed if (u.problem_id, u.clock) == (beyond.id, "progress"))
    assert (named.last_day, named.reason) == (
        date(2027, 1, 7), "the last day 2027-01-07 is past the calendar, which ends on 2026-12-31"
    )
    assert any(e.key.startswith(f"sweep:{late.id}:progress") for e in _sweep_entries(world))


def test_remind_refuses_a_later_instant_without_future(tmp_path: object) -> None:
    db = f"sqlite:///{tmp_path}/ledger.db"
    runner = CliRunner()
    later = (datetime.now(BEIJING) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    refused = runner.invoke(main, ["remind", "--db", db, "--as-of", later])
    assert refused.exit_code == 2
    assert "is later than now" in refused.output and "--future" in refused.output
    accepted = runner.invoke(main, ["remind", "--db", db, "--as-of", later, "--future", "--json"])
    assert accepted.exit_code == 0, accepted.output


@pytest.mark.parametrize("day", ["2026-12-31", "2027-06-30", "2031-12-20"])
def test_thresholds_never_fail_for_coverage(day: str) -> None:
    policy = DeadlinePolicy.default()
    thresholds = policy.thresholds(_at(f"{day} 09:00"))
    assert thresholds.approaching_through <= policy.calendar.last_date
    assert thresholds.seriously_before < thresholds.today
