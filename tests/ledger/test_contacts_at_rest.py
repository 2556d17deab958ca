"""Enterprise contacts at rest (个人信息加密存储): sealed, revealed on record, rotated, purged.

Each test is one attack or one promise of docs/concepts/security.md,
"Personal data at rest".  The storage-level attacks (a ciphertext moved or
edited, contacts rewritten in clear) run on every SQL store through
`govbiz.testing.tampering`; the PostgreSQL policy is in the plugin's tests.
"""

from __future__ import annotations

import logging
import stat
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from govbiz import commands as c
from govbiz.audit import Finding, verify
from govbiz.builtin.aes_gcm import AES_256_GCM
from govbiz.cli import main
from govbiz.cli.contacts import years_before
from govbiz.contact_keys import ContactKey, KeyRing, add_key, load_key_ring
from govbiz.domain.actors import Actor, Role
from govbiz.domain.enterprise import Enterprise
from govbiz.errors import PermissionDeniedError, ValidationError
from govbiz.handlers import contacts as contact_handlers
from govbiz.handlers import registry as registry_handlers
from govbiz.ledger import Ledger
from govbiz.metrics import GroupContext, LedgerProblems, compute_metrics
from govbiz.ports.cipher import ClearContacts, DecryptionError
from govbiz.ports.storage import RecordKind
from govbiz.reconcile import reconcile_store
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.sqlite import open_sqlite
from tests.conftest import World, build_world

BEIJING = ZoneInfo("Asia/Shanghai")
NAME, PHONE = "施奕清", "13812345678"


def ring(*ids: str) -> KeyRing:
    """A key ring of fixed test keys, the last one current."""
    keys = {kid: ContactKey(kid, AES_256_GCM, bytes([n + 1]) * 32) for n, kid in enumerate(ids)}
    return KeyRing(keys, ids[-1])


def sqlite_world(tmp_path: Path, keys: KeyRing | None, **kwargs: object) -> World:
    store = open_sqlite(f"sqlite:///{tmp_path / 'ledger.db'}")
    return build_world(Ledger(store, contact_keys=keys, **kwargs))  # type: ignore[arg-type]


def stored(world: World, enterprise_id: str | None = None) -> Enterprise:
    with world.ledger.store.unit_of_work() as uow:
        record = uow.get_record(RecordKind.ENTERPRISE, enterprise_id or world.enterprise_id)
    assert isinstance(record, Enterprise)
    return record


def derived_findings(world: World, keys: KeyRing | None) -> list[str]:
    with world.ledger.store.unit_of_work() as uow:
        events = uow.events()
        return [str(f) for f in verify(events) + reconcile_store(uow, events, contact_keys=keys)]


def close_a_problem(world: World, on: str) -> str:
    """A problem of the world's enterprise taken to 办结 (closed) at `on` (Beijing time)."""
    problem = world.signed()
    world.at(on)
    world.ledger.handle(world.zgj, c.ReportResult(problem_id=problem.id, outcome="solved", text="已解决"))
    world.ledger.handle(world.collector, c.RecordReturnVisit(problem_id=problem.id, satisfied=True))
    return problem.id


# --- sealing and revealing ------------------------------------------------------------------------


def test_contacts_are_sealed_in_the_sqlite_file_and_only_a_recorded_reveal_shows_them(tmp_path: Path) -> None:
    world = sqlite_world(tmp_path, ring("k1"))
    raw = (tmp_path / "ledger.db").read_bytes() + (tmp_path / "ledger.db-wal").read_bytes()
    assert "张家界久瑞生物科技有限公司".encode() in raw  # the file is readable, the contacts are not
    assert NAME.encode() not in raw
    assert PHONE.encode() not in raw
    record = stored(world)
    assert record.contacts == ()
    assert record.sealed_contacts is not None
    assert record.sealed_contacts.key_id == "k1"
    assert world.ledger.record(world.viewer, "enterprise", world.enterprise_id).contacts == ()
    world.later(minutes=5)
    [contact] = world.ledger.handle(
        world.collector, c.RevealContacts(enterprise_id=world.enterprise_id, reason="回访前核实电话")
    )
    assert (contact.name, contact.phone) == (NAME, PHONE)
    with world.ledger.store.unit_of_work() as uow:
        reveal = uow.events("enterprise", world.enterprise_id)[-1]
    assert (reveal.kind, reveal.actor_id, reveal.actor_role) == ("contacts_revealed", "tzb-1", "collector")
    assert reveal.payload["reason"] == "回访前核实电话"
    assert reveal.occurred_at == world.clock.now()
    assert derived_findings(world, ring("k1")) == []


@pytest.mark.parametrize("who", ["viewer", "contact", "zgj", "supervisor", "secretariat", "chair"])
def test_only_an_administrator_or_collector_may_reveal_contacts(world: World, who: str) -> None:
    actor: Actor = getattr(world, who)
    with pytest.raises(PermissionDeniedError, match="administrator, collector"):
        world.ledger.handle(actor, c.RevealContacts(enterprise_id=world.enterprise_id, reason="看看"))
    with world.ledger.store.unit_of_work() as uow:
        assert [e.kind for e in uow.events("enterprise", world.enterprise_id)] == ["enterprise_registered"]


def test_another_countys_collector_may_not_reveal_contacts(world: World) -> None:
    with pytest.raises(PermissionDeniedError):
        world.ledger.handle(
            world.county_collector, c.RevealContacts(enterprise_id=world.enterprise_id, reason="看看")
        )


def test_an_enterprise_contact_sees_no_clear_phone_numbers_of_any_enterprise(world: World) -> None:
    for enterprise in world.ledger.records(world.contact, "enterprise"):
        assert enterprise.contacts == ()
    assert world.contact.role is Role.ENTERPRISE_CONTACT


def test_without_the_key_the_contacts_do_not_open_but_the_ledger_works(tmp_path: Path) -> None:
    world = sqlite_world(tmp_path, ring("k1"))
    keyless = Ledger(open_sqlite(f"sqlite:///{tmp_path / 'ledger.db'}"), clock=world.clock)
    problem = keyless.handle(
        world.collector,
        c.CollectProblem(
            enterprise_id=world.enterprise_id, title="融资难", category="融资", source="调研走访"
        ),
    )
    assert problem.enterprise_id == world.enterprise_id  # commands that need no contacts still run
    with pytest.raises(DecryptionError, match="no key ring"):
        keyless.handle(world.collector, c.RevealContacts(enterprise_id=world.enterprise_id, reason="回访"))
    wrong = Ledger(
        open_sqlite(f"sqlite:///{tmp_path / 'ledger.db'}"), clock=world.clock, contact_keys=ring("k9")
    )
    with pytest.raises(DecryptionError, match="no key 'k1'"):
        wrong.handle(world.collector, c.RevealContacts(enterprise_id=world.enterprise_id, reason="回访"))


# --- without a key: the store's policy ------------------------------------------------------------


def test_without_a_key_sqlite_keeps_contacts_in_clear_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("govbiz.contact_keys._warned", [])
    with caplog.at_level(logging.WARNING, logger="govbiz.contact_keys"):
        world = sqlite_world(tmp_path, None)
    assert any("stored in clear" in r.getMessage() for r in caplog.records)
    assert stored(world).contacts[0].phone == PHONE
    assert world.ledger.store.clear_contacts is ClearContacts.WARN
    assert derived_findings(world, None) == []


def test_a_shared_sql_server_refuses_contacts_in_clear_unless_allowed(tmp_path: Path) -> None:
    from govbiz.storage.sql.dialect import GENERIC
    from govbiz.storage.sql.store import SQLStore

    generic = open_sqlite(f"sqlite:///{tmp_path / 'generic.db'}")
    server = SQLStore(generic.engine, dialect=GENERIC)  # what PostgreSQL inherits: REFUSE
    assert server.clear_contacts is ClearContacts.REFUSE
    with pytest.raises(ValidationError, match="keeps no contacts in clear") as refused:
        build_world(Ledger(server))
    assert PHONE not in str(refused.value)
    other = open_sqlite(f"sqlite:///{tmp_path / 'allowed.db'}")
    allowed = build_world(Ledger(SQLStore(other.engine, dialect=GENERIC), clear_contacts=ClearContacts.ALLOW))
    assert stored(allowed).contacts[0].name == NAME


# --- rotation and a ledger from before ---------------------------------------------------------------


def test_rotate_key_reseals_every_enterprise_at_once_and_the_old_key_can_go(tmp_path: Path) -> None:
    world = sqlite_world(tmp_path, ring("k1"))
    county = world.ledger.handle(
        Actor(id="yd-admin", role=Role.ADMINISTRATOR, county="430802"),
        c.RegisterEnterprise(county="430802", name="永定区民宿", credit_code=_credit("91430802MA4L54321"),
                             contacts=[{"name": "欧阳娜娜", "phone": "0744-8221234"}]),
    )  # fmt: skip
    both = ring("k1", "k2")
    rotating = Ledger(world.ledger.store, clock=world.clock, contact_keys=both)
    done = rotating.handle(world.admin, c.RotateContactKey(county="430800"))  # the city: its county too
    assert set(done) == {world.enterprise_id, county.id}
    assert {stored(world, e).sealed_contacts.key_id for e in done} == {"k2"}  # type: ignore[union-attr]
    assert rotating.handle(world.admin, c.RotateContactKey(county="430800")) == ()  # nothing left to do
    only_new = Ledger(world.ledger.store, clock=world.clock, contact_keys=ring("k0", "k2"))
    county_admin = Actor(id="yd-admin", role=Role.ADMINISTRATOR, county="430802")  # its own county's only
    [contact] = only_new.handle(county_admin, c.RevealContacts(enterprise_id=county.id, reason="核实"))
    assert contact.phone == "0744-8221234"
    assert derived_findings(world, ring("k0", "k2")) == []
    with world.ledger.store.unit_of_work() as uow:
        kinds = [e.kind for e in uow.events("enterprise", county.id)]
    assert kinds == ["enterprise_registered", "contacts_rekeyed", "contacts_revealed"]


def test_a_rotation_that_cannot_open_one_enterprise_changes_none(tmp_path: Path) -> None:
    world = sqlite_world(tmp_path, ring("k1"))
    world.ledger.handle(
        world.admin,
        c.RegisterEnterprise(county="430800", name="第二家", credit_code=_credit("91430800MA4L22222"),
                             contacts=[{"name": "李四", "phone": "13900001111"}]),
    )  # fmt: skip
    # The second enterprise's ciphertext becomes unreadable (a key lost): the rotation stops at it.
    with world.ledger.store.writing() as conn:
        where = (t.records.c.kind == "enterprise", t.records.c.key == "430800-E00002")
        data = conn.execute(sa.select(t.records.c.data).where(where[0], where[1])).scalar_one()
        data["sealed_contacts"]["key_id"] = "lost"
        conn.execute(sa.update(t.records).where(*where).values(data=data))
    world.ledger.store.registry.forget(RecordKind.ENTERPRISE, "430800-E00002")
    rotating = Ledger(world.ledger.store, clock=world.clock, contact_keys=ring("k1", "k2"))
    with pytest.raises(DecryptionError, match="lost"):
        rotating.handle(world.admin, c.RotateContactKey(county="430800"))
    assert stored(world).sealed_contacts.key_id == "k1"  # type: ignore[union-attr]  # the first: unchanged


def test_a_ledger_with_contacts_in_clear_from_before_is_sealed_by_rotate_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What govbiz wrote before contacts were sealed: the record and the event hold them in clear.
    monkeypatch.setattr(registry_handlers, "stored_enterprise", lambda ctx, enterprise: enterprise)
    monkeypatch.setattr(registry_handlers, "registration_payload", lambda payload, stored: payload)
    world = sqlite_world(tmp_path, None)
    monkeypatch.undo()
    with world.ledger.store.unit_of_work() as uow:
        [registered] = uow.events("enterprise", world.enterprise_id)
    assert registered.payload["contacts"][0]["phone"] == PHONE  # sealed in the chain before this change
    assert stored(world).contacts_seal == ""
    assert derived_findings(world, None) == []
    keys = ring("k1")
    migrating = Ledger(world.ledger.store, clock=world.clock, contact_keys=keys)
    assert migrating.handle(world.admin, c.RotateContactKey(county="430800")) == (world.enterprise_id,)
    record = stored(world)
    assert record.contacts == ()
    assert record.sealed_contacts is not None
    assert record.contacts_seal.startswith("sha256:")
    assert derived_findings(world, keys) == []  # the old event still verifies; the record agrees with it
    [contact] = migrating.handle(
        world.admin, c.RevealContacts(enterprise_id=world.enterprise_id, reason="核实")
    )
    assert contact.phone == PHONE


def test_rotate_key_without_a_key_ring_is_refused(world: World) -> None:
    with pytest.raises(ValidationError, match="no contact key ring"):
        world.ledger.handle(world.admin, c.RotateContactKey(county="430800"))


# --- the key ring file ------------------------------------------------------------------------------


def test_the_key_ring_file_is_private_and_keeps_older_keys(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "contacts.toml"
    assert add_key(path) == "k1"
    assert add_key(path, "2026-12") == "2026-12"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    keys = load_key_ring(path, {"aes-256-gcm": AES_256_GCM})
    assert keys.current == "2026-12"
    assert set(keys.keys) == {"k1", "2026-12"}
    assert "key =" not in repr(keys)  # never the secret
    with pytest.raises(ValidationError, match="already holds"):
        add_key(path, "k1")
    path.write_text('current = "k1"\n[keys.k1]\nalgorithm = "sm4-gcm"\nkey = "AAAA"\n', encoding="utf-8")
    with pytest.raises(ValidationError, match="no installed cipher 'sm4-gcm'"):
        load_key_ring(path, {"aes-256-gcm": AES_256_GCM})
    path.write_text('current = "k1"\n[keys.k1]\nkey = "AAAA"\n', encoding="utf-8")
    with pytest.raises(ValidationError, match="32 bytes"):
        load_key_ring(path, {"aes-256-gcm": AES_256_GCM})


# --- purge (PIPL Art. 19) ------------------------------------------------------------------------------


def test_purge_deletes_old_contacts_and_leaves_every_figure_and_the_trail_intact(tmp_path: Path) -> None:
    keys = ring("k1")
    world = sqlite_world(tmp_path, keys)
    close_a_problem(world, "2025-04-15 10:00")
    world.at("2028-06-01 09:00")  # three years on: a day in 2026–2030
    as_of = world.clock.now()

    def figures() -> object:
        context = GroupContext.from_ledger(world.ledger, world.viewer)
        source = LedgerProblems(world.ledger, world.viewer)
        return compute_metrics(source, as_of, group_by="enterprise", context=context)

    before = figures()
    cutoff = years_before(as_of.date(), 2)
    dry = world.ledger.handle(
        world.admin, c.PurgeContacts(county="430800", closed_before=cutoff, dry_run=True)
    )
    assert dry == (world.enterprise_id,)
    assert stored(world).sealed_contacts is not None  # a dry run writes nothing
    assert world.ledger.handle(world.admin, c.PurgeContacts(county="430800", closed_before=cutoff)) == dry
    record = stored(world)
    assert record.contacts == ()
    assert record.sealed_contacts is None
    assert record.contacts_seal.startswith("sha256:")  # the digest stays: it reveals nothing without them
    assert figures() == before
    assert derived_findings(world, keys) == []
    with world.ledger.store.unit_of_work() as uow:
        purge = uow.events("enterprise", world.enterprise_id)[-1]
    assert (purge.kind, purge.payload["closed_before"]) == ("contacts_purged", cutoff.isoformat())
    with pytest.raises(ValidationError, match="purged"):
        world.ledger.handle(world.admin, c.RevealContacts(enterprise_id=world.enterprise_id, reason="回访"))


def test_purge_keeps_the_contacts_of_an_enterprise_with_an_open_or_recent_problem(world: World) -> None:
    close_a_problem(world, "2025-04-15 10:00")
    world.collect("融资难")  # still open
    world.at("2029-01-01 09:00")
    cutoff = years_before(world.clock.now().date(), 2)
    assert world.ledger.handle(world.admin, c.PurgeContacts(county="430800", closed_before=cutoff)) == ()
    assert world.ledger.handle(world.admin, c.PurgeContacts(county="430800", closed_before=years_before(
        world.clock.now().date(), 5))) == ()  # fmt: skip
    assert {Role.ADMINISTRATOR, Role.COLLECTOR} == contact_handlers.CONTACT_ROLES
    with pytest.raises(PermissionDeniedError):
        world.ledger.handle(world.collector, c.PurgeContacts(county="430800", closed_before=cutoff))


def test_contacts_kept_after_their_purge_are_found(tmp_path: Path) -> None:
    keys = ring("k1")
    world = sqlite_world(tmp_path, keys)
    close_a_problem(world, "2025-04-15 10:00")
    sealed = stored(world).sealed_contacts
    world.at("2028-06-01 09:00")
    world.ledger.handle(world.admin, c.PurgeContacts(county="430800", closed_before=years_before(
        world.clock.now().date(), 2)))  # fmt: skip
    # An insider puts the contacts back (from a backup) behind the purge's back.
    with world.ledger.store.writing() as conn:
        where = (t.records.c.kind == "enterprise", t.records.c.key == world.enterprise_id)
        data = conn.execute(sa.select(t.records.c.data).where(*where)).scalar_one()
        conn.execute(
            sa.update(t.records).where(*where).values(data={**data, "sealed_contacts": attrs.asdict(sealed)})
        )
    [found] = derived_findings(world, keys)
    assert Finding.RECORD_DIFFERS.value in found
    assert "kept after their purge" in found


def test_govbiz_contacts_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keyfile = tmp_path / "contacts.toml"
    monkeypatch.setenv("GOVBIZ_CONTACT_KEYS", str(keyfile))
    runner = CliRunner()
    done = runner.invoke(main, ["contacts", "keygen"])
    assert done.exit_code == 0, done.output
    assert "key k1 added" in done.output
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    world = build_world(_opened(db))
    reveal = ["contacts", "reveal", world.enterprise_id, "--reason", "回访", "--county", "430800", "--db", db]
    done = runner.invoke(main, reveal)
    assert done.exit_code == 0, done.output
    assert PHONE in done.output
    assert runner.invoke(main, ["contacts", "keygen", "--id", "k2"]).exit_code == 0
    done = runner.invoke(main, ["contacts", "rotate-key", "--county", "430800", "--db", db, "--json"])
    assert done.exit_code == 0, done.output
    assert '"key_id": "k2"' in done.output
    done = runner.invoke(main, ["contacts", "purge", "--county", "430800", "--older-than", "1", "--dry-run",
                                "--db", db])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "0 enterprise(s) would be purged" in done.output  # its problems are not all closed: none at all
    typo = f"sqlite:///{tmp_path / 'typo.db'}"
    missing = runner.invoke(
        main, ["contacts", "purge", "--county", "430800", "--older-than", "1", "--dry-run", "--db", typo]
    )
    assert missing.exit_code == 2
    assert not (tmp_path / "typo.db").exists()


def test_years_before_keeps_29_february_in_range() -> None:
    assert str(years_before(datetime(2028, 2, 29, tzinfo=BEIJING).date(), 1)) == "2027-02-28"
    assert str(years_before(datetime(2030, 3, 4, tzinfo=BEIJING).date(), 3)) == "2027-03-04"


def _opened(db: str) -> Ledger:
    import govbiz

    return govbiz.open(db)


def _credit(body: str) -> str:
    from tests.conftest import credit_code

    return credit_code(body)
