"""Shared fixtures: a small Zhangjiajie ledger with every role, on a manual clock."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from govbiz import commands as c
from govbiz.clock import ManualClock
from govbiz.domain import Actor, Problem, Role
from govbiz.domain.credit_code import check_character
from govbiz.ledger import Ledger
from govbiz.storage import MemoryStore
from govbiz.storage.sql.store import SQLStore

# "ci" is derandomized so that a CI run cannot pass or fail by luck; "dev" is quick.
settings.register_profile(
    "ci", max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True, scope="session")
def canonical_bytes_as_json_dumps_wrote_them() -> Any:
    """Every event any test hashes or verifies: orjson's canonical bytes are `json.dumps`'s, byte for byte.

    Stored chains were hashed over the `json.dumps` form (`govbiz.audit.json_bytes`);
    the faster orjson form must never differ, or they would no longer verify.
    """
    from govbiz import audit

    fast = audit.canonical_bytes

    def checked(event: Any, *, prev_hash: str | None = None) -> bytes:
        written = fast(event, prev_hash=prev_hash)
        assert written == audit.json_bytes(audit.canonical_body(event, prev_hash=prev_hash)), event
        return written

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(audit, "canonical_bytes", checked)
        yield


ROOT_README = Path(__file__).resolve().parents[1] / "README.md"
CITY = "430800"  # 张家界市
COUNTY = "430802"  # 永定区
OTHER_CITY = "430100"  # 长沙市, another tenant entirely


def credit_code(body: str) -> str:
    """A valid unified social credit code from its first 17 characters."""
    return body + check_character(body)


@attrs.define
class World:
    """A ledger with Zhangjiajie's city, one county, departments, an enterprise and actors."""

    ledger: Ledger
    clock: ManualClock
    admin: Actor
    collector: Actor
    secretariat: Actor
    chair: Actor
    zgj: Actor  # 市自规局 handler
    zjj: Actor  # 市住建局 handler
    supervisor: Actor
    viewer: Actor
    contact: Actor
    county_collector: Actor
    enterprise_id: str
    session_id: str

    def at(self, text: str) -> datetime:
        """Move the clock to a Beijing-time instant like '2025-04-01 10:00'."""
        instant = datetime.fromisoformat(text).replace(tzinfo=BEIJING)
        self.clock.set(instant)
        return instant

    def later(self, **kwargs: float) -> datetime:
        return self.clock.advance(timedelta(**kwargs))

    def collect(self, title: str = "新厂五通一平施工保障", category: str = "土地规划") -> Problem:
        problem: Problem = self.ledger.handle(
            self.collector,
            c.CollectProblem(
                enterprise_id=self.enterprise_id, title=title, category=category, source="调研走访"
            ),
        )
        return problem

    def assigned(self, title: str = "新厂五通一平施工保障") -> Problem:
        """A problem collected, triaged, scheduled and assigned to 市自规局 with 市住建局 co-handling."""
        problem = self.collect(title)
        self.ledger.handle(self.collector, c.TriageProblem(problem_id=problem.id))
        self.ledger.handle(
            self.secretariat, c.ScheduleProblem(problem_id=problem.id, session_id=self.session_id)
        )
        assigned: Problem = self.ledger.handle(
            self.chair,
            c.AssignProblem(problem_id=problem.id, lead="430800-zgj", co_handlers=("430800-zjj",)),
        )
        return assigned

    def co_replied(self, problem: Problem) -> Problem:
        """市住建局, the co-handler, replies to the lead (协办意见): its own clock stops."""
        reply = c.ReportCoHandling(problem_id=problem.id, text="协办意见")
        replied: Problem = self.ledger.handle(self.zjj, reply)
        return replied

    def signed(self, title: str = "新厂五通一平施工保障") -> Problem:
        problem = self.assigned(title)
        signed: Problem = self.ledger.handle(self.zgj, c.SignAssignment(problem_id=problem.id))
        return signed


def build_world(ledger: Ledger | None = None) -> World:
    clock = ManualClock(datetime(2025, 3, 31, 10, 0, tzinfo=BEIJING))  # a Monday
    ledger = ledger or Ledger(MemoryStore(), clock=clock)
    ledger.clock = clock
    admin = Actor(id="admin", role=Role.ADMINISTRATOR, county=CITY)
    ledger.handle(admin, c.RegisterDivision(code=CITY, name="张家界市", level="city"))
    ledger.handle(admin, c.RegisterDivision(code=COUNTY, name="永定区", level="county", parent=CITY))
    for code, name, short in [
        ("430800-zgj", "张家界市自然资源和规划局", "市自规局"),
        ("430800-zjj", "张家界市住房和城乡建设局", "市住建局"),
        ("430800-xcb", "中共张家界市委宣传部", "市委宣传部"),
    ]:
        ledger.handle(admin, c.RegisterDepartment(code=code, name=name, short_name=short, county=CITY))
    enterprise = ledger.handle(
        admin,
        c.RegisterEnterprise(
            county=CITY,
            name="张家界久瑞生物科技有限公司",
            credit_code=credit_code("91430800MA4L12345"),
            contacts=[{"name": "施奕清", "phone": "13812345678", "position": "副总经理"}],
        ),
    )
    secretariat = Actor(id="mszb-1", role=Role.SECRETARIAT, county=CITY)
    session = ledger.handle(
        secretariat,
        c.PlanSession(
            county=CITY,
            held_on="2025-03-31",
            kind="round_table",
            chair_title="市委书记",
            chair_name="刘革安",
            place="市委常委会议室",
            departments=("430800-zgj", "430800-zjj"),
        ),
    )
    county_admin = Actor(id="yd-admin", role=Role.ADMINISTRATOR, county=COUNTY)
    ledger.handle(
        county_admin, c.RegisterDepartment(code="430802-zrzy", name="永定区自然资源局", county=COUNTY)
    )
    return World(
        ledger=ledger,
        clock=clock,
        admin=admin,
        collector=Actor(id="tzb-1", role=Role.COLLECTOR, county=CITY, name="统战部收集人"),
        secretariat=secretariat,
        chair=Actor(id="sw-sj", role=Role.CHAIR, county=CITY, name="刘革安"),
        zgj=Actor(id="zgj-1", role=Role.DEPARTMENT_HANDLER, county=CITY, department="430800-zgj"),
        zjj=Actor(id="zjj-1", role=Role.DEPARTMENT_HANDLER, county=CITY, department="430800-zjj"),
        supervisor=Actor(id="dcs-1", role=Role.SUPERVISOR, county=CITY),
        viewer=Actor(id="view-1", role=Role.VIEWER, county=CITY),
        contact=Actor(id="jr-1", role=Role.ENTERPRISE_CONTACT, county=CITY, enterprise=enterprise.id),
        county_collector=Actor(id="yd-tzb", role=Role.COLLECTOR, county=COUNTY),
        enterprise_id=enterprise.id,
        session_id=session.id,
    )


@pytest.fixture
def world() -> World:
    return build_world()


def sqlite_statements(store: SQLStore, keep: Callable[[str], bool]) -> list[str]:
    """Every statement SQLite runs for `store` from now on that `keep` accepts.

    Traced by the driver itself (`set_trace_callback` on each connection),
    so statements sent on the DB-API cursor, past SQLAlchemy's execution
    events, are seen too.  The store's connections are closed first (a
    unit of work keeps one between commands), so every one it uses is new
    and traced.
    """
    seen: list[str] = []

    def note(statement: str) -> None:
        if keep(statement.lstrip()):
            seen.append(statement)

    store.close()

    @sa.event.listens_for(store.engine, "connect")
    def trace(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.set_trace_callback(note)

    return seen
