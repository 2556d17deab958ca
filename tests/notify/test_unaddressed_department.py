"""A routed department with no address is named in the log, not dropped in silence (issue #20).

The README registered department `zgj` while `county setup` registers
`430800-zgj` and the address book is keyed by the latter: the e-mail was
never queued and nothing said why.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from govbiz import commands as c
from govbiz.clock import ManualClock
from govbiz.domain import Actor, Role
from govbiz.ledger import Ledger
from govbiz.notify.notifier import NotificationSettings
from govbiz.profile import CountyProfile
from govbiz.storage import MemoryStore

BEIJING = ZoneInfo("Asia/Shanghai")
RULES = [{"trigger": "assigned", "recipients": ["lead"], "channels": ["console", "email"]}]


def assign(book: dict[str, dict[str, list[str]]]) -> Ledger:
    settings = NotificationSettings.from_dict({"address_book": book, "rules": RULES})
    profile = CountyProfile(name="张家界市", notifications=settings)
    ledger = Ledger(MemoryStore(), clock=ManualClock(datetime(2025, 3, 31, 10, tzinfo=BEIJING)),
                    profiles={"430800": profile})  # fmt: skip
    admin = Actor(id="admin", role=Role.ADMINISTRATOR, county="430800")
    ledger.handle(admin, c.RegisterDivision(code="430800", name="张家界市", level="city"))
    for code, name in (("430800-zgj", "市自规局"), ("430800-zjj", "市住建局")):
        ledger.handle(admin, c.RegisterDepartment(code=code, name=name, short_name=name, county="430800"))
    firm = ledger.handle(
        admin,
        c.RegisterEnterprise(
            county="430800", name="张家界久瑞生物科技有限公司", credit_code="91430800MA4L12345E"
        ),
    )
    collector = Actor(id="tzb", role=Role.COLLECTOR, county="430800")
    problem = ledger.handle(
        collector,
        c.CollectProblem(enterprise_id=firm.id, title="施工保障", category="土地规划", source="调研走访"),
    )
    ledger.handle(collector, c.TriageProblem(problem_id=problem.id))
    chair = Actor(id="sj", role=Role.CHAIR, county="430800")
    ledger.handle(chair, c.AssignProblem(problem_id=problem.id, lead="430800-zgj"))
    return ledger


def channels(ledger: Ledger) -> list[str]:
    return sorted(e.notification.channel for e in ledger.store.outbox().entries())


def test_a_department_keyed_by_its_short_code_is_named_with_the_fix(caplog: pytest.LogCaptureFixture) -> None:
    book = {"zgj": {"email": ["zgj@example.gov.cn"]}, "430800-zjj": {"email": ["zjj@example.gov.cn"]}}
    with caplog.at_level(logging.WARNING, logger="govbiz.notify.notifier"):
        ledger = assign(book)
    assert channels(ledger) == ["console"]  # no e-mail: the book has no 430800-zgj
    [message] = [r.getMessage() for r in caplog.records if "no address" in r.getMessage()]
    assert "not sent to 430800-zgj on email" in message
    assert "the address book has zgj: key it by the department's code 430800-zgj" in message


def test_a_channel_the_county_does_not_use_is_not_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="govbiz.notify.notifier"):
        ledger = assign({"430800-zgj": {"dingtalk": ["zgj-robot"]}})  # no e-mail for anybody
    assert channels(ledger) == ["console"]
    assert not [r for r in caplog.records if "no address" in r.getMessage()]
    with caplog.at_level(logging.WARNING, logger="govbiz.notify.notifier"):
        ledger = assign({"430800-zgj": {"email": ["zgj@example.gov.cn"]}})
    assert channels(ledger) == ["console", "email"]
    assert not [r for r in caplog.records if "no address" in r.getMessage()]
