"""退单审定结果通知: the department that asked to return a problem hears the decision, once, with it."""

from __future__ import annotations

import pytest

from govbiz import commands as c
from govbiz.errors import GovbizError
from govbiz.ledger import Ledger
from govbiz.notify.notifier import NotificationSettings
from govbiz.notify.routing import DEFAULT_RULES, AddressBook, Recipient, RoutingRule, Trigger
from govbiz.ports.channel import Notification
from govbiz.profile import CountyProfile
from govbiz.storage import MemoryStore
from tests.conftest import World, build_world
from tests.notify.test_notify_outbox import outbox


def _asked(world: World, title: str = "退单的问题") -> str:
    problem = world.assigned(title)
    world.ledger.handle(world.zgj, c.ReturnAssignment(problem_id=problem.id, reason="属住建职责"))
    return problem.id


def _decided(world: World) -> list[Notification]:
    return [n for n in outbox(world) if n.data["trigger"] == "return_decided"]


def test_the_default_rule_tells_the_department_that_asked() -> None:
    [rule] = [r for r in DEFAULT_RULES if r.trigger is Trigger.RETURN_DECIDED]
    assert rule.recipients == (Recipient.LEAD,)
    assert Trigger.RETURN_DECIDED.label_zh == "退单审定结果通知"


def test_a_refused_return_is_told_once_with_the_clock_from_assignment(world: World) -> None:
    pid = _asked(world)
    assert _decided(world) == []  # asking tells the secretariat, not yet the department
    world.at("2025-04-01 09:00")
    refused = world.ledger.handle(
        world.secretariat, c.DecideReturn(problem_id=pid, accept=False, note="经核属本部门职责")
    )
    [note] = _decided(world)
    assert note.key == f"problem:{pid}:v{refused.version}:return_decided:console"
    assert note.recipients == ("市自规局",)
    assert note.subject == f"【退单审定结果】{pid} 退单的问题"
    assert "你单位申请退回该问题（不属于本部门职责：属住建职责），经审定不同意退回" in note.body
    assert "不因退单申请顺延" in note.body and "审定意见：经核属本部门职责。" in note.body
    assert "同意退回。" not in note.body
    world.ledger.handle(world.zgj, c.SignAssignment(problem_id=pid))
    assert len(_decided(world)) == 1  # signing afterwards tells nobody again


def test_an_accepted_return_is_told_with_its_time_not_counted(world: World) -> None:
    pid = _asked(world)
    world.ledger.handle(world.secretariat, c.DecideReturn(problem_id=pid, accept=True))
    [note] = _decided(world)
    assert note.recipients == ("市自规局",)
    assert "经审定同意退回。该问题将另行交办，你单位办理该问题的时间不计入考核。" in note.body
    assert "审定意见" not in note.body  # no note given


def test_a_refused_decision_queues_nothing(world: World) -> None:
    problem = world.signed("已签收的问题")
    before = outbox(world)
    with pytest.raises(GovbizError):  # nothing to decide: no return was asked for
        world.ledger.handle(world.secretariat, c.DecideReturn(problem_id=problem.id, accept=True))
    assert outbox(world) == before


def test_the_county_routes_it_by_email_to_its_address_book() -> None:
    settings = NotificationSettings(
        rules=(RoutingRule(Trigger.RETURN_DECIDED, ("lead",), channels=("email",)),),
        address_book=AddressBook.from_dict({"430800-zgj": {"email": ["zgj@zjj.gov.cn"]}}),
    )
    world = build_world(Ledger(MemoryStore(), default_profile=CountyProfile(notifications=settings)))
    pid = _asked(world)
    world.ledger.handle(world.secretariat, c.DecideReturn(problem_id=pid, accept=False))
    [note] = outbox(world)  # the only rule: the decision, by email to the department that asked
    assert (note.channel, note.recipients) == ("email", ("zgj@zjj.gov.cn",))
