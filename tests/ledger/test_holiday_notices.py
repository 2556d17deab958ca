"""Holiday notices kept in the ledger, and the clocks re-based when one arrives.

The 2027 notice below is INVENTED for these tests: the State Council had not
published its 2027 arrangement when they were written.  Its days are chosen
so that the Spring Festival moves a provisional result deadline later, and a
worked Saturday would end a provisional progress deadline earlier.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from govbiz import commands as c
from govbiz.domain import Actor, Role
from govbiz.domain.holiday_notice import NATIONAL
from govbiz.errors import PermissionDeniedError, ValidationError
from govbiz.kept_notices import KeptNotices, NoticeAdded
from govbiz.ledger import Ledger
from govbiz.metrics.asof import problem_as_of
from govbiz.ports.storage import RecordKind
from tests.conftest import BEIJING, COUNTY, World, build_world, credit_code

#: INVENTED (测试虚构): not the real 2027 notice.
INVENTED_2027 = """\
# 测试虚构的2027年放假安排：并非国务院发布的通知
[[notice]]
year = 2027
number = "国办发明电〔2026〕99号"
title = "国务院办公厅关于2027年部分节假日安排的通知（测试虚构）"
published = 2026-12-10
holidays = [
  { name = "元旦", first = 2027-01-01, last = 2027-01-03, working = [2027-01-09] },
  { name = "春节", first = 2027-02-05, last = 2027-02-13, working = [2027-02-20] },
  { name = "清明节", first = 2027-04-03, last = 2027-04-05 },
  { name = "劳动节", first = 2027-05-01, last = 2027-05-05 },
  { name = "端午节", first = 2027-06-09, last = 2027-06-09 },
  { name = "中秋节", first = 2027-09-15, last = 2027-09-15 },
  { name = "国庆节", first = 2027-10-01, last = 2027-10-07 },
]
"""


def _add(world: World, text: str = INVENTED_2027) -> NoticeAdded:
    added: NoticeAdded = world.ledger.handle(world.admin, c.AddHolidayNotice(text=text, source="2027.toml"))
    return added


def _county_problem(world: World) -> str:
    """A problem of the county 永定区, assigned by its own chair, to show the notice is national."""
    ledger, admin = world.ledger, Actor(id="yd-admin", role=Role.ADMINISTRATOR, county=COUNTY)
    code = credit_code("91430802MA4L00001")
    firm = ledger.handle(admin, c.RegisterEnterprise(county=COUNTY, name="永定区某公司", credit_code=code))
    problem = ledger.handle(
        world.county_collector,
        c.CollectProblem(enterprise_id=firm.id, title="厂房报建", category="审批", source="座谈会"),
    )
    ledger.handle(world.county_collector, c.TriageProblem(problem_id=problem.id))
    chair = Actor(id="yd-sj", role=Role.CHAIR, county=COUNTY)
    ledger.handle(chair, c.AssignProblem(problem_id=problem.id, lead="430802-zrzy"))
    return str(problem.id)


def test_adding_the_notice_rebases_provisional_clocks_in_every_county(world: World) -> None:
    world.at("2027-01-06 10:00")
    city = world.co_replied(world.assigned())
    county = _county_problem(world)
    world.at("2027-01-06 16:00")
    added = _add(world)

    assert not added.already_kept
    assert added.warnings == ()
    kept = added.kept
    assert (kept.county, kept.notice.number, kept.added_by, kept.source) == (
        NATIONAL, "国办发明电〔2026〕99号", "admin", "2027.toml"
    )
    assert len(kept.sha256) == 64
    assert {r.problem_id for r in added.rebased} == {city.id, county}
    changes = {(r.problem_id, r.change.new.clock): r.change for r in added.rebased}
    # The Spring Festival now runs to Saturday 13 February: the result moves to Monday 15 February.
    result = changes[(city.id, "result")]
    assert (result.announced.last_day, result.new.last_day, result.moved) == (
        date(2027, 2, 11), date(2027, 2, 15), True
    )
    assert result.new.cutoff == datetime(2027, 2, 16, tzinfo=BEIJING)
    assert not result.new.provisional
    # Saturday 9 January is worked: 7 working days would end on Thursday 14 January, a day
    # earlier than the department was told.  The announced Friday 15 January stands.
    progress = changes[(city.id, "progress")]
    assert (progress.official_last_day, progress.new.last_day) == (date(2027, 1, 14), date(2027, 1, 15))
    assert progress.kept_announced and not progress.moved
    assert progress.new.cutoff == progress.announced.cutoff
    assert {r.problem_id for r in added.moved} == {city.id, county}

    stored = world.ledger.problem(world.viewer, city.id)
    assert stored.assignment is not None
    assert {d.clock: (d.last_day, d.provisional) for d in stored.assignment.deadlines} == {
        "sign": (date(2027, 1, 7), False),
        "progress": (date(2027, 1, 15), False),
        "result": (date(2027, 2, 15), False),
        # The co-handler replied before the notice: an answered clock is not re-based.
        "co_handling": (date(2027, 1, 11), True),
    }


def test_each_rebase_is_an_event_that_says_what_moved_and_why(world: World) -> None:
    world.at("2027-01-06 10:00")
    problem = world.assigned()
    world.at("2027-01-06 16:00")
    _add(world)
    history = world.ledger.history(world.viewer, problem.id)
    event = history[-1]
    assert event.kind == "deadline_rebased"
    assert (event.actor_id, event.actor_role, event.county) == ("admin", "administrator", problem.county)
    assert event.payload["notice"]["number"] == "国办发明电〔2026〕99号"
    assert event.payload["moved"] is True
    by_clock = {change["clock"]: change for change in event.payload["changes"]}
    assert by_clock["result"] == {
        "clock": "result", "old_last_day": "2027-02-11", "new_last_day": "2027-02-15",
        "official_last_day": "2027-02-15", "kept_announced": False,
    }
    assert by_clock["progress"]["kept_announced"] is True
    rebased = {d["clock"]: d.get("origin") for d in event.payload["deadlines"]}
    assert rebased["result"] == "rebased"  # DeadlineOrigin.REBASED, stored since the basis cannot say it
    # Replay never consults a calendar: the re-based dates are in the event.
    assert problem_as_of(history, datetime(2027, 1, 6, 17, tzinfo=BEIJING)) == world.ledger.problem(
        world.viewer, problem.id
    )
    before = problem_as_of(history, datetime(2027, 1, 6, 15, tzinfo=BEIJING))
    assert before is not None and before.assignment is not None
    assert before.assignment.deadline("result").last_day == date(2027, 2, 11)  # type: ignore[union-attr]


def test_the_department_is_told_when_its_last_day_moves(world: World) -> None:
    world.at("2027-01-06 10:00")
    problem = world.assigned()
    world.at("2027-01-06 16:00")
    _add(world)
    entries = world.ledger.store.outbox().entries(limit=100)
    [told] = [e for e in entries if ":deadline_rebased:" in e.key]
    assert told.notification.recipients == ("市自规局", "市住建局")
    body = told.notification.body
    assert "国务院2027年放假安排（国办发明电〔2026〕99号）已录入台账" in body
    assert "30日内报送办理结果：最后一日由 2027-02-11 调整为 2027-02-15（2027-02-16 00:00 起为逾期）" in body
    assert "报送落实情况" not in body  # the progress clock kept its announced day: nothing to tell
    assert problem.id in told.notification.subject


def test_adding_the_same_file_again_changes_nothing(world: World) -> None:
    world.at("2027-01-06 10:00")
    world.assigned()
    first = _add(world)
    events = len(world.ledger.store.unit_of_work().events())
    again = _add(world)
    assert again.already_kept and again.rebased == ()
    assert again.kept == first.kept
    assert len(world.ledger.store.unit_of_work().events()) == events


def test_a_corrected_transcription_is_kept_beside_the_first_and_wins(world: World) -> None:
    first = _add(world)
    corrected = _add(world, INVENTED_2027.replace("working = [2027-02-20]", "working = [2027-02-21]"))
    assert corrected.kept.key != first.kept.key
    assert corrected.kept.corrects == first.kept.key
    calendar = world.ledger.policy("430800").calendar
    assert calendar.is_working_day(date(2027, 2, 21))
    assert not calendar.is_working_day(date(2027, 2, 20))


def test_a_notice_missing_a_statutory_day_is_refused_and_nothing_is_stored(world: World) -> None:
    world.at("2027-01-06 10:00")
    problem = world.assigned()
    wrong = INVENTED_2027.replace("first = 2027-02-05", "first = 2027-02-06")  # 除夕 left out
    with pytest.raises(ValidationError) as caught:
        _add(world, wrong)
    assert caught.value.field == "notice.holidays"
    assert caught.value.value == "2027-02-05"
    assert "春节（除夕）" in str(caught.value)
    assert world.ledger.holiday_notices() == ()
    assert world.ledger.history(world.viewer, problem.id)[-1].kind == "assign"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("year = 2027\n[[notice", "notice"),
        (INVENTED_2027 + INVENTED_2027, "notice"),
        (INVENTED_2027.replace("2027-02-20", "2027-02-22"), "notice[0].holidays[1].working[0]"),
    ],
)
def test_a_bad_file_is_refused_naming_the_field(world: World, text: str, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _add(world, text)
    assert caught.value.field == field


def test_more_than_six_working_days_in_a_row_is_a_warning_not_a_refusal(world: World) -> None:
    # End the holiday on Friday 12 February and work that weekend: Saturday 13 to Friday 19 is seven days.
    long_run = INVENTED_2027.replace("working = [2027-02-20]", "working = [2027-02-13, 2027-02-14]")
    long_run = long_run.replace("last = 2027-02-13", "last = 2027-02-12")
    added = _add(world, long_run)
    assert added.warnings == (
        "春节后连续工作7天（2027-02-13 至 2027-02-19），"
        "超过国务院令第795号第七条“法定节假日假期前后连续工作一般不超过6天”",
    )
    [event] = world.ledger.store.unit_of_work().events("holiday_notice", added.kept.key)
    assert event.payload["warnings"] == list(added.warnings)
    assert event.payload["sha256"] == added.kept.sha256


def test_only_an_administrator_adds_a_notice(world: World) -> None:
    with pytest.raises(PermissionDeniedError):
        world.ledger.handle(world.secretariat, c.AddHolidayNotice(text=INVENTED_2027))


def test_a_problem_assigned_after_the_notice_counts_on_it(world: World) -> None:
    _add(world)
    world.at("2027-01-06 10:00")
    problem = world.assigned()
    assert problem.assignment is not None
    result = problem.assignment.deadline("result")
    assert result is not None
    assert (result.last_day, result.provisional) == (date(2027, 2, 15), False)


def test_another_process_uses_the_notice_on_its_first_command_and_a_running_one_within_a_minute(
    tmp_path: object,
) -> None:
    from pathlib import Path

    from govbiz.storage.sql.sqlite import open_sqlite as sqlite_store

    path = Path(str(tmp_path)) / "ledger.db"
    world = build_world(Ledger(sqlite_store(f"sqlite:///{path}")))
    ticks = [0.0]
    running = Ledger(sqlite_store(f"sqlite:///{path}"), clock=world.clock)
    running.notices = KeptNotices(monotonic=lambda: ticks[0])
    assert running.policy("430800").calendar.is_provisional(date(2027, 2, 15))

    _add(world)  # through the first ledger, as `govbiz calendar add-notice` would

    ticks[0] = 59.0
    assert running.policy("430800").calendar.is_provisional(date(2027, 2, 15))  # still the old view
    ticks[0] = 60.0
    assert not running.policy("430800").calendar.is_provisional(date(2027, 2, 15))
    fresh = Ledger(sqlite_store(f"sqlite:///{path}"), clock=world.clock)
    assert [k.notice.number for k in fresh.holiday_notices()] == ["国办发明电〔2026〕99号"]
    assert fresh.policy("430802").calendar.day_info(date(2027, 2, 13)).notice == "国办发明电〔2026〕99号"
    record = fresh.store.unit_of_work().get_record(RecordKind.HOLIDAY_NOTICE, fresh.holiday_notices()[0].key)
    assert record == fresh.holiday_notices()[0]
