"""Notifications: queued with their event, rendered safely, swept daily, delivered or dead-lettered."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from govbiz import commands as c
from govbiz.errors import ValidationError
from govbiz.ledger import Ledger
from govbiz.notify.channel import CaptureChannel
from govbiz.notify.dispatcher import Dispatcher, RetryPolicy
from govbiz.notify.notifier import NotificationSettings
from govbiz.notify.routing import AddressBook, RoutingRule, Trigger
from govbiz.notify.sweep import sweep
from govbiz.notify.templates import TemplateSet
from govbiz.ports.channel import DeliveryError, Notification
from govbiz.ports.outbox import OutboxStatus
from govbiz.profile import CountyProfile
from govbiz.storage import MemoryStore
from tests.conftest import World, build_world


def outbox(world: World) -> list[Notification]:
    entries = world.ledger.store.outbox().entries(limit=1000)  # type: ignore[attr-defined]
    return [e.notification for e in sorted(entries, key=lambda e: (e.created_at, e.key))]


class Recorder:
    """A channel that records, or fails as told."""

    def __init__(
        self, name: str = "console", fail: BaseException | None = None, hang: threading.Event | None = None
    ):
        self.name = name
        self.fail = fail
        self.hang = hang
        self.delivered: list[str] = []

    def deliver(self, notification: Notification) -> None:
        if self.hang is not None:
            self.hang.wait(10)
        if self.fail is not None:
            raise self.fail
        self.delivered.append(notification.key)


def test_an_assignment_queues_one_message_for_lead_and_co_handlers(world: World) -> None:
    problem = world.assigned()
    [note] = [n for n in outbox(world) if n.data["trigger"] == "assigned"]
    assert note.key == f"problem:{problem.id}:v4:assigned:console"
    assert note.recipients == ("市自规局", "市住建局")
    assert note.subject == f"【交办通知】{problem.id} 新厂五通一平施工保障"
    assert "7个工作日内报送落实情况：最后一日 2025-04-10" in note.body
    assert "张家界久瑞生物科技有限公司" in note.body


def test_a_refused_command_queues_nothing(world: World) -> None:
    problem = world.collect()
    world.ledger.handle(world.collector, c.TriageProblem(problem_id=problem.id))
    before = outbox(world)
    with pytest.raises(ValidationError):
        world.ledger.handle(world.chair, c.AssignProblem(problem_id=problem.id, lead="430800-nope"))
    assert outbox(world) == before


def test_returns_redos_and_circulars_reach_their_recipients(world: World) -> None:
    problem = world.assigned()
    world.at("2025-04-01 09:00")
    world.ledger.handle(
        world.zgj,
        c.ReturnAssignment(problem_id=problem.id, reason="属住建职责", proposed_department="430800-zjj"),
    )
    world.ledger.handle(
        world.supervisor,
        c.PublishCircular(
            county="430800",
            title="第一季度督查通报",
            period_start=date(2025, 1, 1),
            period_end=date(2025, 3, 31),
            departments=("430800-zgj", "430800-zjj"),
            body="通报内容",
        ),
    )
    by_trigger = {n.data["trigger"]: n for n in outbox(world)}
    assert by_trigger["returned"].recipients == ("市委办/市政府办",)
    assert "建议改由市住建局办理" in by_trigger["returned"].body
    assert by_trigger["circular"].recipients == ("市自规局", "市住建局")
    assert by_trigger["circular"].subject == "【督查通报】第一季度督查通报"


def test_the_sweep_is_idempotent_per_day_and_repeats_overdue_daily(world: World) -> None:
    problem = world.co_replied(world.signed())
    world.at("2025-04-10 09:00")  # progress due today
    first = sweep(world.ledger, world.clock.now())
    assert first.by_level == {"due_today": 1}
    assert first.queued == 1
    again = sweep(world.ledger, world.clock.now())
    assert (again.queued, again.already_queued) == (0, 1)
    world.at("2025-04-11 09:00")  # one working day late
    late = sweep(world.ledger, world.clock.now())
    assert late.by_level == {"overdue": 1}
    overdue = [n for n in outbox(world) if n.data["trigger"] == "overdue"]
    assert [n.recipients for n in overdue] == [("市自规局", "督查室")]
    assert "已超期 1 个工作日" in overdue[0].body
    assert "第7个工作日" in overdue[0].body  # the deadline explains itself
    world.at("2025-04-14 09:00")  # the next working day: reminded again (催办 daily)
    assert sweep(world.ledger, world.clock.now()).queued == 1
    world.ledger.handle(world.zgj, c.ReportProgress(problem_id=problem.id, text="已报送"))
    world.at("2025-04-15 09:00")
    assert sweep(world.ledger, world.clock.now()).by_level == {}


def test_seriously_overdue_also_tells_the_secretariat(world: World) -> None:
    world.co_replied(world.signed())
    world.at("2025-04-21 09:00")  # progress due 10 April; 6 working days late
    sweep(world.ledger, world.clock.now())
    [note] = [n for n in outbox(world) if n.data["trigger"] == "seriously_overdue"]
    assert note.recipients == ("市自规局", "督查室", "市委办/市政府办")


def test_templates_run_in_the_sandbox() -> None:
    unsafe = TemplateSet(overrides={"assigned": "x\n\n{{ problem.__class__.__mro__[1].__subclasses__() }}"})
    with pytest.raises(ValidationError, match="cannot be rendered"):
        unsafe.render("assigned", {"problem": {"id": "1"}})
    with pytest.raises(ValidationError, match="not a valid template") as info:
        TemplateSet(overrides={"assigned": "{% for %}"})
    assert info.value.field == "templates.assigned"
    with pytest.raises(ValidationError, match="'lead' is undefined"):
        TemplateSet(overrides={"redo": "s\n\n{{ lead }}"}).render("redo", {})
    english = TemplateSet(language="en").render("circular", {"circular": {"title": "Q1", "body": "b"}})
    assert english.subject == "[Circular] Q1"


def test_a_county_routes_overdue_reminders_by_email_to_its_address_book() -> None:
    settings = NotificationSettings(
        rules=(RoutingRule(Trigger.ASSIGNED, ("lead",), channels=("email", "console")),),
        address_book=AddressBook.from_dict({"430800-zgj": {"email": ["zgj@zjj.gov.cn"]}}),
    )
    world = build_world(Ledger(MemoryStore(), default_profile=CountyProfile(notifications=settings)))
    world.assigned()
    channels = {n.channel: n.recipients for n in outbox(world)}
    assert channels == {"email": ("zgj@zjj.gov.cn",), "console": ("市自规局",)}


def make_dispatcher(world: World, channel: Recorder, **kwargs: object) -> Dispatcher:
    return Dispatcher(
        world.ledger.store.outbox(), {channel.name: channel}, world.clock, worker="w1", **kwargs
    )  # type: ignore[arg-type]


def test_delivery_marks_sent(world: World) -> None:
    world.assigned()
    channel = Recorder()
    report = make_dispatcher(world, channel).run_until_idle()
    assert len(report.sent) == 1
    assert channel.delivered == list(report.sent)
    [entry] = world.ledger.store.outbox().entries(OutboxStatus.SENT)
    assert entry.sent_at == world.clock.now()


def test_temporary_failures_back_off_exponentially_then_dead_letter(world: World) -> None:
    world.assigned()
    channel = Recorder(fail=DeliveryError("console", "421 try later", permanent=False))
    dispatcher = make_dispatcher(
        world, channel, retry=RetryPolicy(max_attempts=3, first_delay=timedelta(minutes=1))
    )
    assert len(dispatcher.run_once().retried) == 1
    [entry] = world.ledger.store.outbox().entries()
    assert entry.next_attempt_at == world.clock.now() + timedelta(minutes=1)
    assert dispatcher.run_once().claimed == 0  # not due yet
    world.clock.advance(timedelta(minutes=1))
    dispatcher.run_once()
    [entry] = world.ledger.store.outbox().entries()
    assert entry.next_attempt_at == world.clock.now() + timedelta(minutes=2)
    world.clock.advance(timedelta(minutes=2))
    assert len(dispatcher.run_once().dead) == 1
    [dead] = world.ledger.store.outbox().entries(OutboxStatus.DEAD)
    assert (dead.attempts, dead.last_error) == (
        3,
        "DeliveryError: channel 'console' could not deliver (temporary): 421 try later",
    )
    assert world.ledger.store.outbox().retry() == 1
    channel.fail = None
    assert len(dispatcher.run_once().sent) == 1


def test_permanent_failures_and_unknown_channels_are_dead_at_once(world: World) -> None:
    world.assigned()
    dispatcher = make_dispatcher(
        world, Recorder(fail=DeliveryError("console", "550 no such user", permanent=True))
    )
    assert len(dispatcher.run_once().dead) == 1
    other = build_world()
    other.assigned()
    assert len(Dispatcher(other.ledger.store.outbox(), {}, other.clock).run_once().dead) == 1
    [dead] = other.ledger.store.outbox().entries(OutboxStatus.DEAD)
    assert "no channel 'console' is registered (have: none)" in dead.last_error


def test_a_hanging_channel_times_out_without_blocking_the_batch(world: World) -> None:
    world.assigned("第一件")
    world.assigned("第二件")
    release = threading.Event()
    hanging = Recorder(hang=release)
    report = make_dispatcher(world, hanging, timeout=0.2).run_once()
    release.set()
    assert len(report.retried) == 2
    assert all("no answer within 0.2 s" in e.last_error for e in world.ledger.store.outbox().entries())


def test_without_a_timeout_delivery_runs_in_the_callers_thread_and_failures_still_count(
    world: World,
) -> None:
    world.assigned("第一件")
    world.assigned("第二件")
    threads: list[threading.Thread] = []

    class Here(Recorder):
        def deliver(self, notification: Notification) -> None:
            threads.append(threading.current_thread())
            super().deliver(notification)

    channel = Here(fail=DeliveryError("console", "421 try later", permanent=False))
    assert len(make_dispatcher(world, channel, timeout=None).run_once().retried) == 2
    channel.fail = None
    world.clock.advance(timedelta(minutes=1))
    report = make_dispatcher(world, channel, timeout=None).run_once()
    assert channel.delivered == list(report.sent) and len(report.sent) == 2
    assert threads == [threading.main_thread()] * 4


def test_a_capture_channel_keeps_what_a_dispatcher_delivers_to_the_channel_it_stands_for(
    world: World,
) -> None:
    world.assigned()
    capture = CaptureChannel("console")
    dispatcher = Dispatcher(world.ledger.store.outbox(), {"console": capture}, world.clock, timeout=None)
    report = dispatcher.run_once()
    assert [n.key for n in capture.delivered] == list(report.sent)
    assert capture.name == "console" and capture.delivered[0].subject.startswith("【交办通知】")
    assert CaptureChannel().name == "capture"


def test_two_dispatchers_never_claim_the_same_entry_and_a_dead_ones_lease_expires(world: World) -> None:
    for i in range(5):
        world.assigned(f"问题{i}")
    box = world.ledger.store.outbox()
    now = world.clock.now()
    first = box.claim(now, limit=3, lease=timedelta(minutes=5), worker="a")
    second = box.claim(now, limit=10, lease=timedelta(minutes=5), worker="b")
    assert len(first) == 3
    assert len(second) == 2
    assert not {e.key for e in first} & {e.key for e in second}
    assert box.claim(now, limit=10, lease=timedelta(minutes=5), worker="c") == []
    # "a" dies without marking anything; after its lease the entries are claimable again.
    later = box.claim(now + timedelta(minutes=5), limit=10, lease=timedelta(minutes=5), worker="c")
    assert {e.key for e in later} == {e.key for e in first} | {e.key for e in second}


def test_purge_removes_only_old_sent_entries(world: World) -> None:
    world.assigned()
    make_dispatcher(world, Recorder()).run_until_idle()
    box = world.ledger.store.outbox()
    assert box.purge(OutboxStatus.SENT, before=world.clock.now()) == 0
    assert box.purge(OutboxStatus.SENT, before=world.clock.now() + timedelta(seconds=1)) == 1
    assert box.entries() == []
