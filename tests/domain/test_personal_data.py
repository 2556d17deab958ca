"""Personal data (个人信息) stays masked in every repr, str, error and listing it could leak through.

A contact's name and phone number reached logs in the `repr` of commands
and of the events handed to plugins, in validation errors, and in
`govbiz outbox list` (issue 19).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

import govbiz
from govbiz import commands as c
from govbiz.cli import main
from govbiz.domain.enterprise import Contact, mask_address, mask_phones_in
from govbiz.domain.events import DomainEvent
from govbiz.errors import ValidationError
from govbiz.ports.channel import Notification
from govbiz.ports.outbox import OutboxEntry
from tests.conftest import CITY, World, build_world, credit_code

NAME, PHONE = "施奕清", "13812345678"
CLEAR = (NAME, PHONE, "奕清", "12345678")


def assert_masked(text: str) -> None:
    for clear in CLEAR:
        assert clear not in text, text


def register(**contact: str) -> c.RegisterEnterprise:
    return c.RegisterEnterprise(
        county=CITY,
        name="张家界某某科技有限公司",
        credit_code=credit_code("91430800MA4L77777"),
        contacts=[{"name": NAME, "phone": PHONE, "position": "总经理", **contact}],
    )


def test_a_command_carrying_contacts_masks_them_in_repr_and_str() -> None:
    command = register()
    assert command.contacts[0].phone == PHONE  # the value itself is intact
    for shown in (repr(command), str(command), repr(command.contacts[0]), f"{command!r}"):
        assert_masked(shown)
        assert "施**" in shown and "138****5678" in shown


def test_a_contact_masks_itself_in_repr_and_str() -> None:
    contact = Contact(name=NAME, phone=PHONE, position="总经理")
    assert_masked(repr(contact))
    assert_masked(str(contact))
    assert_masked(repr((contact,)))


def test_the_events_handed_to_plugins_mask_contacts(world: World) -> None:
    seen: list[DomainEvent] = []
    world.ledger.subscribe(seen.extend)
    world.ledger.handle(world.admin, register())
    [event] = [e for e in seen if e.kind == "enterprise_registered"]
    # The event carries a digest of the contacts, never the contacts: the audit chain holds no PII.
    assert "contacts" not in event.payload and event.payload["contact_count"] == 1
    assert str(event.payload["contacts_seal"]).startswith("sha256:")
    assert PHONE not in str(event.payload) and NAME not in str(event.payload)
    assert_masked(repr(event))
    assert_masked(str(event))
    # An event sealed before (contacts in its payload) is still masked when shown.
    legacy = attrs.evolve(event, payload={**event.payload, "contacts": [{"name": NAME, "phone": PHONE}]})
    assert_masked(repr(legacy))
    assert "138****5678" in repr(legacy)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: register(phone="138-1234-5678x"), "contacts.0.phone"),
        (lambda: register(name="施\n奕清"), "contacts.0.name"),
        (lambda: register(name=NAME + "施" * 100), "contacts.0.name"),
        (lambda: register(nickname=NAME), "contacts.0.nickname"),
        (lambda: c.ContactIn(name=NAME, phone="13812345678x"), "phone"),
        (lambda: Contact(name=NAME, phone="13812345678x"), "phone"),
        (lambda: Contact(name=" ", phone=PHONE), "name"),
        (lambda: c.RegisterEnterprise.parse({"county": CITY, "name": "x", "credit_code": "x",
                                             "contacts": [{"name": NAME, "phone": PHONE}] * 21}), "contacts"),
    ],
)  # fmt: skip
def test_validation_errors_about_contacts_mask_the_value(build: object, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        build()  # type: ignore[operator]
    error = info.value
    assert error.field == field
    assert_masked(str(error))
    assert_masked(repr(error.value))
    assert_masked(json.dumps(error.errors, ensure_ascii=False, default=str))


def test_a_notification_masks_phone_and_mail_recipients_in_its_repr() -> None:
    note = Notification(
        key="k",
        channel="sms",
        recipients=("+8613812345678", "shi.yq@example.com", "市自规局"),
        subject="s",
        body="b",
    )
    shown = repr(note)
    assert "12345678" not in shown and "shi.yq" not in shown
    assert "+86*******5678" in shown and "s*****@example.com" in shown and "市自规局" in shown
    assert note.recipients[0] == "+8613812345678"


def test_masking_addresses_and_texts_keeps_what_is_not_personal() -> None:
    assert mask_address("市自规局") == "市自规局"
    assert mask_address("430800-zgj") == "430800-zgj"
    assert mask_address("0744-8223456") == "074*****3456"
    text = "gateway rejected +8613812345678 (空号) for problem:430800-2025-0001:v4 on 2025-04-10"
    assert (
        mask_phones_in(text)
        == "gateway rejected +86*******5678 (空号) for problem:430800-2025-0001:v4 on 2025-04-10"
    )


def test_govbiz_outbox_list_masks_recipients_unless_revealed(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = govbiz.open(db)
    build_world(ledger)
    note = Notification(
        key="sms:1",
        channel="sms",
        recipients=("+8613812345678", "shi.yq@example.com"),
        subject="提醒",
        body="b",
    )
    with ledger.store.unit_of_work() as uow:
        uow.enqueue(OutboxEntry(notification=note, county=CITY, created_at=datetime(2025, 4, 1, tzinfo=UTC)))
        uow.commit()
    [claimed] = ledger.store.outbox().claim(
        datetime(2025, 4, 2, tzinfo=UTC), limit=1, lease=timedelta(minutes=5), worker="w"
    )
    ledger.store.outbox().mark_failed(
        "sms:1",
        "gateway rejected +8613812345678 (空号)",
        retry_at=None,
        worker="w",
        token=claimed.claim_token,
    )
    for args in (["outbox", "list", "--db", db], ["outbox", "list", "--db", db, "--json"]):
        masked = CliRunner().invoke(main, args)
        assert masked.exit_code == 0, masked.output
        assert "12345678" not in masked.output and "shi.yq" not in masked.output
        assert "5678" in masked.output
    revealed = CliRunner().invoke(main, ["outbox", "list", "--db", db, "--json", "--reveal"])
    [entry] = [e for e in json.loads(revealed.output) if e["key"] == "sms:1"]
    assert entry["recipients"] == ["+8613812345678", "shi.yq@example.com"]
    assert entry["last_error"] == "gateway rejected +8613812345678 (空号)"
