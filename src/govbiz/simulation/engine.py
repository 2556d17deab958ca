"""The discrete-event engine (离散事件仿真): plays a plan out through the Ledger.

Every step of the reception-day mechanism is an event on a priority queue
ordered by its Beijing-time instant.  The engine pops the next event, moves
the `ManualClock` to it and runs it, and a step is always a
`Ledger.handle(actor, command)` by the actor who does it in life (the
collector collects, the chair assigns, the department reports, the
supervision office reminds).  Nothing else changes state: the engine keeps
only the `Problem` values the ledger returned, to decide what happens next.

Randomness is per problem (`random.Random("<seed>/<problem>")`), so the
order in which events interleave never shifts another problem's draws: the
same seed always gives the same ledger.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import attrs

from govbiz import commands as c
from govbiz.calendar import WorkingCalendar
from govbiz.clock import ManualClock, beijing
from govbiz.deadlines import Deadline, DeadlinePolicy, WarningLevel
from govbiz.domain import Actor, DueDate, Problem, ProblemState, Role
from govbiz.errors import CalendarCoverageError
from govbiz.ledger import Ledger
from govbiz.ports.channel import Notification
from govbiz.simulation.plan import Fate, ProblemPlan, SessionPlan, UnitPlan
from govbiz.simulation.scenario import CaseStep, LastingRuleSpec, Scenario

__all__ = ["Engine", "RunStats"]

#: States whose department clocks the daily sweep watches (reminders are allowed in them).
_WATCHED = frozenset(
    {ProblemState.ASSIGNED, ProblemState.SIGNED, ProblemState.IN_PROGRESS, ProblemState.REDO}
)
#: States in which the lead department handles the problem (and may ask for more time).
_HANDLING = frozenset({ProblemState.SIGNED, ProblemState.IN_PROGRESS, ProblemState.REDO})
#: A clock with more calendar days left than this cannot be approaching (2 working days
#: never span more than the longest holiday plus two weekends), so the sweep skips it.
_FAR_DAYS = 14
#: Hours of the sources (收集渠道): dinner meetings are in the evening.
_SOURCE_HOURS = {"晚餐例会": 19, "恳谈会": 15, "座谈会": 9, "商协会": 14, "接待日现场": 9}

Notify = Callable[[Notification], None]


@attrs.define
class RunStats:
    """What the engine did: commands by kind, notifications, reminders, per-case problem ids."""

    commands: Counter[str] = attrs.Factory(Counter)
    notifications: Counter[str] = attrs.Factory(Counter)
    events: int = 0
    cases: dict[str, dict[str, str]] = attrs.Factory(dict)
    lasting_rules: list[str] = attrs.Factory(list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready counts."""
        return {
            "commands": dict(sorted(self.commands.items())),
            "notifications": dict(sorted(self.notifications.items())),
            "events": self.events,
        }


@attrs.define
class _Actors:
    """Who acts in one division."""

    admin: Actor
    collector: Actor
    secretariat: Actor
    supervisor: Actor
    chairs: dict[str, Actor]
    handlers: dict[str, Actor]


@attrs.define
class _Track:
    """One problem as the engine follows it: its plan, its randomness and its latest state."""

    plan: ProblemPlan
    unit: UnitPlan
    rng: random.Random
    problem: Problem | None = None
    lead: str = ""
    fate: Fate = Fate.SOLVED
    latest: datetime | None = None  # the step that settles the fate must happen by then
    unsatisfied: bool = False

    @property
    def id(self) -> str:
        assert self.problem is not None
        return self.problem.id


class Engine:
    """Runs the plan of every division from the scenario's start to `as_of` (inclusive).

    `notify` receives every notification (assignment, warning, reminder,
    circular, lasting rule); `on_day` is called at the start of each
    simulated day (for a progress bar).
    """

    def __init__(
        self,
        scenario: Scenario,
        ledger: Ledger,
        clock: ManualClock,
        units: list[UnitPlan],
        *,
        seed: int,
        as_of: date,
        notify: Notify | None = None,
        on_day: Callable[[date], None] | None = None,
    ) -> None:
        if ledger.clock is not clock:
            raise ValueError("the ledger must run on the engine's ManualClock")
        self.scenario = scenario
        self.ledger = ledger
        self.clock = clock
        self.units = units
        self.seed = seed
        self.as_of = as_of
        self.end = _at(as_of + timedelta(days=1), 0)
        self.stats = RunStats()
        self._notify = notify
        self._on_day = on_day
        self._queue: list[tuple[datetime, int, Callable[..., None], tuple[Any, ...]]] = []
        self._seq = 0
        self._actors: dict[str, _Actors] = {}
        self._policies: dict[str, DeadlinePolicy] = {}
        self._enterprises: dict[tuple[str, str], str] = {}
        self._sessions: dict[tuple[str, int], str] = {}
        self._tracks: dict[str, list[_Track]] = {}  # unit -> its problems, in collection order
        self._watch: dict[str, _Track] = {}
        self._recurrences: Counter[tuple[str, str]] = Counter()
        self._rules: dict[tuple[str, str], str] = {}
        self._reminded: dict[str, set[str]] = {}  # unit -> problems reminded since the last circular
        self._restored: dict[tuple[int, str, datetime, date], Deadline] = {}

    # === running =======================================================================

    def run(self) -> RunStats:
        """Play every event up to the end of `as_of`; leave the clock there."""
        start = _at(self.scenario.start, 8)
        self._schedule(start, self._setup)
        self._schedule(_at(self.scenario.start, 9), self._day, self.scenario.start)
        while self._queue and self._queue[0][0] < self.end:
            at, _, step, args = heapq.heappop(self._queue)
            self.clock.set(at)
            step(*args)
            self.stats.events += 1
        self.clock.set(self.end - timedelta(seconds=1))
        return self.stats

    def _schedule(self, at: datetime, step: Callable[..., None], *args: Any) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (at, self._seq, step, args))

    def _handle(self, actor: Actor, command: c.Command[Any]) -> Any:
        self.stats.commands[type(command).__name__] += 1
        return self.ledger.handle(actor, command)

    def _notice(self, kind: str, key: str, recipients: tuple[str, ...], subject: str, body: str = "") -> None:
        self.stats.notifications[kind] += 1
        if self._notify is not None:
            self._notify(Notification(key, "", recipients, subject, body or subject, {"kind": kind}))

    # === set-up: divisions, departments, enterprises, sessions ==========================

    def _setup(self) -> None:
        for unit in self.units:
            self._register(unit)
        for unit in self.units:
            self._policies[unit.code] = self.ledger.policy(unit.code)
            for session in unit.sessions:
                self._schedule(_at(session.planned_on, 8, 30), self._plan_session, unit, session)

    def _register(self, unit: UnitPlan) -> None:
        registrar = Actor(
            id=f"{unit.parent or unit.code}-admin", role=Role.ADMINISTRATOR, county=unit.parent or unit.code
        )
        self._handle(
            registrar,
            c.RegisterDivision(code=unit.code, name=unit.name, level=unit.level, parent=unit.parent),
        )
        actors = self._make_actors(unit)
        self._actors[unit.code] = actors
        for dept in unit.departments.values():
            self._handle(
                actors.admin,
                c.RegisterDepartment(
                    code=dept.code, name=dept.name, short_name=dept.short_name, county=unit.code
                ),
            )
        for e in unit.enterprises:
            contacts = (
                [{"name": e.contact, "phone": e.phone, "position": e.contact_position}] if e.contact else []
            )
            enterprise = self._handle(
                actors.admin,
                c.RegisterEnterprise(
                    county=unit.code,
                    name=e.name,
                    credit_code=e.credit_code,
                    contacts=contacts,
                    industry=e.industry,
                ),
            )
            self._enterprises[(unit.code, e.key)] = enterprise.id

    def _make_actors(self, unit: UnitPlan) -> _Actors:
        offices = self.scenario.offices
        county = unit.code

        def actor(key: str, role: Role, name: str, **extra: Any) -> Actor:
            return Actor(id=f"{county}-{key}", role=role, county=county, name=name, **extra)

        return _Actors(
            admin=actor("admin", Role.ADMINISTRATOR, "系统管理员"),
            collector=actor("tzb", Role.COLLECTOR, offices.collector),
            secretariat=actor("bgs", Role.SECRETARIAT, offices.secretariat),
            supervisor=actor("dcs", Role.SUPERVISOR, offices.supervisor),
            chairs={k: actor(f"leader-{k}", Role.CHAIR, leader.label) for k, leader in unit.leaders.items()},
            handlers={
                k: actor(f"dept-{k}", Role.DEPARTMENT_HANDLER, d.short_name, department=d.code)
                for k, d in unit.departments.items()
            },
        )

    def _plan_session(self, unit: UnitPlan, session: SessionPlan) -> None:
        chair = unit.leaders[session.chair]
        leads = sorted({unit.departments[p.lead].code for p in session.problems})
        record = self._handle(
            self._actors[unit.code].secretariat,
            c.PlanSession(
                county=unit.code,
                held_on=session.held_on,
                kind=session.kind,
                chair_title=chair.title,
                chair_name=chair.name,
                place=session.place,
                topic=session.topic,
                departments=tuple(leads),
                attendees=tuple(unit.leaders[k].label for k in session.attendees),
            ),
        )
        self._sessions[(unit.code, session.number)] = record.id
        tracks = []
        for index, problem in enumerate(session.problems):
            track = _Track(problem, unit, random.Random(f"{self.seed}/{unit.code}/{problem.key}"))
            tracks.append(track)
            hour = _SOURCE_HOURS.get(problem.source, 10)
            self._schedule(_at(problem.collected_on, hour, index % 60), self._collect, track, session)
        self._schedule(_at(session.held_on, 9, 30), self._hold_session, unit, session, tracks)

    # === collection and the session =====================================================

    def _collect(self, track: _Track, session: SessionPlan) -> None:
        plan, unit = track.plan, track.unit
        actors = self._actors[unit.code]
        enterprise = self._enterprises[(unit.code, plan.enterprise)]
        problem = self._handle(
            actors.collector,
            c.CollectProblem(
                enterprise_id=enterprise, title=plan.title, category=plan.category, source=plan.source
            ),
        )
        track.problem = problem
        self._tracks.setdefault(unit.code, []).append(track)
        # 分析研判 the next working day (at once for problems raised at the session itself).
        day = self.clock.now().date()
        triage_day = day if plan.case else self._add_wd(unit, day, 1)
        triage_at = self.clock.now() + timedelta(minutes=5) if plan.case else _at(triage_day, 9, 15)
        self._schedule(min(triage_at, _at(session.held_on, 9, 20)), self._triage, track, session)

    def _triage(self, track: _Track, session: SessionPlan) -> None:
        actors = self._actors[track.unit.code]
        self._handle(
            actors.collector, c.TriageProblem(problem_id=track.id, note=f"归类为{track.plan.category}")
        )
        session_id = self._sessions[(track.unit.code, session.number)]
        track.problem = self._handle(
            actors.secretariat, c.ScheduleProblem(problem_id=track.id, session_id=session_id)
        )

    def _hold_session(self, unit: UnitPlan, session: SessionPlan, tracks: list[_Track]) -> None:
        chair = unit.leaders[session.chair]
        label = session.topic or "政企面对面暨企业家接待日"
        self._notice(
            "session", f"session:{unit.code}:{session.number}", (unit.name,),
            f"{session.held_on} {chair.label}主持{label}，现场交办问题{len(session.problems)}个",
        )  # fmt: skip
        for index, track in enumerate(sorted(tracks, key=lambda t: t.id)):
            self._schedule(self.clock.now() + timedelta(minutes=30 + 4 * index), self._assign, track, session)

    def _assign(self, track: _Track, session: SessionPlan) -> None:
        plan, unit, rng = track.plan, track.unit, track.rng
        actors = self._actors[unit.code]
        today = self.clock.now().date()
        fixed: dict[str, date] = {}
        if plan.result_due is not None:
            fixed["result"] = plan.result_due
        elif not plan.case and rng.random() < self.scenario.behaviour.on_the_spot:
            fixed["result"] = self._calendar(unit).next_working_day_on_or_after(
                today + timedelta(rng.randint(15, 28))
            )
        track.lead = plan.lead
        problem = self._handle(
            actors.chairs[session.chair],
            c.AssignProblem(
                problem_id=track.id,
                lead=unit.departments[plan.lead].code,
                co_handlers=tuple(unit.departments[k].code for k in plan.co_handlers),
                deadlines=fixed,
            ),
        )
        self._update(track, problem)
        self._announce_assignment(track)
        self._choose_fate(track)
        self._recur(track)
        if plan.case:
            self._script_case(track)
        elif rng.random() < self.scenario.behaviour.returned:
            self._schedule(self.clock.now() + timedelta(hours=3), self._return, track)
        else:
            self._schedule_sign(track)

    def _announce_assignment(self, track: _Track) -> None:
        problem = track.problem
        assert problem is not None
        assert problem.assignment is not None
        progress = problem.assignment.deadline("progress")
        result = problem.assignment.deadline("result")
        dept = track.unit.departments[track.lead]
        due = (
            f"请于{progress.last_day}前报送落实情况、{result.last_day}前报送办理结果"
            if progress and result
            else ""
        )
        spot = "（现场明确解决期限）" if problem.assignment.on_the_spot else ""
        self._notice(
            "assignment", f"assign:{problem.id}:{problem.assignment.round}", (dept.short_name,),
            f"【交办】{problem.id} {problem.title}：{due}{spot}",
        )  # fmt: skip

    def _choose_fate(self, track: _Track) -> None:
        plan, rng = track.plan, track.rng
        behaviour = self.scenario.behaviour
        if plan.fate is not None:
            track.fate = plan.fate
        else:
            names = [n for n, w in behaviour.outcomes.items() if w > 0] or ["solved"]
            track.fate = Fate(rng.choices(names, [behaviour.outcomes.get(n, 1.0) for n in names])[0])
        if plan.in_window:
            # A fate settled by the target date must be settled that day at the latest;
            # an open one must stay open past it.
            track.latest = _at(self.scenario.as_of, 16)
        track.unsatisfied = track.fate is Fate.SOLVED and rng.random() < behaviour.unsatisfied

    # === lasting rules (长效机制) ========================================================

    def _recur(self, track: _Track) -> None:
        key = (track.unit.code, track.plan.category)
        self._recurrences[key] += 1
        if key in self._rules:
            self._link(track, self._rules[key])
            return
        for rule in self.scenario.lasting_rules:
            if rule.category == track.plan.category and self._recurrences[key] == rule.after:
                day = self.clock.now().date() + timedelta(days=rule.drafting_days)
                issue_at = self._work_time(track, day).replace(hour=11, minute=0)
                self._schedule(issue_at, self._issue_rule, track.unit, rule)

    def _issue_rule(self, unit: UnitPlan, rule: LastingRuleSpec) -> None:
        dept = unit.departments[rule.issued_by]
        record = self._handle(
            self._actors[unit.code].handlers[rule.issued_by],
            c.RecordLastingRule(
                county=unit.code, title=rule.title, issued_by=dept.code, issued_on=self.clock.now().date(),
                document_number=rule.document_number, summary=rule.summary,
            ),
        )  # fmt: skip
        self._rules[(unit.code, rule.category)] = record.id
        self.stats.lasting_rules.append(record.id)
        for track in self._tracks.get(unit.code, []):
            if track.plan.category == rule.category:
                self._link(track, record.id)
        self._notice(
            "lasting_rule", f"rule:{record.id}", (unit.name,),
            f"【长效机制】{dept.short_name}出台《{rule.title}》，关联同类问题",
        )  # fmt: skip

    def _link(self, track: _Track, rule_id: str) -> None:
        problem = track.problem
        if problem is None or problem.assignment is None or problem.state is ProblemState.RETURNED:
            return
        if rule_id in problem.lasting_rules:
            return
        collector = self._actors[track.unit.code].collector
        self._update(
            track, self._handle(collector, c.LinkLastingRule(problem_id=problem.id, rule_id=rule_id))
        )

    # === the department's handling ======================================================

    def _return(self, track: _Track) -> None:
        unit, rng = track.unit, track.rng
        category = self.scenario.category(track.plan.category)
        others = [k for k in [*category.leads, *category.co_handlers] if k != track.lead]
        others = others or [k for k in unit.departments if k != track.lead]
        proposed = rng.choice(others)
        handler = self._actors[unit.code].handlers[track.lead]
        problem = self._handle(
            handler,
            c.ReturnAssignment(
                problem_id=track.id,
                reason="不属于本单位职责",
                proposed_department=unit.departments[proposed].code,
            ),
        )
        self._update(track, problem)
        self._notice(
            "return", f"return:{track.id}", (self.scenario.offices.secretariat,),
            f"【退回】{unit.departments[track.lead].short_name}退回{track.id}，建议由{unit.departments[proposed].short_name}办理",
        )  # fmt: skip
        day = self._add_wd(unit, self.clock.now().date(), 1)
        self._schedule(_at(day, 9, 30), self._reassign, track, proposed)

    def _reassign(self, track: _Track, lead: str) -> None:
        track.lead = lead
        unit = track.unit
        co = tuple(unit.departments[k].code for k in track.plan.co_handlers if k != lead)
        problem = self._handle(
            self._actors[unit.code].secretariat,
            c.ReassignProblem(problem_id=track.id, lead=unit.departments[lead].code, co_handlers=co),
        )
        self._update(track, problem)
        self._announce_assignment(track)
        self._schedule_sign(track)

    def _schedule_sign(self, track: _Track) -> None:
        now = self.clock.now()
        if track.rng.random() < self.scenario.behaviour.sign_late:
            day = self._add_wd(track.unit, now.date(), 2)
            self._schedule(_at(day, 10, 30), self._sign, track)
        else:
            self._schedule(now + timedelta(hours=2), self._sign, track)

    def _sign(self, track: _Track) -> None:
        handler = self._actors[track.unit.code].handlers[track.lead]
        self._update(track, self._handle(handler, c.SignAssignment(problem_id=track.id)))
        self._plan_round(track)

    def _plan_round(self, track: _Track) -> None:
        """Schedule one round of handling: progress, maybe an extension, the result."""
        problem, rng, _cal = track.problem, track.rng, self._calendar(track.unit)
        assert problem is not None
        assert problem.assignment is not None
        behaviour = self.scenario.behaviour
        now = self.clock.now()
        progress_due = problem.assignment.deadline("progress")
        result_due = problem.assignment.deadline("result")
        assert progress_due is not None
        assert result_due is not None
        start = now.date()
        progress_day = self._add_wd(track.unit, start, rng.randint(1, 5))
        if rng.random() < behaviour.progress_late:
            progress_day = self._add_wd(
                track.unit, progress_due.last_day, rng.randint(1, behaviour.late_working_days)
            )
        progress_at = max(self._work_time(track, progress_day), now + timedelta(hours=1))
        if track.latest is not None and (track.fate.completed or track.fate is Fate.LONG_TERM):
            progress_at = self._by_latest(track, progress_at, now)
        self._schedule(progress_at, self._progress, track)
        self._plan_result(track, progress_at, result_due.last_day)

    def _plan_result(self, track: _Track, after: datetime, last_day: date) -> None:
        rng, _cal, behaviour = track.rng, self._calendar(track.unit), self.scenario.behaviour
        fate = track.fate
        if fate is Fate.OPEN:
            self._plan_open(track, after, last_day)
            return
        roll = rng.random()
        if roll < behaviour.result_late:
            day = self._add_wd(track.unit, last_day, rng.randint(1, behaviour.late_working_days))
            result_at = self._work_time(track, day)
        elif roll < behaviour.result_late + behaviour.extension and self._can_extend(
            track,
            after,
            last_day,
            new_last := self._extended_day(track, last_day + timedelta(rng.randint(10, 30))),
        ):
            result_at = self._extend(track, after, last_day, new_last)
        else:
            result_at = self._between(track, after, _at(last_day, 17))
        outcome = "long_term" if fate is Fate.LONG_TERM else fate.value
        if track.latest is not None:
            result_at = self._by_latest(track, result_at, after)
            # A redo must fit before the target date too, or the enterprise is simply satisfied.
            if result_at > track.latest - timedelta(days=30):
                track.unsatisfied = False
        self._schedule(result_at, self._result, track, outcome)

    def _plan_open(self, track: _Track, after: datetime, last_day: date) -> None:
        """Still open on the target date: report after it, within the deadline or an extension."""
        rng, _cal = track.rng, self._calendar(track.unit)
        target = self.scenario.as_of if track.plan.in_window else after.date() + timedelta(days=30)
        first = self._work_time(track, target + timedelta(days=1))
        new_last = self._extended_day(track, target + timedelta(days=rng.randint(10, 40)))
        if last_day > target:
            result_at = self._between(track, max(after, first), _at(last_day, 17))
        elif self._can_extend(track, after, last_day, new_last):
            self._extend(track, after, last_day, new_last)
            result_at = self._between(track, first, _at(new_last, 17))
        else:  # no time left to ask: the department is simply late, and reminded daily
            result_at = first + timedelta(days=rng.randint(0, 7))
        outcomes = ["solved", "partially_solved", "explained"]
        self._schedule(result_at, self._result, track, rng.choices(outcomes, [8, 1, 1])[0])

    def _can_extend(self, track: _Track, after: datetime, last_day: date, new_last: date) -> bool:
        """An extension must be asked for a working day before the last day, and add time."""
        latest_request = self._add_wd(track.unit, last_day, -2)
        return after.date() <= latest_request and new_last > last_day

    def _extended_day(self, track: _Track, day: date) -> date:
        """A working day to extend to, never past the calendar's last covered day."""
        cal = self._calendar(track.unit)
        return cal.next_working_day_on_or_after(min(day, cal.last_date - timedelta(days=10)))

    def _extend(self, track: _Track, after: datetime, last_day: date, new_last: date) -> datetime:
        """Schedule the request (申请延期) and its approval; return when the result comes."""
        self._calendar(track.unit)
        request_day = max(after.date(), self._add_wd(track.unit, last_day, -track.rng.randint(2, 4)))
        request_at = max(after + timedelta(minutes=30), _at(request_day, 10))
        self._schedule(request_at, self._request_extension, track, new_last)
        self._schedule(request_at + timedelta(hours=2), self._decide_extension, track)
        return self._between(track, request_at + timedelta(days=1), _at(new_last, 17))

    def _progress(self, track: _Track) -> None:
        handler = self._actors[track.unit.code].handlers[track.lead]
        problem = track.problem
        assert problem is not None
        if problem.state not in _HANDLING:
            return
        text = (
            "已召开专题会议研究，明确解决方案和时间表"
            if not problem.redo_count
            else "针对企业回访意见重新研究办理"
        )
        self._update(track, self._handle(handler, c.ReportProgress(problem_id=track.id, text=text)))

    def _request_extension(self, track: _Track, new_last: date) -> None:
        problem = track.problem
        assert problem is not None
        if problem.state not in _HANDLING or problem.pending_extension is not None:
            return  # the result came first after all
        handler = self._actors[track.unit.code].handlers[track.lead]
        command = c.RequestExtension(
            problem_id=track.id,
            clock="result",
            new_last_day=new_last,
            reason="涉及多部门协调和上级审批，需延长办理期限",
        )
        self._update(track, self._handle(handler, command))

    def _decide_extension(self, track: _Track) -> None:
        problem = track.problem
        if problem is None or problem.state not in _HANDLING or problem.pending_extension is None:
            return
        secretariat = self._actors[track.unit.code].secretariat
        command = c.DecideExtension(problem_id=track.id, approve=True, note="同意延期")
        self._update(track, self._handle(secretariat, command))

    def _result(self, track: _Track, outcome: str) -> None:
        problem = track.problem
        assert problem is not None
        handler = self._actors[track.unit.code].handlers[track.lead]
        texts = {
            "solved": "问题已解决，已向企业反馈",
            "partially_solved": "问题已部分解决，剩余事项纳入常态化跟踪",
            "explained": "受政策限制暂不能解决，已向企业解释说明",
            "long_term": "问题涉及规划调整和上级审批，需长期推进，按月报送进展",
        }
        problem = self._handle(
            handler, c.ReportResult(problem_id=track.id, outcome=outcome, text=texts[outcome])
        )
        self._update(track, problem)
        self._calendar(track.unit)
        if outcome == "long_term":
            self._schedule_long_term(track)
            return
        visit_day = self._add_wd(track.unit, self.clock.now().date(), track.rng.randint(1, 4))
        self._schedule(self._work_time(track, visit_day), self._visit, track)

    def _schedule_long_term(self, track: _Track) -> None:
        """Monthly progress (按月报送进展), then a final result after the target date."""
        rng, _cal = track.rng, self._calendar(track.unit)
        now = self.clock.now()
        after = self.scenario.as_of if track.plan.in_window else now.date()
        final_day = after + timedelta(days=rng.randint(30, 150))
        month = now.date() + timedelta(days=30)
        while month < final_day:
            self._schedule(self._work_time(track, month), self._long_term_progress, track)
            month += timedelta(days=30)
        self._schedule(
            self._work_time(track, final_day), self._result, track, rng.choice(["solved", "partially_solved"])
        )

    def _long_term_progress(self, track: _Track) -> None:
        if track.problem is None or track.problem.state is not ProblemState.LONG_TERM:
            return  # the final result came first
        handler = self._actors[track.unit.code].handlers[track.lead]
        command = c.ReportProgress(problem_id=track.id, text="长期推进：本月完成阶段性工作，继续按计划推进")
        self._update(track, self._handle(handler, command))

    def _visit(self, track: _Track) -> None:
        problem = track.problem
        assert problem is not None
        collector = self._actors[track.unit.code].collector
        satisfied = not track.unsatisfied
        notes = "企业表示满意" if satisfied else "企业表示问题仍未真正解决，要求重办"
        problem = self._handle(
            collector, c.RecordReturnVisit(problem_id=track.id, satisfied=satisfied, notes=notes)
        )
        self._update(track, problem)
        if not satisfied:
            track.unsatisfied = False  # one redo (重办) is enough to satisfy the enterprise
            dept = track.unit.departments[track.lead]
            self._notice(
                "redo", f"redo:{track.id}:{problem.redo_count}", (dept.short_name,),
                f"【重办】{track.id} {problem.title}：企业回访不满意，请重新办理",
            )  # fmt: skip
            self._plan_round(track)

    # === scripted cases =================================================================

    def _script_case(self, track: _Track) -> None:
        plan = track.plan
        case = next(c for c in self.scenario.cases if c.key == plan.case)
        self.stats.cases.setdefault(case.key, {})[plan.case_problem or ""] = track.id
        self._schedule(self.clock.now() + timedelta(hours=4), self._sign_only, track)
        for step in case.steps:
            if not step.problems or plan.case_problem in step.problems:
                self._schedule(step.at, self._case_step, track, step)

    def _sign_only(self, track: _Track) -> None:
        handler = self._actors[track.unit.code].handlers[track.lead]
        self._update(track, self._handle(handler, c.SignAssignment(problem_id=track.id)))

    def _case_step(self, track: _Track, step: CaseStep) -> None:
        actors = self._actors[track.unit.code]
        handler = actors.handlers[track.lead]
        command: c.Command[Any]
        actor = handler
        if step.action == "progress":
            command = c.ReportProgress(problem_id=track.id, text=step.text)
        elif step.action == "result":
            command = c.ReportResult(problem_id=track.id, outcome=step.outcome, text=step.text)
        elif step.action == "return_visit":
            actor = actors.collector
            command = c.RecordReturnVisit(problem_id=track.id, satisfied=step.satisfied, notes=step.text)
        else:  # a leader's research visit (专题调研) pushes the departments on: recorded as 督办
            assert step.by is not None
            leader = track.unit.leaders[step.by]
            actor = Actor(
                id=f"{track.unit.code}-leader-{step.by}",
                role=Role.COLLECTOR,
                county=track.unit.code,
                name=leader.label,
            )
            command = c.SendReminder(problem_id=track.id, kind="supervision", note=step.text)
        self._update(track, self._handle(actor, command))

    # === the daily sweep: warnings, reminders, circulars ================================

    def _day(self, day: date) -> None:
        if self._on_day is not None:
            self._on_day(day)
        if self._calendar(None).is_working_day(day):
            self._sweep()
            if self._first_working_day_of_month(day):
                self._circulars(day)
        self._schedule(_at(day + timedelta(days=1), 9), self._day, day + timedelta(days=1))

    def _sweep(self) -> None:
        """催办 every overdue clock, 督办 the seriously overdue, warn the approaching (notify only)."""
        now = self.clock.now()
        today = now.date()
        for problem_id in sorted(self._watch):
            track = self._watch[problem_id]
            problem = track.problem
            assert problem is not None
            policy = self._policies[track.unit.code]
            worst: tuple[WarningLevel, str] | None = None
            for due in problem.open_deadlines():
                if (due.last_day - today).days > _FAR_DAYS or due.clock == "return_visit":
                    continue
                level = policy.warning_level(self._deadline(policy, due), now)
                if level is not WarningLevel.NORMAL and (worst is None or _rank(level) > _rank(worst[0])):
                    worst = (level, due.clock)
            if worst is not None:
                self._warn(track, *worst)

    def _deadline(self, policy: DeadlinePolicy, due: DueDate) -> Deadline:
        """The policy's view of a stored due date, restored once: the sweep asks daily."""
        key = (id(policy), due.clock, due.start, due.last_day)
        deadline = self._restored.get(key)
        if deadline is None:
            deadline = self._restored[key] = policy.restore(due.clock, due.start, due.last_day)
        return deadline

    def _warn(self, track: _Track, level: WarningLevel, clock: str) -> None:
        problem = track.problem
        assert problem is not None
        dept = track.unit.departments[track.lead]
        label = {"sign": "签收", "progress": "落实情况", "result": "办理结果"}.get(clock, clock)
        today = self.clock.now().date()
        subject = f"{problem.id} {problem.title}：{label}{level.zh}"
        if level in (WarningLevel.APPROACHING, WarningLevel.DUE_TODAY):
            self._notice(
                "warning", f"warn:{problem.id}:{clock}:{today}", (dept.short_name,), f"【预警】{subject}"
            )
            return
        kind = "supervision" if level is WarningLevel.SERIOUSLY_OVERDUE else "reminder"
        note = f"{label}{level.zh}，请立即报送"
        supervisor = self._actors[track.unit.code].supervisor
        self._update(
            track, self._handle(supervisor, c.SendReminder(problem_id=problem.id, kind=kind, note=note))
        )
        self._reminded.setdefault(track.unit.code, set()).add(problem.id)
        tag = "督办" if kind == "supervision" else "催办"
        self._notice(kind, f"{kind}:{problem.id}:{today}", (dept.short_name,), f"【{tag}】{subject}")

    def _first_working_day_of_month(self, day: date) -> bool:
        return self._calendar(None).next_working_day_on_or_after(day.replace(day=1)) == day

    def _circulars(self, day: date) -> None:
        """督查通报 on the previous month, for each division whose departments were reminded."""
        from govbiz.metrics import GroupContext, Grouping
        from govbiz.supervision import generate_circular, publish_command

        period_end = day.replace(day=1) - timedelta(days=1)
        period_start = period_end.replace(day=1)
        reminded, self._reminded = self._reminded, {}
        for unit in self.units:
            if not reminded.get(unit.code):
                continue
            supervisor = self._actors[unit.code].supervisor
            # The division's problems as the ledger last returned them: current, so valid
            # "as of now", without scanning every division's records for each circular.
            problems = [t.problem for t in self._tracks.get(unit.code, []) if t.problem is not None]
            names = {d.code: d.short_name for d in unit.departments.values()}
            draft = generate_circular(
                problems,
                county=unit.code, period_start=period_start, period_end=period_end,
                as_of=self.clock.now(), policy=self._policies[unit.code],
                context=GroupContext(labels={Grouping.DEPARTMENT: names}),
                title=f"关于{period_start.year}年{period_start.month}月交办问题办理情况的督查通报",
            )  # fmt: skip
            if not draft.departments():
                continue
            self._handle(supervisor, publish_command(draft))
            named = tuple(draft.name(d) for d in draft.departments())
            self._notice(
                "circular", f"circular:{unit.code}:{period_start:%Y-%m}", named,
                f"【通报】{draft.title}：点名{len(named)}个单位（{'、'.join(named)}）",
            )  # fmt: skip

    # === helpers ========================================================================

    def _update(self, track: _Track, problem: Problem) -> None:
        """Keep the ledger's answer; watch the problem while a department clock may run."""
        track.problem = problem
        if problem.state in _WATCHED and not problem.suspended:
            self._watch[problem.id] = track
        else:
            self._watch.pop(problem.id, None)

    def _calendar(self, unit: UnitPlan | None) -> WorkingCalendar:
        code = unit.code if unit is not None else self.units[0].code
        policy = self._policies.get(code)
        if policy is None:
            policy = self._policies[code] = self.ledger.policy(code)
        return policy.calendar

    def _add_wd(self, unit: UnitPlan, day: date, n: int) -> date:
        """`n` working days after `day`; past the calendar's years (after the run) calendar days."""
        cal = self._calendar(unit)
        try:
            return cal.add_working_days(day, n)
        except CalendarCoverageError:
            return day + timedelta(days=n)

    def _work_time(self, track: _Track, day: date) -> datetime:
        """A random office hour (10:00–16:45) on `day` moved to a working day."""
        cal = self._calendar(track.unit)
        # Past the calendar's last year the day is after the run anyway: keep it as it is.
        working = cal.next_working_day_on_or_after(day) if day <= cal.last_date else day
        return _at(working, track.rng.randint(10, 16), track.rng.choice((0, 15, 30, 45)))

    def _between(self, track: _Track, first: datetime, last: datetime) -> datetime:
        """A random office hour on a working day from `first` to `last` (or just after `first`)."""
        if last <= first:
            return first + timedelta(minutes=30)
        days = (last.date() - first.date()).days
        for _ in range(10):
            day = first.date() + timedelta(days=track.rng.randint(0, days))
            at = self._work_time(track, day)
            if first < at <= last:
                return at
        return first + timedelta(minutes=30)

    def _by_latest(self, track: _Track, at: datetime, after: datetime) -> datetime:
        """`at`, or a time before the target date's deadline when `at` is too late."""
        assert track.latest is not None
        if at <= track.latest:
            return at
        return self._between(track, after, track.latest)


def _rank(level: WarningLevel) -> int:
    return list(WarningLevel).index(level)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=beijing())
