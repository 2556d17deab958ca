"""Registry records are read once per store: the Ledger never writes a second version of one."""

from __future__ import annotations

import attrs

from govbiz import commands as c
from govbiz.domain.events import DomainEvent
from govbiz.domain.tenancy import Department
from govbiz.ledger import Ledger
from govbiz.ports.storage import RecordKind
from govbiz.storage.sql.sqlite import open_sqlite
from govbiz.storage.sql.store import RegistryCache, SQLStore
from tests.conftest import CITY, World, build_world, sqlite_statements


def record_reads(store: SQLStore) -> list[str]:
    """Every SELECT on `records` SQLite runs for the store from now on."""
    return sqlite_statements(store, lambda sql: sql.startswith("SELECT") and "FROM records" in sql)


def test_an_assignment_reads_known_records_without_a_round_trip(store: SQLStore) -> None:
    world = build_world(Ledger(store))
    world.assigned("第一件")  # reads the session, departments and enterprise once
    reads = record_reads(store)
    second = world.assigned("第二件")
    assert second.assignment is not None
    assert reads == [], "the same session, departments and enterprise again: no SELECT"


def test_a_record_missing_once_is_found_once_registered(store: SQLStore) -> None:
    world = build_world(Ledger(store))
    with store.unit_of_work() as uow:
        assert uow.get_record(RecordKind.DEPARTMENT, "430800-fgw") is None
    other_process = Ledger(open_sqlite(str(store.engine.url)), clock=world.clock)  # another store, same file
    other_process.handle(
        world.admin, c.RegisterDepartment(code="430800-fgw", name="张家界市发展和改革委员会", county=CITY)
    )
    with store.unit_of_work() as uow:
        found = uow.get_record(RecordKind.DEPARTMENT, "430800-fgw")
    assert isinstance(found, Department)
    assert found.name == "张家界市发展和改革委员会"
    other_process.store.close()


def test_a_record_written_through_the_store_is_read_again(store: SQLStore, world: World) -> None:
    build_world(Ledger(store))
    with store.unit_of_work() as uow:
        department = uow.get_record(RecordKind.DEPARTMENT, "430800-zgj")
    assert isinstance(department, Department)
    renamed = attrs.evolve(department, short_name="自规局")
    event = DomainEvent.by(
        world.admin,
        stream="department",
        stream_id="430800-zgj",
        version=2,
        kind="department_renamed",
        county=CITY,
        at=world.clock.now(),
        payload={"short_name": "自规局"},
    )
    with store.unit_of_work() as uow:
        uow.save_record(RecordKind.DEPARTMENT, "430800-zgj", renamed, event)
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.get_record(RecordKind.DEPARTMENT, "430800-zgj") == renamed


def test_the_cache_keeps_at_most_its_limit_oldest_out_first(world: World) -> None:
    cache = RegistryCache(limit=2)
    with world.ledger.store.unit_of_work() as uow:
        a, b, d = (uow.get_record(RecordKind.DEPARTMENT, f"430800-{k}") for k in ("zgj", "zjj", "xcb"))
    assert a is not None and b is not None and d is not None
    cache.put(RecordKind.DEPARTMENT, "a", a)
    cache.put(RecordKind.DEPARTMENT, "b", b)
    cache.put(RecordKind.DEPARTMENT, "d", d)
    assert cache.get(RecordKind.DEPARTMENT, "a") is None
    assert cache.get(RecordKind.DEPARTMENT, "b") == b
    assert cache.get(RecordKind.DEPARTMENT, "d") == d
