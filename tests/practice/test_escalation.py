"""The escalation ladder (督办升级): 催办通知书 the working day after a clock ran out, then 拟通报批评."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import attrs
import pytest

import govbiz
from govbiz import commands as c
from govbiz.calendar import china_calendar
from govbiz.config import ConfigFileError, parse_county_file
from govbiz.config.apply import apply_county_file
from govbiz.deadlines import DeadlinePolicy, EscalationPolicy, Rung
from govbiz.documents import DocumentSettings
from govbiz.documents.circular import circular_document
from govbiz.documents.reminder import reminder_letters
from govbiz.errors import ValidationError
from govbiz.ledger import Ledger
from govbiz.notify.dispatcher import Dispatcher
from govbiz.notify.recheck import warning_recheck
from govbiz.notify.sweep import sweep
from govbiz.ports.outbox import OutboxEntry, OutboxStatus
from govbiz.profile import CountyProfile
from govbiz.storage import MemoryStore
from govbiz.supervision import circular_markdown, circular_to_json, generate_circular
from tests.conftest import BEIJING, CITY, World, build_world
from tests.notify.test_notify_outbox import Recorder

CAL = china_calendar()
_SETTINGS = DocumentSettings.default("张家界市", date(2025, 4, 22))


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def _letters(ledger: Ledger) -> list[OutboxEntry]:
    return [e for e in ledger.store.outbox().entries(limit=1000) if e.key.startswith("escalation:")]


def _late_progress(world: World) -> str:
    """Assigned Tuesday 1 April 2025 and signed; progress ends Friday 11 April; the co-handler replied."""
    world.at("2025-04-01 10:00")
    return world.co_replied(world.signed()).id


def _world_with(ladder: EscalationPolicy) -> World:
    policy = attrs.evolve(DeadlinePolicy.default(), escalation=ladder)
    return build_world(Ledger(MemoryStore(), profiles={CITY: CountyProfile(deadline_policy=policy)}))


# --- the rungs -------------------------------------------------------------------------


def test_the_rungs_follow_the_last_day_in_working_days() -> None:
    ladder = EscalationPolicy()
    last = date(2025, 4, 11)  # a Friday
    assert ladder.letter_day(CAL, last) == date(2025, 4, 14)  # Monday, the working day after
    assert ladder.criticism_day(CAL, last) == date(2025, 4, 21)  # 5 working days after the letter
    assert ladder.rung(CAL, last, date(2025, 4, 12)) is Rung.OVERDUE  # overdue on Saturday, letter Monday
    assert ladder.rung(CAL, last, date(2025, 4, 14)) is Rung.REMINDER_LETTER
    assert ladder.rung(CAL, last, date(2025, 4, 18)) is Rung.REMINDER_LETTER
    assert ladder.rung(CAL, last, date(2025, 4, 21)) is Rung.CRITICISM


def test_the_letter_waits_for_the_end_of_a_holiday() -> None:
    """Last day Tuesday 30 September 2025: 国庆节/中秋节 1–8 October, Saturday 11 October worked."""
    ladder = EscalationPolicy()
    last = date(2025, 9, 30)
    assert ladder.letter_day(CAL, last) == date(2025, 10, 9)
    # 10, 11 (a Saturday worked), 13, 14, 15 October.
    assert ladder.criticism_day(CAL, last) == date(2025, 10, 15)
    assert ladder.rung(CAL, last, date(2025, 10, 8)) is Rung.OVERDUE


def test_a_2027_last_day_climbs_on_the_provisional_calendar() -> None:
    ladder = EscalationPolicy(criticism_after_working_days=3)
    last = date(2026, 12, 31)  # Thursday; 元旦 2027 (1 January, a Friday) by the holiday law
    assert CAL.day_info(date(2027, 1, 4)).provisional
    assert ladder.letter_day(CAL, last) == date(2027, 1, 4)
    assert ladder.criticism_day(CAL, last) == date(2027, 1, 7)
    assert ladder.rung(CAL, last, date(2027, 1, 7)) is Rung.CRITICISM


def test_criticism_switched_off_stays_at_the_letter() -> None:
    ladder = EscalationPolicy(criticism=False)
    assert ladder.rung(CAL, date(2025, 4, 11), date(2025, 6, 30)) is Rung.REMINDER_LETTER
    assert "不提请通报批评" in ladder.describe_zh()


def test_the_default_ladder_and_its_description() -> None:
    ladder = DeadlinePolicy.default().escalation
    assert (ladder.reminder_letter, ladder.criticism, ladder.criticism_after_working_days) == (True, True, 5)
    assert ladder.clocks == {"sign", "progress", "result", "co_handling"}
    assert not ladder.escalates("return_visit") and not ladder.escalates("verification")
    assert ladder.describe_zh() == (
        "超期次一工作日发出催办通知书；其后满5个工作日仍未报送的，列入督查通报拟通报批评。"
    )


# --- configuration ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"criticism_after": 5}, "escalation.criticism_after"),
        ({"criticism_after_working_days": -1}, "escalation.criticism_after_working_days"),
        ({"criticism_after_working_days": True}, "escalation.criticism_after_working_days"),
        ({"reminder_letter": "yes"}, "escalation.reminder_letter"),
        ({"criticism": 1}, "escalation.criticism"),
        ({"clocks": "progress"}, "escalation.clocks"),
    ],
)
def test_a_bad_escalation_setting_names_its_key(data: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        DeadlinePolicy.from_dict({"escalation": data})
    assert caught.value.field == field


def test_an_escalated_clock_must_be_a_clock_of_the_policy() -> None:
    with pytest.raises(ValidationError) as caught:
        DeadlinePolicy.from_dict({"escalation": {"clocks": ["progress", "reply"]}})
    assert (caught.value.field, caught.value.value) == ("escalation.clocks", "reply")


def test_a_policy_reads_its_ladder() -> None:
    data = {"escalation": {"criticism_after_working_days": 3, "clocks": ["result"]}}
    policy = DeadlinePolicy.from_dict(data)
    assert policy.escalation == EscalationPolicy(criticism_after_working_days=3, clocks=frozenset({"result"}))


_FILE = """\
[[divisions]]
code = "430800"
name = "张家界市"

[escalation]
reminder_letter = true
criticism_after_working_days = {days}
"""


def test_the_county_file_sets_the_ladder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with govbiz.open(url) as ledger:
        apply_county_file(ledger, parse_county_file(_FILE.format(days=3), "zhangjiajie.toml"))
    with govbiz.open(url) as ledger:
        assert ledger.policy("430800").escalation.criticism_after_working_days == 3


def test_a_bad_ladder_in_the_county_file_names_file_line_and_key() -> None:
    with pytest.raises(ConfigFileError) as caught:
        parse_county_file(_FILE.format(days='"five"'), "zhangjiajie.toml")
    error = caught.value
    assert (error.file, error.line, error.key) == (
        "zhangjiajie.toml", 7, "escalation.criticism_after_working_days"
    )
    assert str(error).startswith("zhangjiajie.toml:7: escalation.criticism_after_working_days: must be")
    with pytest.raises(ConfigFileError) as unknown:
        parse_county_file(_FILE.format(days=3) + "criticise = true\n", "zhangjiajie.toml")
    assert (unknown.value.line, unknown.value.key) == (8, "escalation.criticise")


def test_the_ladder_is_given_once_in_a_county_file() -> None:
    twice = _FILE.format(days=3) + "\n[deadlines.escalation]\ncriticism = false\n"
    with pytest.raises(ConfigFileError) as caught:
        parse_county_file(twice, "zhangjiajie.toml")
    assert (caught.value.key, caught.value.line) == ("deadlines.escalation", 9)


# --- the sweep's letter ----------------------------------------------------------------


def test_the_letter_is_queued_once_the_working_day_after(world: World) -> None:
    problem = _late_progress(world)
    assert sweep(world.ledger, _at("2025-04-11 18:00")).letters == 0  # due today
    assert sweep(world.ledger, _at("2025-04-12 09:00")).letters == 0  # overdue, a Saturday
    report = sweep(world.ledger, _at("2025-04-14 08:00"))
    assert report.letters == 1
    [letter] = _letters(world.ledger)
    assert letter.key == f"escalation:{problem}:progress:2025-04-11:reminder_letter:console"
    note = letter.notification
    assert note.recipients == ("市自规局", "督查室")
    assert note.subject.startswith("【催办通知书】")
    assert "至 2025-04-21 仍未报送的，将在督查通报中提请书面通报批评" in note.body
    assert note.data["last_day"] == "2025-04-11"
    # Every later sweep, the same day or later, finds it queued: the daily 催办 goes on alone.
    again = sweep(world.ledger, _at("2025-04-14 15:00"))
    later = sweep(world.ledger, _at("2025-04-22 08:00"))
    assert (again.letters, later.letters) == (0, 0)
    assert later.queued > 0 and len(_letters(world.ledger)) == 1


def test_the_letter_is_queued_once_across_processes() -> None:
    store = MemoryStore()
    world = build_world(Ledger(store))
    _late_progress(world)
    other = Ledger(store, clock=world.clock)  # another process's ledger on the same store
    assert sweep(world.ledger, _at("2025-04-15 08:00")).letters == 1
    assert sweep(other, _at("2025-04-15 08:00")).letters == 0
    assert sweep(other, _at("2025-04-16 08:00")).letters == 0
    assert len(_letters(other)) == 1


def test_a_late_co_handler_gets_its_own_letter(world: World) -> None:
    problem = world.signed()  # Monday 31 March: co-handling ends Thursday 3 April; 市住建局 does not reply
    world.ledger.handle(world.zgj, c.ReportProgress(problem_id=problem.id, text="已推进"))
    # 清明节 4–6 April: the letter goes on Monday 7 April.
    assert sweep(world.ledger, _at("2025-04-05 08:00")).letters == 0
    assert sweep(world.ledger, _at("2025-04-07 08:00")).letters == 1
    [letter] = _letters(world.ledger)
    assert letter.notification.data["clock"] == "co_handling"
    assert letter.notification.recipients == ("市住建局", "督查室")
    assert "市住建局（协办单位）" in letter.notification.body


def test_a_county_without_letters_sends_none() -> None:
    world = _world_with(EscalationPolicy(reminder_letter=False))
    _late_progress(world)
    report = sweep(world.ledger, _at("2025-04-14 08:00"))
    assert (report.letters, report.by_level) == (0, {"overdue": 1})
    assert _letters(world.ledger) == []


def test_a_clock_the_county_leaves_off_the_ladder_gets_no_letter() -> None:
    world = _world_with(EscalationPolicy(clocks=frozenset({"result"})))
    _late_progress(world)
    assert sweep(world.ledger, _at("2025-04-14 08:00")).letters == 0


def test_met_suspended_or_extended_clocks_do_not_escalate(world: World) -> None:
    world.at("2025-04-01 10:00")
    met = world.co_replied(world.signed("按时报送的问题"))
    suspended = world.co_replied(world.signed("中止的问题"))
    extended = world.co_replied(world.signed("延期的问题"))
    world.at("2025-04-09 09:00")
    world.ledger.handle(world.zgj, c.ReportProgress(problem_id=met.id, text="已完成现场踏勘"))
    world.ledger.handle(world.secretariat, c.SuspendProblem(problem_id=suspended.id, reason="等待法院判决"))
    world.ledger.handle(
        world.zgj,
        c.RequestExtension(
            problem_id=extended.id, clock="progress", new_last_day=date(2025, 4, 30), reason="需补充材料"
        ),
    )
    world.ledger.handle(world.secretariat, c.DecideExtension(problem_id=extended.id, approve=True))
    assert sweep(world.ledger, _at("2025-04-14 08:00")).letters == 0
    draft = _draft(world, "2025-04-22 10:00")
    assert draft.proposed_for_criticism() == ()


def test_a_letter_whose_clock_was_met_before_sending_is_superseded(world: World) -> None:
    problem = _late_progress(world)
    sweep(world.ledger, _at("2025-04-14 08:00"))
    world.at("2025-04-14 09:00")
    world.ledger.handle(world.zgj, c.ReportProgress(problem_id=problem, text="已报送落实情况"))
    dispatcher = Dispatcher(
        world.ledger.store.outbox(), {"console": Recorder()}, world.clock, worker="w1",
        recheck=warning_recheck(world.ledger),
    )  # fmt: skip
    dispatcher.run_until_idle()
    [letter] = [e for e in world.ledger.store.outbox().entries(OutboxStatus.SUPERSEDED)
                if e.key.startswith("escalation:")]  # fmt: skip
    assert letter.last_error == (
        f"the progress clock of {problem} was met since the reminder was queued (now in_progress)"
    )


def test_a_2027_clock_is_lettered_on_the_provisional_calendar() -> None:
    world = build_world()
    world.at("2026-12-21 10:00")  # progress: 7 working days, Wednesday 30 December 2026
    problem = world.co_replied(world.signed())
    last = problem.assignment.deadline("progress").last_day
    assert last == date(2026, 12, 30)
    assert sweep(world.ledger, _at("2026-12-31 08:00")).letters == 1  # Thursday, the working day after
    draft = _draft(world, "2027-01-08 10:00")  # 5 working days after the letter: 4–8 January 2027
    [item] = draft.proposed_for_criticism()
    assert (item.letter_day, item.criticism_day) == (date(2026, 12, 31), date(2027, 1, 8))


# --- the circular and the letters -----------------------------------------------------


def _draft(world: World, instant: str) -> govbiz.supervision.CircularDraft:
    return generate_circular(
        world.ledger.problems(world.supervisor), county=CITY, policy=world.ledger.policy(CITY),
        period_start=date(2025, 4, 1), period_end=date(2025, 4, 30), as_of=_at(instant),
    )  # fmt: skip


def test_the_circular_proposes_criticism_from_the_criticism_day(world: World) -> None:
    problem = _late_progress(world)
    before = _draft(world, "2025-04-18 10:00")
    assert [i.rung for i in before.overdue] == [Rung.REMINDER_LETTER]
    assert before.proposed_for_criticism() == ()
    assert "本期无拟通报批评事项。" in circular_markdown(before)
    draft = _draft(world, "2025-04-21 10:00")
    [item] = draft.proposed_for_criticism()
    assert (item.department, item.problem_id, item.clock, item.working_days_late) == (
        "430800-zgj", problem, "progress", 6
    )
    assert item.criticism_reason() == (
        "报送落实情况期限2025年04月11日届满未报送，2025年04月14日催办后至2025年04月21日仍未报送，已超期6个工作日"
    )
    text = circular_markdown(draft)
    assert "## 二、拟通报批评" in text and "拟予书面通报批评" in text
    assert "## 三、回访不满意重办情况" in text
    row = next(line for line in text.splitlines() if line.startswith("| 430800-zgj |"))
    assert problem in row and "报送落实情况" in row
    [record] = json.loads(circular_to_json(draft))["proposed_for_criticism"]
    assert (record["letter_day"], record["criticism_day"]) == ("2025-04-14", "2025-04-21")


def test_a_county_that_waits_longer_proposes_later() -> None:
    world = _world_with(EscalationPolicy(criticism_after_working_days=8))
    _late_progress(world)
    assert _draft(world, "2025-04-23 10:00").proposed_for_criticism() == ()
    assert len(_draft(world, "2025-04-24 10:00").proposed_for_criticism()) == 1


def test_the_circular_document_has_the_section(world: World) -> None:
    _late_progress(world)
    document = circular_document(_draft(world, "2025-04-21 10:00"), _SETTINGS)
    headings = [b.text for b in document.body if type(b).__name__ == "Heading"]
    assert "二、拟通报批评" in headings
    table = next(b for b in document.body if type(b).__name__ == "Table" and b.headers[0] == "部门")
    assert table.rows[0][0] == "430800-zgj" and "催办后至2025年4月21日仍未报送" in table.rows[0][4]


def test_the_reminder_letter_document_follows_the_rung(world: World) -> None:
    _late_progress(world)
    [letter] = reminder_letters(_draft(world, "2025-04-14 10:00"), _SETTINGS)
    assert letter.title.endswith("催办通知书")
    assert "至2025年4月21日仍未报送的，将在督查通报中提请书面通报批评" in _text(letter)
    [firm] = reminder_letters(_draft(world, "2025-04-21 10:00"), _SETTINGS)
    assert firm.title.endswith("督办函")


def test_a_county_that_waits_longer_sends_the_firm_letter_later() -> None:
    world = _world_with(EscalationPolicy(criticism_after_working_days=8))
    _late_progress(world)
    # Seriously overdue by the warning level (6 working days late), yet not yet at the criticism rung.
    draft = _draft(world, "2025-04-21 10:00")
    assert draft.seriously_overdue()
    [letter] = reminder_letters(draft, _SETTINGS)
    assert letter.title.endswith("催办通知书")


def _text(document: object) -> str:
    return "".join(getattr(block, "text", "") for block in getattr(document, "body", ()))


def test_a_purge_keeps_the_letter_so_the_clock_is_never_lettered_twice(world: World) -> None:
    _late_progress(world)
    sweep(world.ledger, _at("2025-04-14 08:00"))
    world.at("2025-04-14 09:00")
    Dispatcher(world.ledger.store.outbox(), {"console": Recorder()}, world.clock).run_until_idle()
    outbox = world.ledger.store.outbox()
    purged = outbox.purge(OutboxStatus.SENT, _at("2025-04-30 00:00"))
    assert purged > 0  # the assignment notice and the daily reminder went
    assert [e.key.split(":")[0] for e in outbox.entries(OutboxStatus.SENT)] == ["escalation"]
    assert sweep(world.ledger, _at("2025-04-30 08:00")).letters == 0
