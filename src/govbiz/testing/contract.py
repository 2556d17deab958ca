"""The storage contract (存储契约): one test suite every storage adapter must pass.

The in-memory store, SQLite, PostgreSQL and any third-party adapter keep the
same promises (see `govbiz.ports.storage`).  To check yours, subclass
`StorageContract` in a test module under a name pytest collects and give
it a `store` fixture that returns a fresh, empty store::

    import pytest
    from govbiz.testing.contract import StorageContract

    class TestMyStore(StorageContract):
        @pytest.fixture
        def store(self, tmp_path):
            store = open_my_store(tmp_path)
            yield store
            store.close()

The suite drives a real `govbiz.ledger.Ledger` on the store (a Zhangjiajie
city and one of its counties, every role, problems in every lifecycle
state) and checks: round trips of every record kind and of problems in every
state, the event log in commit order and per stream, counters, atomic commit,
rollback, isolation of uncommitted writes, optimistic concurrency, that
`UnitOfWork.find_problems` agrees with `ProblemQuery.matches` on many
queries, that Chinese text comes back intact, that the audit chain
verifies, and that outbox claims are leased and fenced (only the holder of
an entry's current claim renews or marks it, so a dispatcher that outlasted
its lease records nothing).  It needs pytest only (no plugins, no fixtures
of its own).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from govbiz import commands as c
from govbiz.audit import seal, verify
from govbiz.builtin.aes_gcm import AES_256_GCM
from govbiz.builtin.ed25519 import Ed25519Signer
from govbiz.checkpoint import make_checkpoint, verify_checkpoints
from govbiz.clock import ManualClock
from govbiz.contact_keys import ContactKey, KeyRing
from govbiz.deadlines import DeadlinePolicy, WarningLevel, WarningThresholds
from govbiz.domain.actors import Actor, Role
from govbiz.domain.county_config import ConfigKept
from govbiz.domain.enterprise import Enterprise
from govbiz.domain.events import DomainEvent
from govbiz.domain.lifecycle import FINAL_STATES, Action, ProblemState
from govbiz.domain.problem import Problem, apply, decide, replay
from govbiz.domain.tenancy import Division
from govbiz.errors import ConcurrencyError, IllegalTransitionError
from govbiz.kept_notices import NoticeAdded
from govbiz.ledger import Ledger
from govbiz.notify.dispatcher import Dispatcher, DispatchReport
from govbiz.ports.channel import DeliveryError, Notification
from govbiz.ports.outbox import OutboxEntry, OutboxStatus
from govbiz.ports.storage import ProblemQuery, Record, RecordKind, Store, WarningClock, earliest_deadlines
from govbiz.profile import CountyProfile
from govbiz.reconcile import reconcile_store
from govbiz.storage import codec

__all__ = ["CITY", "CONTACT_KEYS", "COUNTY", "QUERIES", "Scenario", "StorageContract", "build_scenario"]

BEIJING = ZoneInfo("Asia/Shanghai")
CITY = "430800"  # 张家界市
COUNTY = "430802"  # 永定区
START = datetime(2025, 3, 31, 9, 30, tzinfo=BEIJING)  # a Monday: the first round table
#: Text that stresses encodings: CJK, a character outside the BMP (𠮷), full-width punctuation.
#: The scenario's contact key ring: a fixed key, for tests only (a real one comes from configuration).
CONTACT_KEYS = KeyRing({"contract-1": ContactKey("contract-1", AES_256_GCM, bytes(range(32)))}, "contract-1")
HARD_TEXT = "𠮷野家「张家界」久瑞生物——五通一平（水、电、路、气、讯）；“满意”吗？✓"


def opened(record: Any) -> Any:
    """`record` with an enterprise's sealed contacts opened (as the registering command returned it)."""
    if not isinstance(record, Enterprise) or record.sealed_contacts is None:
        return record
    contacts, _ = CONTACT_KEYS.open(record.id, record.sealed_contacts)
    return attrs.evolve(record, contacts=contacts, sealed_contacts=None)


def _credit_code(body: str) -> str:
    from govbiz.domain.credit_code import check_character

    return body + check_character(body)


@attrs.define
class Scenario:
    """A ledger on the store under test, with its actors and what the commands returned.

    `problems` maps a label (`"collected"`, `"signed"`, `"suspended"` ...)
    to the problem as the last command returned it; `records` holds every
    registry record the commands returned, by kind and key; `committed`
    every event the ledger published, in commit order.
    """

    ledger: Ledger
    clock: ManualClock
    actors: dict[str, Actor]
    records: dict[tuple[RecordKind, str], Record] = attrs.Factory(dict)
    problems: dict[str, Problem] = attrs.Factory(dict)
    committed: list[DomainEvent] = attrs.Factory(list)

    def run(self, actor: str, command: c.Command[Any]) -> Any:
        """Let `actor` (a key of `actors`) run `command`, a little later than the last one."""
        # Odd steps with microseconds: instants must survive storage to the microsecond.
        self.clock.advance(timedelta(minutes=7, microseconds=1234))
        result = self.ledger.handle(self.actors[actor], command)
        if isinstance(result, Problem):
            return result
        if isinstance(result, NoticeAdded):
            self.records[(RecordKind.HOLIDAY_NOTICE, result.kept.key)] = result.kept
            return result
        if isinstance(result, ConfigKept):
            self.records[(RecordKind.COUNTY_CONFIG, result.kept.key)] = result.kept
            return result
        if isinstance(result, tuple):  # contacts revealed, enterprises purged or re-sealed
            return result
        kind = _KIND_OF[type(command)]
        key = result.code if isinstance(result, Division) or kind is RecordKind.DEPARTMENT else result.id
        self.records[(kind, key)] = result
        return result

    def problem(self, label: str, actor: str, command: c.Command[Any]) -> Problem:
        """Run a problem command and remember its result under `label`."""
        problem: Problem = self.run(actor, command)
        self.problems[label] = problem
        return problem

    def all_problems(self) -> list[Problem]:
        """Every problem as stored, ordered by id."""
        with self.ledger.store.unit_of_work() as uow:
            ids = sorted({p.id for p in self.problems.values()})
            found = [uow.get_problem(i) for i in ids]
        return [p for p in found if p is not None]


_KIND_OF: dict[type[c.Command[Any]], RecordKind] = {
    c.RegisterDivision: RecordKind.DIVISION,
    c.RegisterDepartment: RecordKind.DEPARTMENT,
    c.RegisterEnterprise: RecordKind.ENTERPRISE,
    c.PlanSession: RecordKind.SESSION,
    c.RecordLastingRule: RecordKind.LASTING_RULE,
    c.PublishCircular: RecordKind.CIRCULAR,
}


def _actors(city_enterprise: str) -> dict[str, Actor]:
    handler = Role.DEPARTMENT_HANDLER
    return {
        "admin": Actor(id="admin", role=Role.ADMINISTRATOR, county=CITY),
        "county_admin": Actor(id="yd-admin", role=Role.ADMINISTRATOR, county=COUNTY),
        "collector": Actor(id="tzb-1", role=Role.COLLECTOR, county=CITY, name="统战部收集人"),
        "secretariat": Actor(id="mszb-1", role=Role.SECRETARIAT, county=CITY),
        "chair": Actor(id="sw-sj", role=Role.CHAIR, county=CITY, name="刘革安"),
        "zgj": Actor(id="zgj-1", role=handler, county=CITY, department="430800-zgj"),
        "zjj": Actor(id="zjj-1", role=handler, county=CITY, department="430800-zjj"),
        "xcb": Actor(id="xcb-1", role=handler, county=CITY, department="430800-xcb"),
        "supervisor": Actor(id="dcs-1", role=Role.SUPERVISOR, county=CITY),
        "contact": Actor(id="jr-1", role=Role.ENTERPRISE_CONTACT, county=CITY, enterprise=city_enterprise),
        "county_collector": Actor(id="yd-tzb", role=Role.COLLECTOR, county=COUNTY),
        "county_secretariat": Actor(id="yd-ban", role=Role.SECRETARIAT, county=COUNTY),
        "zrzy": Actor(id="yd-zrzy", role=handler, county=COUNTY, department="430802-zrzy"),
    }


def build_scenario(store: Store) -> Scenario:
    """Register Zhangjiajie's registry and drive problems into every lifecycle state on `store`."""
    clock = ManualClock(START)
    # 永定区 verifies an unsatisfied visit before any redo (核实): its problems reach `verifying` too.
    verifies = DeadlinePolicy.from_dict({"clocks": {"verification": {"enabled": True}}})
    ledger = Ledger(store, clock=clock, profiles={COUNTY: CountyProfile(deadline_policy=verifies)},
                    contact_keys=CONTACT_KEYS)
    city_enterprise = f"{CITY}-E00001"  # the numbering the ledger will give it
    s = Scenario(ledger, clock, _actors(city_enterprise))
    ledger.subscribe(s.committed.extend)
    _register(s)
    _drive_problems(s)
    s.run(
        "supervisor",
        c.PublishCircular(
            county=CITY,
            title="关于2025年第一季度政企面对面问题办理情况的通报",
            period_start=date(2025, 3, 1),
            period_end=date(2025, 3, 31),
            departments=("430800-zgj",),
            problems=(s.problems["signed"].id,),
            body=HARD_TEXT,
        ),
    )
    return s


def _register(s: Scenario) -> None:
    s.run("admin", c.RegisterDivision(code=CITY, name="张家界市", level="city"))
    s.run("admin", c.RegisterDivision(code=COUNTY, name="永定区", level="county", parent=CITY))
    for code, name, short in [
        ("430800-zgj", "张家界市自然资源和规划局", "市自规局"),
        ("430800-zjj", "张家界市住房和城乡建设局", "市住建局"),
        ("430800-xcb", "中共张家界市委宣传部", "市委宣传部"),
    ]:
        s.run("admin", c.RegisterDepartment(code=code, name=name, short_name=short, county=CITY))
    s.run("county_admin", c.RegisterDepartment(code="430802-zrzy", name="永定区自然资源局", county=COUNTY))
    s.run(
        "admin",
        c.RegisterEnterprise(
            county=CITY,
            name="张家界久瑞生物科技有限公司",
            credit_code=_credit_code("91430800MA4L12345"),
            contacts=[{"name": "施奕清", "phone": "13812345678", "position": "副总经理"}],
            industry="生物科技",
        ),
    )
    s.run(
        "county_admin",
        c.RegisterEnterprise(
            county=COUNTY, name="永定区民宿发展有限公司", credit_code=_credit_code("91430802MA4L54321")
        ),
    )
    s.run(
        "secretariat",
        c.PlanSession(
            county=CITY,
            held_on=date(2025, 3, 31),
            kind="round_table",
            chair_title="市委书记",
            chair_name="刘革安",
            place="市委常委会议室",
            topic=HARD_TEXT,
            departments=("430800-zgj", "430800-zjj"),
            attendees=("市自规局局长", "市住建局局长"),
        ),
    )
    s.run(
        "county_secretariat",
        c.PlanSession(county=COUNTY, held_on=date(2025, 4, 15), kind="reception_day", chair_title="区长"),
    )
    s.run(
        "secretariat",
        c.RecordLastingRule(
            county=CITY,
            title="室内装饰装修管理办法",
            issued_by="430800-zjj",
            issued_on=date(2025, 3, 1),
            document_number="张住建发〔2025〕3号",
        ),
    )
    # A nationwide record (county 000000): the 2026 notice, as an administrator keeps it.
    notice = resources.files("govbiz.calendar").joinpath("data", "2026.toml").read_text(encoding="utf-8")
    s.run("admin", c.AddHolidayNotice(text=notice, source="2026.toml"))
    # A county configuration file kept in the ledger (what `govbiz county apply` keeps).
    config = f'[[divisions]]\ncode = "{COUNTY}"\nname = "永定区"\nparent = "{CITY}"\n# {HARD_TEXT}\n'
    s.run("county_admin", c.KeepCountyConfig(text=config, source="yongding.toml"))


def _drive_problems(s: Scenario) -> None:  # noqa: PLR0915 - one straight walk through the lifecycle
    city_e, county_e = f"{CITY}-E00001", f"{COUNTY}-E00001"
    session, county_session = f"{CITY}-S0001", f"{COUNTY}-S0001"

    def collect(label: str, title: str, *, category: str = "土地规划", by: str = "collector") -> str:
        enterprise = county_e if by == "county_collector" else city_e
        source = "企业自报" if by == "contact" else "调研走访"
        command = c.CollectProblem(
            enterprise_id=enterprise, title=title, description=HARD_TEXT, category=category, source=source
        )
        return s.problem(label, by, command).id

    def assigned(label: str, title: str, lead: str = "430800-zgj", co: tuple[str, ...] = ()) -> str:
        pid = collect(label, title)
        s.problem(label, "collector", c.TriageProblem(problem_id=pid, note="研判：属实"))
        s.problem(label, "secretariat", c.ScheduleProblem(problem_id=pid, session_id=session))
        s.problem(label, "chair", c.AssignProblem(problem_id=pid, lead=lead, co_handlers=co))
        return pid

    def signed(label: str, title: str, co: tuple[str, ...] = ("430800-zjj",)) -> str:
        pid = assigned(label, title, co=co)
        s.problem(label, "zgj", c.SignAssignment(problem_id=pid))
        return pid

    def reported(label: str, title: str) -> str:
        pid = signed(label, title)
        s.problem(label, "zgj", c.ReportProgress(problem_id=pid, text="已完成用地预审"))
        s.problem(label, "zgj", c.ReportResult(problem_id=pid, outcome="solved", text="已办结"))
        return pid

    first = collect("collected", "新厂五通一平施工保障")
    pid = collect("triaged", "贷款延期续贷", category="融资")
    s.problem("triaged", "collector", c.TriageProblem(problem_id=pid, category="融资", note="转金融办"))
    pid = collect("rejected", "重复反映")
    s.problem("rejected", "collector", c.RejectProblem(problem_id=pid, reason="不属于受理范围"))
    pid = collect("merged", "五通一平（重复）")
    s.problem("merged", "collector", c.MergeProblem(problem_id=pid, into=first))
    pid = collect("withdrawn", "企业自行解决", by="contact")
    s.problem("withdrawn", "contact", c.WithdrawProblem(problem_id=pid, reason="企业已自行解决"))
    pid = collect("scheduled", "户外公益广告审批", category="公益广告")
    s.problem("scheduled", "collector", c.TriageProblem(problem_id=pid))
    s.problem("scheduled", "secretariat", c.ScheduleProblem(problem_id=pid, session_id=session))
    assigned("assigned", "施工许可办理", co=("430800-zjj",))
    pid = assigned("returned", "非本部门职责")
    s.problem(
        "returned",
        "zgj",
        c.ReturnAssignment(problem_id=pid, reason="属住建职责", proposed_department="430800-zjj"),
    )
    s.problem("returned", "secretariat", c.DecideReturn(problem_id=pid, accept=True, note="同意退单"))
    pid = assigned("reminded", "公益广告内容管理", lead="430800-xcb", co=("430800-zgj",))
    s.problem("reminded", "supervisor", c.SendReminder(problem_id=pid, kind="supervision", note="请加快"))
    signed("signed", "用地指标调整")
    pid = signed("in_progress", "规划许可变更", co=())
    s.problem("in_progress", "zgj", c.ReportProgress(problem_id=pid, text="正在推进"))
    s.problem("in_progress", "zgj", c.LinkLastingRule(problem_id=pid, rule_id=f"{CITY}-R0001"))
    pid = signed("long_term", "片区整体规划")
    s.problem("long_term", "zgj", c.ReportResult(problem_id=pid, outcome="long_term", text="长期推进"))
    pid = signed("suspended", "等待法院裁定")
    s.problem("suspended", "secretariat", c.SuspendProblem(problem_id=pid, reason="等待法院裁定"))
    pid = signed("extended", "需要延期办理")
    result_due = s.problems["extended"].assignment.deadline("result")  # type: ignore[union-attr]
    assert result_due is not None
    s.problem(
        "extended",
        "zgj",
        c.RequestExtension(
            problem_id=pid,
            clock="result",
            new_last_day=result_due.last_day + timedelta(days=10),
            reason="需协调",
        ),
    )
    s.problem("extended", "secretariat", c.DecideExtension(problem_id=pid, approve=True, note="同意"))
    reported("result_reported", "水电接入")
    pid = reported("closed", "道路硬化")
    s.problem("closed", "collector", c.RecordReturnVisit(problem_id=pid, satisfied=True, notes="满意"))
    pid = reported("redo", "燃气接入")
    s.problem("redo", "collector", c.RecordReturnVisit(problem_id=pid, satisfied=False, notes="不满意"))
    # A county problem, assigned at the county's reception day with a last day fixed on the spot.
    pid = collect("county", "民宿用地手续", by="county_collector")
    s.problem("county", "county_collector", c.TriageProblem(problem_id=pid))
    s.problem(
        "county",
        "county_secretariat",
        c.AssignProblem(
            problem_id=pid,
            lead="430802-zrzy",
            session_id=county_session,
            deadlines={"result": date(2025, 5, 30)},
        ),
    )
    # A county problem whose unsatisfied visit is being verified (差评核实中).
    pid = collect("verifying", "民宿消防验收", by="county_collector")
    s.problem("verifying", "county_collector", c.TriageProblem(problem_id=pid))
    s.problem("verifying", "county_secretariat", c.AssignProblem(problem_id=pid, lead="430802-zrzy"))
    s.problem("verifying", "zrzy", c.SignAssignment(problem_id=pid))
    s.problem("verifying", "zrzy", c.ReportResult(problem_id=pid, outcome="explained", text="已解释"))
    s.problem("verifying", "county_collector", c.RecordReturnVisit(problem_id=pid, satisfaction="不满意"))
    # A return awaiting the secretariat's decision (退单待审定); last, so the numbers above stay.
    pid = assigned("return_requested", "诉求不明确的问题")
    asked = c.ReturnAssignment(problem_id=pid, reason="诉求不明确", ground="诉求不明确")
    s.problem("return_requested", "zgj", asked)


def _case(build: Callable[[Scenario], ProblemQuery], *, found: bool = True) -> Any:
    return (build, found)


def _cutoff(s: Scenario, label: str, clock: str) -> datetime:
    assignment = s.problems[label].assignment
    due = assignment.deadline(clock) if assignment else None
    assert due is not None, (label, clock)
    return due.cutoff


#: Queries whose SQL (or other) answer must equal `ProblemQuery.matches`; `found`
#: says the scenario has at least one match, so the comparison is not vacuous.
QUERIES: dict[str, tuple[Callable[[Scenario], ProblemQuery], bool]] = {
    "everything": _case(lambda s: ProblemQuery()),
    "city": _case(lambda s: ProblemQuery(counties=frozenset({CITY}))),
    "county": _case(lambda s: ProblemQuery(counties=frozenset({COUNTY}))),
    "city_and_county": _case(lambda s: ProblemQuery(counties=frozenset({CITY, COUNTY}))),
    "no_county": _case(lambda s: ProblemQuery(counties=frozenset()), found=False),
    "other_city": _case(lambda s: ProblemQuery(counties=frozenset({"430100"})), found=False),
    "handling_states": _case(
        lambda s: ProblemQuery(states=frozenset({ProblemState.SIGNED, ProblemState.IN_PROGRESS}))
    ),
    "final_states": _case(lambda s: ProblemQuery(states=FINAL_STATES)),
    "no_state": _case(lambda s: ProblemQuery(states=frozenset()), found=False),
    "department_as_co_handler": _case(lambda s: ProblemQuery(department="430800-zjj")),
    "department_as_lead_or_co": _case(lambda s: ProblemQuery(department="430800-zgj")),
    "department_xcb": _case(lambda s: ProblemQuery(department="430800-xcb")),
    "lead": _case(lambda s: ProblemQuery(lead="430800-zgj")),
    "lead_never_lead": _case(lambda s: ProblemQuery(lead="430800-zjj"), found=False),
    "enterprise": _case(lambda s: ProblemQuery(enterprise_id=f"{CITY}-E00001")),
    "county_enterprise": _case(lambda s: ProblemQuery(enterprise_id=f"{COUNTY}-E00001")),
    "session": _case(lambda s: ProblemQuery(session_id=f"{CITY}-S0001")),
    "county_session": _case(lambda s: ProblemQuery(session_id=f"{COUNTY}-S0001")),
    "category": _case(lambda s: ProblemQuery(category="融资")),
    "due_before_anything": _case(lambda s: ProblemQuery(due_before=START), found=False),
    "due_at_a_cutoff": _case(lambda s: ProblemQuery(due_before=_cutoff(s, "signed", "result"))),
    "due_just_before_a_cutoff": _case(
        lambda s: ProblemQuery(due_before=_cutoff(s, "signed", "result") - timedelta(microseconds=1))
    ),
    "due_in_utc": _case(
        lambda s: ProblemQuery(due_before=_cutoff(s, "signed", "progress").astimezone(ZoneInfo("UTC")))
    ),
    "due_by_year_end": _case(lambda s: ProblemQuery(due_before=datetime(2025, 12, 31, tzinfo=BEIJING))),
    "combined_city": _case(
        lambda s: ProblemQuery(
            counties=frozenset({CITY}),
            states=frozenset({ProblemState.SIGNED, ProblemState.IN_PROGRESS, ProblemState.ASSIGNED}),
            department="430800-zgj",
            session_id=f"{CITY}-S0001",
            due_before=datetime(2025, 12, 31, tzinfo=BEIJING),
        )
    ),
    "combined_county": _case(
        lambda s: ProblemQuery(
            counties=frozenset({COUNTY}),
            lead="430802-zrzy",
            category="土地规划",
            enterprise_id=f"{COUNTY}-E00001",
            due_before=datetime(2025, 6, 1, tzinfo=BEIJING),
        )
    ),
    "contradiction": _case(
        lambda s: ProblemQuery(counties=frozenset({COUNTY}), department="430800-zgj"), found=False
    ),
}


def _warning_clocks(problems: list[Problem], thresholds: dict[str, WarningThresholds]) -> list[WarningClock]:
    """The reference answer: every running clock classified by its county's dates."""
    found = [
        WarningClock(p.id, p.county, due.clock, due.last_day, thresholds[p.county].level(due.last_day))
        for p in problems
        if p.county in thresholds
        for due in earliest_deadlines(p)
    ]
    return sorted(
        (clock for clock in found if clock.level is not WarningLevel.NORMAL),
        key=lambda clock: (clock.problem_id, clock.clock),
    )


def _report_progress(problem: Problem, at: datetime) -> tuple[Problem, DomainEvent]:
    """The lead department's progress report decided on `problem` as read, sealed."""
    assert problem.assignment is not None
    lead = Actor(
        id="lead-1", role=Role.DEPARTMENT_HANDLER, county=problem.county, department=problem.assignment.lead
    )
    event = decide(problem, Action.REPORT_PROGRESS, lead, at, {"text": "推进中"})
    event = seal(event, problem.last_hash)
    return apply(problem, event), event


def _remind(problem: Problem, note: str) -> tuple[Problem, DomainEvent]:
    """A supervisor's reminder decided on `problem` as read: the next version, sealed."""
    supervisor = Actor(id="dcs-1", role=Role.SUPERVISOR, county=problem.county)
    at = (problem.updated_at or START) + timedelta(hours=1)
    event = decide(problem, Action.REMIND, supervisor, at, {"kind": "reminder", "note": note})
    event = seal(event, problem.last_hash)
    return apply(problem, event), event


class StorageContract:
    """The storage contract; subclass it with a `store` fixture (a fresh, empty store)."""

    # --- round trips --------------------------------------------------------------------

    def test_every_record_kind_round_trips(self, store: Store) -> None:
        s = build_scenario(store)
        assert {kind for kind, _ in s.records} == set(RecordKind)
        with store.unit_of_work() as uow:
            for (kind, key), record in s.records.items():
                assert opened(uow.get_record(kind, key)) == record
            for kind in RecordKind:
                expected = [
                    r for (k, key), r in sorted(s.records.items(), key=lambda i: i[0][1]) if k is kind
                ]
                assert [opened(r) for r in uow.list_records(kind)] == expected
            assert uow.get_record(RecordKind.ENTERPRISE, "no-such-key") is None

    def test_list_records_filters_by_county(self, store: Store) -> None:
        s = build_scenario(store)
        with store.unit_of_work() as uow:
            county = uow.list_records(RecordKind.DEPARTMENT, frozenset({COUNTY}))
            city = uow.list_records(RecordKind.DEPARTMENT, frozenset({CITY}))
            divisions = uow.list_records(RecordKind.DIVISION, frozenset({COUNTY}))
            none = uow.list_records(RecordKind.DEPARTMENT, frozenset())
        assert [d.code for d in county] == ["430802-zrzy"]  # type: ignore[union-attr]
        assert [d.code for d in city] == ["430800-xcb", "430800-zgj", "430800-zjj"]  # type: ignore[union-attr]
        assert divisions == [s.records[(RecordKind.DIVISION, COUNTY)]]
        assert none == []

    def test_problems_in_every_state_round_trip(self, store: Store) -> None:
        s = build_scenario(store)
        assert {p.state for p in s.all_problems()} == set(ProblemState)
        with store.unit_of_work() as uow:
            for label, problem in s.problems.items():
                again = uow.get_problem(problem.id)
                assert again == problem, label
                assert again is not None
                assert again.collected_at.utcoffset() == problem.collected_at.utcoffset()
                assert replay(uow.events("problem", problem.id)) == again, label
            assert uow.get_problem("430800-2025-9999") is None
        assert s.problems["suspended"].suspended
        assert s.problems["extended"].extensions[-1].decided_by == "mszb-1"
        assert s.problems["in_progress"].lasting_rules == (f"{CITY}-R0001",)

    def test_chinese_text_is_intact(self, store: Store) -> None:
        s = build_scenario(store)
        with store.unit_of_work() as uow:
            problem = uow.get_problem(s.problems["collected"].id)
            circular = uow.list_records(RecordKind.CIRCULAR)[0]
            [registered] = uow.events("enterprise", f"{CITY}-E00001")
        assert problem is not None
        assert problem.description == HARD_TEXT
        assert problem.title == "新厂五通一平施工保障"
        assert circular.body == HARD_TEXT  # type: ignore[union-attr]
        assert registered.payload["name"] == "张家界久瑞生物科技有限公司"
        assert "contacts" not in registered.payload
        assert registered.payload["contact_count"] == 1
        revealed = s.run("admin", c.RevealContacts(enterprise_id=f"{CITY}-E00001", reason="回访核实"))
        assert [(x.name, x.phone, x.position) for x in revealed] == [("施奕清", "13812345678", "副总经理")]

    def test_contacts_are_sealed_at_rest_and_each_reveal_is_recorded(self, store: Store) -> None:
        s = build_scenario(store)
        enterprise_id = f"{CITY}-E00001"
        with store.unit_of_work() as uow:
            stored = uow.get_record(RecordKind.ENTERPRISE, enterprise_id)
        assert isinstance(stored, Enterprise)
        assert stored.contacts == ()
        assert stored.contacts_salt == ""
        assert stored.sealed_contacts is not None
        assert stored.sealed_contacts.key_id == "contract-1"
        assert "13812345678" not in repr(codec.encode_record(stored))
        assert "施奕清" not in repr(stored)
        s.clock.advance(timedelta(hours=1))
        s.run("admin", c.RevealContacts(enterprise_id=enterprise_id, reason="回访核实"))
        with store.unit_of_work() as uow:
            registered, revealed = uow.events("enterprise", enterprise_id)
            events = uow.events()
            assert reconcile_store(uow, events, contact_keys=CONTACT_KEYS) == []
        assert (revealed.kind, revealed.actor_id, revealed.payload["reason"]) == (
            "contacts_revealed",
            s.actors["admin"].id,
            "回访核实",
        )
        assert revealed.prev_hash == registered.hash
        assert verify(events) == []

    # --- the event log ------------------------------------------------------------------

    def test_events_come_back_in_commit_order(self, store: Store) -> None:
        s = build_scenario(store)
        with store.unit_of_work() as uow:
            everything = uow.events()
            problems = uow.events("problem")
            one = uow.events("problem", s.problems["closed"].id)
            enterprises = uow.events("enterprise")
        assert everything == s.committed
        assert problems == [e for e in s.committed if e.stream == "problem"]
        assert [e.version for e in one] == list(range(1, s.problems["closed"].version + 1))
        assert [e.kind for e in one][-1] == "return_visit"
        assert [e.stream_id for e in enterprises] == [f"{CITY}-E00001", f"{COUNTY}-E00001"]

    def test_the_audit_chain_verifies(self, store: Store) -> None:
        s = build_scenario(store)
        heads = {("problem", p.id): p.last_hash for p in s.all_problems()}
        with store.unit_of_work() as uow:
            events = uow.events()
        assert verify(events, heads=heads) == []
        assert all(e.hash.startswith("sha256:") for e in events)
        # The check is real: an edited payload read back from this store is found.
        forged = [
            attrs.evolve(e, payload={**e.payload, "note": "改"}) if i == 20 else e
            for i, e in enumerate(events)
        ]
        assert verify(forged, heads=heads) != []

    def test_the_stored_state_agrees_with_the_events(self, store: Store) -> None:
        s = build_scenario(store)
        with store.unit_of_work() as uow:
            events = uow.events()
            assert reconcile_store(uow, events, contact_keys=CONTACT_KEYS) == []
            stored = {p.id: p.problem for p in uow.stored_problems()}
            assert stored == {p.id: p for p in s.all_problems()}
            records = {(r.kind, r.key): opened(r.record) for r in uow.stored_records()}
            assert records == s.records
            # The check is real: without one problem's events, its snapshot has none behind it.
            some = next(iter(stored))
            kept = [e for e in events if e.stream_id != some]
            assert [f.stream_id for f in reconcile_store(uow, kept)] == [some]

    def test_checkpoints_are_kept_in_order_and_numbered_once(self, store: Store) -> None:
        s = build_scenario(store)
        with store.unit_of_work() as uow:
            events = uow.events()
        signer, log = Ed25519Signer.generate(), store.checkpoints()
        made = [make_checkpoint(events, log, signer, s.clock.now()) for _ in range(3)]
        assert store.checkpoints().all() == made
        assert verify_checkpoints(log.all(), signer.verifier(), events) == []
        with pytest.raises(ConcurrencyError):
            log.append(made[1])

    def test_redacted_events_keep_their_place_and_hash_all_or_none(self, store: Store) -> None:
        build_scenario(store)
        with store.unit_of_work() as uow:
            events = uow.events()
        first, second = events[0], events[1]
        redacted = attrs.evolve(first, payload={**first.payload, "redacted": True})
        stale = attrs.evolve(second, payload={}, hash="sha256:" + "0" * 64)  # not stored with this hash
        with pytest.raises(ConcurrencyError):
            store.redact_events([redacted, stale])
        with store.unit_of_work() as uow:
            assert uow.events() == events  # nothing changed
        store.redact_events([redacted])
        with store.unit_of_work() as uow:
            after = uow.events()
            stream = uow.events(first.stream, first.stream_id)
        assert after == [redacted, *events[1:]]
        assert stream[0] == redacted

    # --- counters -----------------------------------------------------------------------

    def test_next_number_never_repeats(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            assert [uow.next_number("problem:430800:2025") for _ in range(3)] == [1, 2, 3]
            assert uow.next_number("problem:430802:2025") == 1
        with store.unit_of_work() as uow:  # a unit that never commits still used its number
            assert uow.next_number("problem:430800:2025") == 4
            uow.rollback()
        drawn: list[int] = []
        lock = threading.Lock()

        def draw() -> None:
            with store.unit_of_work() as unit:
                numbers = [unit.next_number("session:430800") for _ in range(20)]
            with lock:
                drawn.extend(numbers)

        threads = [threading.Thread(target=draw) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(drawn) == list(range(1, 81))
        with store.unit_of_work() as uow:
            assert uow.next_number("problem:430800:2025") == 5

    # --- transactions -------------------------------------------------------------------

    def test_a_refused_command_stores_nothing(self, store: Store) -> None:
        s = build_scenario(store)
        closed = s.problems["closed"]
        with store.unit_of_work() as uow:
            before = len(uow.events())
        with pytest.raises(IllegalTransitionError):
            s.run("zgj", c.ReportProgress(problem_id=closed.id, text="已关闭还能报送吗"))
        with store.unit_of_work() as uow:
            assert len(uow.events()) == before
            assert uow.get_problem(closed.id) == closed

    def test_a_failed_commit_stores_no_state_and_no_event(self, store: Store) -> None:
        s = build_scenario(store)
        signed, stale = s.problems["signed"], s.problems["in_progress"]
        with store.unit_of_work() as uow:
            before = uow.events()
        with store.unit_of_work() as uow:
            changed, event = _remind(signed, "第一件")
            uow.save_problem(changed, event)
            old = attrs.evolve(stale, version=stale.version - 1)  # decided on a stale version
            uow.save_problem(*_remind(old, "第二件"))
            with pytest.raises(ConcurrencyError) as info:
                uow.commit()
        assert (info.value.key, info.value.expected, info.value.actual) == (
            stale.id,
            stale.version - 1,
            stale.version,
        )
        with store.unit_of_work() as uow:
            assert uow.get_problem(signed.id) == signed  # the good half was not kept either
            assert uow.events() == before

    def test_rollback_discards_staged_writes(self, store: Store) -> None:
        s = build_scenario(store)
        signed = s.problems["signed"]
        with store.unit_of_work() as uow:
            uow.save_problem(*_remind(signed, "撤销"))
            uow.rollback()
            assert uow.get_problem(signed.id) == signed
            uow.commit()  # nothing left to commit
        with store.unit_of_work() as uow:
            uow.save_problem(*_remind(signed, "不提交"))
        # leaving the block without commit rolled back
        with store.unit_of_work() as uow:
            assert uow.get_problem(signed.id) == signed
            assert uow.events("problem", signed.id)[-1].version == signed.version

    def test_uncommitted_writes_are_seen_only_by_their_unit(self, store: Store) -> None:
        s = build_scenario(store)
        signed = s.problems["signed"]
        reminded, event = _remind(signed, "隔离")
        division = Division(code="430821", name="慈利县", level="county", parent=CITY)
        register = DomainEvent.by(
            s.actors["admin"],
            stream="division",
            stream_id="430821",
            version=1,
            kind="division_registered",
            county="430821",
            at=START,
            payload={"code": "430821"},
        )
        query = ProblemQuery(states=frozenset({ProblemState.SIGNED}))
        with store.unit_of_work() as mine, store.unit_of_work() as other:
            mine.save_problem(reminded, event)
            mine.save_record(RecordKind.DIVISION, "430821", division, seal(register, ""))
            assert mine.get_problem(signed.id) == reminded
            assert reminded in list(mine.find_problems(query))
            assert division in mine.list_records(RecordKind.DIVISION)
            assert mine.get_record(RecordKind.DIVISION, "430821") == division
            assert other.get_problem(signed.id) == signed
            assert signed in list(other.find_problems(query))
            assert other.get_record(RecordKind.DIVISION, "430821") is None
            assert division not in other.list_records(RecordKind.DIVISION)
            assert event not in mine.events()  # events are visible once committed
            mine.commit()
            assert other.get_problem(signed.id) == reminded
            assert other.get_record(RecordKind.DIVISION, "430821") == division
            assert other.events("problem", signed.id)[-1] == event

    # --- optimistic concurrency ---------------------------------------------------------

    def test_the_second_of_two_writers_on_one_version_fails(self, store: Store) -> None:
        s = build_scenario(store)
        pid = s.problems["signed"].id
        with store.unit_of_work() as first, store.unit_of_work() as second:
            a, b = first.get_problem(pid), second.get_problem(pid)
            assert a is not None
            assert b is not None
            assert a.version == b.version
            first_state, first_event = _remind(a, "甲")
            first.save_problem(first_state, first_event)
            second.save_problem(*_remind(b, "乙"))
            first.commit()
            with pytest.raises(ConcurrencyError) as info:
                second.commit()
        assert (info.value.kind, info.value.key) == ("problem", pid)
        assert (info.value.expected, info.value.actual) == (a.version, a.version + 1)
        with store.unit_of_work() as uow:
            assert uow.get_problem(pid) == first_state
            assert [e.payload.get("note") for e in uow.events("problem", pid)][-1] == "甲"
            assert uow.events("problem", pid)[-1] == first_event

    def test_two_registrations_of_one_key_conflict(self, store: Store) -> None:
        s = build_scenario(store)
        division = Division(code="430821", name="慈利县", level="county", parent=CITY)
        event = seal(
            DomainEvent.by(
                s.actors["admin"],
                stream="division",
                stream_id="430821",
                version=1,
                kind="division_registered",
                county="430821",
                at=START,
                payload={},
            ),
            "",
        )
        with store.unit_of_work() as first, store.unit_of_work() as second:
            first.save_record(RecordKind.DIVISION, "430821", division, event)
            second.save_record(RecordKind.DIVISION, "430821", attrs.evolve(division, name="另一个"), event)
            first.commit()
            with pytest.raises(ConcurrencyError) as info:
                second.commit()
        assert (info.value.expected, info.value.actual) == (0, 1)
        with store.unit_of_work() as uow:
            assert uow.get_record(RecordKind.DIVISION, "430821") == division
            assert len(uow.events("division", "430821")) == 1

    def test_several_events_for_one_problem_in_one_unit_follow_on(self, store: Store) -> None:
        s = build_scenario(store)
        signed = s.problems["signed"]
        once, first = _remind(signed, "一")
        twice, second = _remind(once, "二")
        with store.unit_of_work() as uow:
            uow.save_problem(once, first)
            uow.save_problem(twice, second)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.get_problem(signed.id) == twice
            assert uow.events("problem", signed.id)[-2:] == [first, second]
        thrice, third = _remind(twice, "三")
        skipped = attrs.evolve(_remind(thrice, "四")[1], version=thrice.version + 2)  # a gap
        with store.unit_of_work() as uow:
            uow.save_problem(thrice, third)
            uow.save_problem(attrs.evolve(thrice, version=skipped.version), skipped)
            with pytest.raises(ConcurrencyError):
                uow.commit()
        with store.unit_of_work() as uow:
            assert uow.get_problem(signed.id) == twice

    # --- queries ------------------------------------------------------------------------

    @pytest.mark.parametrize("case", sorted(QUERIES))
    def test_find_problems_agrees_with_matches(self, store: Store, case: str) -> None:
        build, found = QUERIES[case]
        s = build_scenario(store)
        everything = s.all_problems()
        query = build(s)
        expected = [p for p in everything if query.matches(p)]
        with store.unit_of_work() as uow:
            actual = list(uow.find_problems(query))
        assert [p.id for p in actual] == [p.id for p in expected]
        assert actual == expected
        assert bool(expected) is found, f"the scenario should{'' if found else ' not'} match {case}"

    def test_warning_clocks_agree_with_the_thresholds(self, store: Store) -> None:
        s = build_scenario(store)
        everything = s.all_problems()
        policy = DeadlinePolicy.default()
        eager = DeadlinePolicy(approaching_working_days=6, seriously_overdue_working_days=1)
        seen: set[WarningLevel] = set()
        for days in range(0, 150, 3):
            at = START + timedelta(days=days, hours=days % 11)
            same = {CITY: policy.thresholds(at), COUNTY: policy.thresholds(at)}
            mixed = {CITY: policy.thresholds(at), COUNTY: eager.thresholds(at)}  # two sets of dates
            for thresholds in (same, mixed, {COUNTY: eager.thresholds(at)}, {}):
                with store.unit_of_work() as uow:
                    actual = list(uow.warning_clocks(thresholds))
                assert actual == _warning_clocks(everything, thresholds), (at, thresholds)
                seen.update(clock.level for clock in actual)
        assert seen == set(WarningLevel) - {WarningLevel.NORMAL}, "the scenario reaches every level"

    def test_warning_clocks_see_the_units_own_writes(self, store: Store) -> None:
        s = build_scenario(store)
        signed = s.problems["signed"]
        due = signed.assignment.deadline("progress") if signed.assignment else None
        assert due is not None
        at = datetime.combine(due.last_day, datetime.min.time(), tzinfo=BEIJING) + timedelta(hours=9)
        thresholds = {CITY: DeadlinePolicy.default().thresholds(at)}
        reported, event = _report_progress(signed, at)
        with store.unit_of_work() as uow:
            before = [c.clock for c in uow.warning_clocks(thresholds) if c.problem_id == signed.id]
            uow.save_problem(reported, event)
            after = [c.clock for c in uow.warning_clocks(thresholds) if c.problem_id == signed.id]
        assert "progress" in before, "the progress report is due that day"
        assert "progress" not in after, "staged: the report stops the clock"

    # --- the outbox ---------------------------------------------------------------------

    def test_notifications_are_committed_with_their_command(self, store: Store) -> None:
        s = build_scenario(store)
        keys = {e.key for e in store.outbox().entries(limit=1000)}
        signed = s.problems["signed"]
        assert f"problem:{signed.id}:v4:assigned:console" in keys
        entry = next(
            e for e in store.outbox().entries(limit=1000) if e.key.startswith(f"problem:{signed.id}:")
        )
        assert entry.status is OutboxStatus.PENDING
        assert entry.notification.subject.startswith("【交办通知】")

    def test_queuing_is_idempotent_and_rolled_back_with_its_unit(self, store: Store) -> None:
        build_scenario(store)
        entry = _outbox_entry("contract:once")
        with store.unit_of_work() as uow:
            assert uow.enqueue(entry) is True
            assert uow.enqueue(entry) is False  # staged already
        assert "contract:once" not in {e.key for e in store.outbox().entries(limit=1000)}  # rolled back
        with store.unit_of_work() as uow:
            assert uow.enqueue(entry) is True
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.enqueue(entry) is False  # committed already
            uow.commit()
        assert [e.key for e in store.outbox().entries(limit=1000)].count("contract:once") == 1

    def test_a_new_entry_is_stored_once_even_if_its_key_was_queued(self, store: Store) -> None:
        build_scenario(store)
        first, again = _outbox_entry("contract:new"), _outbox_entry("contract:new")
        with store.unit_of_work() as uow:
            uow.enqueue_new(first)
            uow.enqueue_new(again)  # staged already: kept once
            uow.commit()
        with store.unit_of_work() as uow:
            uow.enqueue_new(again)  # committed already: skipped at commit, not an error
            uow.commit()
        keys = [e.key for e in store.outbox().entries(limit=1000)]
        assert keys.count("contract:new") == 1

    def test_claims_are_leased_and_outcomes_recorded(self, store: Store) -> None:
        build_scenario(store)
        outbox = store.outbox()
        now = datetime(2030, 1, 1, tzinfo=UTC)  # every queued entry is due by then
        first = outbox.claim(now, limit=2, lease=timedelta(minutes=5), worker="a")
        rest = outbox.claim(now, limit=1000, lease=timedelta(minutes=5), worker="b")
        assert len(first) == 2
        assert not {e.key for e in first} & {e.key for e in rest}
        assert outbox.claim(now, limit=1000, lease=timedelta(minutes=5), worker="c") == []
        sent, failed = first
        assert outbox.mark_sent(sent.key, now, worker="a", token=sent.claim_token) is True
        assert outbox.mark_failed(
            failed.key, "550 rejected", retry_at=None, worker="a", token=failed.claim_token
        )
        [dead] = outbox.entries(OutboxStatus.DEAD)
        assert (dead.key, dead.attempts, dead.last_error) == (failed.key, 1, "550 rejected")
        assert outbox.retry([failed.key]) == 1
        assert outbox.entries(OutboxStatus.DEAD) == []
        expired = outbox.claim(now + timedelta(minutes=5), limit=1000, lease=timedelta(minutes=5), worker="d")
        assert {e.key for e in expired} == {e.key for e in rest} | {
            failed.key
        }  # leases ran out; sent stays sent
        assert outbox.purge(OutboxStatus.SENT, before=now + timedelta(days=1)) == 1

    def test_a_purge_keeps_entries_due_after_its_cutoff(self, store: Store) -> None:
        # A reminder queued today for a later day (`govbiz remind --future`) is what stops that day's
        # sweep queuing it again: purging up to that day must not take it.
        build_scenario(store)
        queued = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)
        later = attrs.evolve(_outbox_entry("contract:later"), next_attempt_at=queued + timedelta(days=2))
        now_due = attrs.evolve(_outbox_entry("contract:now"), next_attempt_at=queued)
        with store.unit_of_work() as uow:
            uow.enqueue_new(later)
            uow.enqueue_new(now_due)
            uow.commit()
        outbox = store.outbox()
        assert outbox.purge(OutboxStatus.PENDING, before=queued + timedelta(days=1)) >= 1
        left = {e.key for e in outbox.entries(OutboxStatus.PENDING, limit=100_000)}
        assert "contract:later" in left
        assert "contract:now" not in left

    def test_claims_are_fenced_by_their_token(self, store: Store) -> None:
        # A dispatcher whose delivery outlasts its lease must not record over the next claim's outcome.
        build_scenario(store)
        outbox = store.outbox()
        now, lease = datetime(2030, 1, 1, tzinfo=UTC), timedelta(minutes=5)
        [stale] = outbox.claim(now, limit=1, lease=lease, worker="a")
        [current] = outbox.claim(now + lease, limit=1, lease=lease, worker="b")  # a's lease ran out
        assert current.key == stale.key
        assert stale.claim_token
        assert current.claim_token not in ("", stale.claim_token)
        key, later = stale.key, now + lease + timedelta(seconds=1)
        assert outbox.renew(key, token=stale.claim_token, until=later + lease) is False
        assert outbox.mark_sent(key, later, worker="a", token=stale.claim_token) is False
        assert (
            outbox.mark_failed(key, "timeout", retry_at=later, worker="a", token=stale.claim_token) is False
        )
        assert outbox.mark_superseded(key, "met", worker="a", token=stale.claim_token) is False
        assert outbox.mark_sent(key, later, worker="a", token="") is False
        [entry] = [e for e in outbox.entries(limit=1000) if e.key == key]
        assert (entry.status, entry.attempts, entry.claimed_by) == (OutboxStatus.PENDING, 0, "b")
        # The holder renews: the entry stays its own past the first lease.
        assert outbox.renew(key, token=current.claim_token, until=now + 3 * lease) is True
        renewed = outbox.claim(now + 2 * lease + timedelta(seconds=1), limit=1000, lease=lease, worker="c")
        assert key not in {e.key for e in renewed}
        assert outbox.mark_sent(key, later, worker="b", token=current.claim_token) is True
        assert outbox.mark_sent(key, later, worker="b", token=current.claim_token) is False  # marked once
        assert outbox.renew(key, token=current.claim_token, until=now + 4 * lease) is False
        [entry] = [e for e in outbox.entries(OutboxStatus.SENT, limit=1000) if e.key == key]
        assert entry.sent_at == later

    def test_a_batch_longer_than_the_lease_sends_each_entry_once(self, store: Store) -> None:
        # Each delivery takes 0.6 of the lease: the batch outlasts it, and a second dispatcher
        # runs meanwhile.  Renewed before each delivery, the first keeps what it is sending; the
        # entry it reaches only after its lease ran out was taken over, and it sends it no more.
        build_scenario(store)
        lease = timedelta(minutes=5)
        clock = ManualClock(datetime(2030, 1, 1, tzinfo=UTC))
        delivered: list[tuple[str, str]] = []
        reports: dict[str, DispatchReport] = {}

        class Slow:
            name = "console"

            def __init__(self, worker: str) -> None:
                self.worker = worker

            def deliver(self, notification: Notification) -> None:
                delivered.append((self.worker, notification.key))
                clock.advance(lease * 0.6)
                if len(delivered) == 2:  # while a delivers its second entry, b runs a round
                    reports["b"] = dispatcher("b", 1).run_once()

        def dispatcher(worker: str, batch: int) -> Dispatcher:
            return Dispatcher(store.outbox(), {"console": Slow(worker)}, clock, worker=worker, batch=batch,
                              lease=lease, timeout=60.0)  # fmt: skip

        reports["a"] = dispatcher("a", 3).run_once()
        first, second, third = (key for _, key in delivered[:3])
        assert delivered == [("a", first), ("a", second), ("b", third)]  # nothing sent twice
        assert reports["a"].sent == (first, second)
        assert reports["a"].lost == (third,)
        assert reports["b"].sent == (third,)
        sent = {e.key for e in store.outbox().entries(OutboxStatus.SENT, limit=1000)}
        assert {first, second, third} <= sent

    def test_a_dispatcher_that_outlasted_its_lease_records_nothing(self, store: Store) -> None:
        # A paused dispatcher (its delivery outlasts the lease) fails to deliver; meanwhile another
        # claimed the entry and sent it.  The stale failure must not turn the sent entry dead.
        build_scenario(store)
        lease = timedelta(minutes=5)
        clock = ManualClock(datetime(2030, 1, 1, tzinfo=UTC))
        later: list[DispatchReport] = []

        class Paused:
            name = "console"

            def deliver(self, notification: Notification) -> None:
                clock.advance(lease * 2)
                later.append(Dispatcher(store.outbox(), {"console": Quick()}, clock, worker="b", batch=1,
                                        lease=lease, timeout=60.0).run_once())  # fmt: skip
                raise DeliveryError("console", "550 mailbox unavailable", permanent=True)

        class Quick:
            name = "console"

            def deliver(self, notification: Notification) -> None:
                pass

        stale = Dispatcher(store.outbox(), {"console": Paused()}, clock, worker="a", batch=1,
                           lease=lease, timeout=60.0).run_once()  # fmt: skip
        [key] = stale.lost
        assert stale.dead == ()
        assert later[0].sent == (key,)
        [entry] = [e for e in store.outbox().entries(limit=1000) if e.key == key]
        # the lost claim's attempt is not counted, the one that delivered it is
        assert (entry.status, entry.attempts, entry.last_error) == (OutboxStatus.SENT, 1, "")

    def test_a_released_claim_is_due_again_at_once_and_fenced(self, store: Store) -> None:
        # A worker stopping mid-batch gives back what it has not delivered, for another to take now.
        build_scenario(store)
        outbox = store.outbox()
        now, lease = datetime(2030, 1, 1, tzinfo=UTC), timedelta(minutes=5)
        [entry] = outbox.claim(now, limit=1, lease=lease, worker="a")
        assert outbox.release(entry.key, token="not-the-claim") is False
        assert outbox.release(entry.key, token=entry.claim_token) is True
        [again] = outbox.claim(now, limit=1, lease=lease, worker="b")  # within a's lease
        assert (again.key, again.attempts, again.claimed_by) == (entry.key, 0, "b")
        assert outbox.mark_sent(entry.key, now, worker="a", token=entry.claim_token) is False
        assert outbox.mark_sent(entry.key, now, worker="b", token=again.claim_token) is True

    def test_stats_count_each_status_and_date_the_oldest_due_entry(self, store: Store) -> None:
        build_scenario(store)
        outbox = store.outbox()
        now, lease = datetime(2030, 1, 1, tzinfo=UTC), timedelta(minutes=5)
        pending = outbox.entries(OutboxStatus.PENDING, limit=100_000)
        before = outbox.stats(now)
        assert before.count(OutboxStatus.PENDING) == len(pending) >= 2
        assert before.oldest_due == min(e.created_at for e in pending)
        assert before.oldest_due_age(now) == (now - before.oldest_due).total_seconds()
        first, second = outbox.claim(now, limit=2, lease=lease, worker="a")
        outbox.mark_sent(first.key, now, worker="a", token=first.claim_token)
        outbox.mark_failed(second.key, "550", retry_at=None, worker="a", token=second.claim_token)
        after = outbox.stats(now)
        assert after.count(OutboxStatus.SENT) == before.count(OutboxStatus.SENT) + 1
        assert after.count(OutboxStatus.DEAD) == before.count(OutboxStatus.DEAD) + 1
        assert after.count(OutboxStatus.PENDING) == len(pending) - 2
        claimed = outbox.claim(now, limit=100_000, lease=lease, worker="b")
        assert outbox.stats(now).oldest_due is None  # all claimed: nothing waits for a dispatcher
        assert outbox.stats(now).count(OutboxStatus.PENDING) == len(claimed)

    def test_a_dead_entry_made_pending_again_is_not_its_old_claims(self, store: Store) -> None:
        build_scenario(store)
        outbox = store.outbox()
        now, lease = datetime(2030, 1, 1, tzinfo=UTC), timedelta(minutes=5)
        [entry] = outbox.claim(now, limit=1, lease=lease, worker="a")
        assert outbox.mark_failed(entry.key, "550", retry_at=None, worker="a", token=entry.claim_token)
        assert outbox.retry([entry.key]) == 1
        assert outbox.mark_sent(entry.key, now, worker="a", token=entry.claim_token) is False
        [again] = outbox.claim(now, limit=1, lease=lease, worker="b")
        assert (again.key, again.attempts) == (entry.key, 0)
        assert outbox.mark_sent(entry.key, now, worker="b", token=again.claim_token) is True


def _outbox_entry(key: str) -> OutboxEntry:
    note = Notification(key=key, channel="console", recipients=("市自规局",), subject="测试", body="正文")
    return OutboxEntry(notification=note, county=CITY, created_at=datetime(2025, 4, 1, 9, 0, tzinfo=UTC))
