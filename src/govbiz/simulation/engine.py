"""The discrete-event engine (离散事件仿真): plays a plan out through the Ledger.

Every step of the reception-day mechanism is an event on a priority queue
ordered by its Beijing-time instant.  The engine pops the next event, moves
the `ManualClock` to it and runs it, and a step is always a
`Ledger.handle(actor, command)` by the actor who does it in life (the
collector collects, the chair assigns, the department reports, the
supervision office reminds).  Nothing else changes state: the engine keeps
only the `Problem` values the ledger returned, to decide what happens next.

The engine decides *when*; what each person decides (sign late, ask for
more time, be unsatisfied, press a late department) is in
`govbiz.simulation.actors`.  Notifications are the library's own
(`govbiz.simulation.delivery`): the commands queue them, the daily sweep
of `govbiz remind` runs on each working day, and the dispatcher delivers
everything the instant it is queued.

Randomness is per problem (`random.Random("<seed>/<problem>")`), so the
order in which events interleave never shifts another problem's draws: the
same seed always gives the same ledger.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from govbiz import commands as c
from govbiz.calendar import WorkingCalendar
from govbiz.clock import ManualClock
from govbiz.deadlines import DeadlinePolicy
from govbiz.domain import Actor, Problem, ProblemState, Role
from govbiz.ledger import Ledger
from govbiz.simulation.actors import (
    EXTENSION_REASON,
    LONG_TERM_PROGRESS,
    RESULT_TEXTS,
    Cast,
    Chair,
    Department,
    Enterprise,
    Round,
    SupervisionOffice,
    Track,
    cast_of,
    draw_fate,
)
from govbiz.simulation.delivery import Delivery, Notify
from govbiz.simulation.plan import SessionPlan, UnitPlan
from govbiz.simulation.scenario import CaseProblem, CaseStep, LastingRuleSpec, Scenario
from govbiz.simulation.stats import RunStats
from govbiz.simulation.timing import Timing, at

__all__ = ["Engine", "Notify", "RunStats"]

#: States in which the lead department handles the problem (and may ask for more time).
_HANDLING = frozenset({ProblemState.SIGNED, ProblemState.IN_PROGRESS, ProblemState.REDO})
#: Where a co-handler may still reply to the lead (协办意见).
_CO_HANDLING_STATES = frozenset({ProblemState.ASSIGNED, ProblemState.RETURN_REQUESTED, *_HANDLING})
#: The scripted steps of the county's practice (退单审定, 协办, 核实, 申诉), run by `Engine._practice_step`.
_PRACTICE_STEPS = frozenset(
    {"sign", "return", "decide_return", "co_handling", "verify", "appeal", "decide_appeal"}
)
#: Hours of the sources (收集渠道): dinner meetings are in the evening.
_SOURCE_HOURS = {"晚餐例会": 19, "恳谈会": 15, "座谈会": 9, "商协会": 14, "接待日现场": 9}


class Engine:
    """Runs the plan of every division from the scenario's start to `as_of` (inclusive).

    `notify` receives every notification the library's dispatcher delivered
    (assignments, returns, redos, circulars, the sweep's warnings and
    reminders); `on_day` is called at the start of each simulated day (for a
    progress bar).
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
        self.end = at(as_of + timedelta(days=1), 0)
        self.stats = RunStats()
        self._notify = notify
        self._on_day = on_day
        self._queue: list[tuple[datetime, int, Callable[..., None], tuple[Any, ...]]] = []
        self._seq = 0
        self._casts: dict[str, Cast] = {}
        self._policies: dict[str, DeadlinePolicy] = {}
        self._enterprises: dict[tuple[str, str], str] = {}
        self._sessions: dict[tuple[str, int], str] = {}
        self._tracks: dict[str, list[Track]] = {}  # unit -> its problems, in collection order
        self._followed: dict[str, Track] = {}  # problem id -> its track
        self._recurrences: Counter[tuple[str, str]] = Counter()
        self._rules: dict[tuple[str, str], str] = {}
        self._reminded: dict[str, set[str]] = {}  # unit -> problems reminded since the last circular
        self.timing = Timing(self._calendar)
        self.chair = Chair(scenario, self.timing)
        self.department = Department(scenario, self.timing)
        self.enterprise = Enterprise()
        self.supervision = SupervisionOffice()
        self._delivery: Delivery | None = None

    # === running =======================================================================

    def run(self) -> RunStats:
        """Play every event up to the end of `as_of`; leave the clock there, the outbox delivered."""
        delivery = self._delivery = Delivery(
            self.ledger, [u.code for u in self.units], self.stats, notify=self._notify
        )
        self._schedule(at(self.scenario.start, 8), self._setup)
        self._schedule(at(self.scenario.start, 9), self._day, self.scenario.start)
        while self._queue and self._queue[0][0] < self.end:
            when, _, step, args = heapq.heappop(self._queue)
            self.clock.set(when)
            step(*args)
            delivery.dispatch_queued()  # a dispatcher service delivers as soon as a notice is queued
            self.stats.events += 1
        self.clock.set(self.end - timedelta(seconds=1))
        delivery.finish()
        return self.stats

    def _schedule(self, when: datetime, step: Callable[..., None], *args: Any) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (when, self._seq, step, args))

    def _handle(self, actor: Actor, command: c.Command[Any]) -> Any:
        self.stats.commands[type(command).__name__] += 1
        return self.ledger.handle(actor, command)

    # === set-up: divisions, departments, enterprises, sessions ==========================

    def _setup(self) -> None:
        for unit in self.units:
            self._register(unit)
        self._apply_county_file()
        for unit in self.units:
            self._policies[unit.code] = self.ledger.policy(unit.code)
            for session in unit.sessions:
                self._schedule(at(session.planned_on, 8, 30), self._plan_session, unit, session)

    def _apply_county_file(self) -> None:
        """The county's own rules (`[deadlines]`, `[escalation]` …), applied as a county applies its file."""
        if self.scenario.county_file is None:
            return
        from govbiz.config import parse_county_file
        from govbiz.config.apply import apply_county_file

        file = parse_county_file(self.scenario.county_file, f"{self.scenario.name}.county_file")
        admin = self._casts[self.units[0].code].admin
        apply_county_file(self.ledger, file, actor=admin.id)
        self.stats.commands["KeepCountyConfig"] += 1

    def _register(self, unit: UnitPlan) -> None:
        registrar = Actor(
            id=f"{unit.parent or unit.code}-admin", role=Role.ADMINISTRATOR, county=unit.parent or unit.code
        )
        self._handle(
            registrar,
            c.RegisterDivision(code=unit.code, name=unit.name, level=unit.level, parent=unit.parent),
        )
        cast = self._casts[unit.code] = cast_of(self.scenario, unit)
        for dept in unit.departments.values():
            self._handle(
                cast.admin,
                c.RegisterDepartment(
                    code=dept.code, name=dept.name, short_name=dept.short_name, county=unit.code
                ),
            )
        for e in unit.enterprises:
            contacts = (
                [{"name": e.contact, "phone": e.phone, "position": e.contact_position}] if e.contact else []
            )
            enterprise = self._handle(
                cast.admin,
                c.RegisterEnterprise(
                    county=unit.code,
                    name=e.name,
                    credit_code=e.credit_code,
                    contacts=contacts,
                    industry=e.industry,
                ),
            )
            self._enterprises[(unit.code, e.key)] = enterprise.id

    def _plan_session(self, unit: UnitPlan, session: SessionPlan) -> None:
        chair = unit.leaders[session.chair]
        leads = sorted({unit.departments[p.lead].code for p in session.problems})
        record = self._handle(
            self._casts[unit.code].secretariat,
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
            track = Track(problem, unit, random.Random(f"{self.seed}/{unit.code}/{problem.key}"))
            tracks.append(track)
            hour = _SOURCE_HOURS.get(problem.source, 10)
            self._schedule(at(problem.collected_on, hour, index % 60), self._collect, track, session)
        self._schedule(at(session.held_on, 9, 30), self._hold_session, session, tracks)

    # === collection and the session =====================================================

    def _collect(self, track: Track, session: SessionPlan) -> None:
        plan, unit = track.plan, track.unit
        cast = self._casts[unit.code]
        enterprise = self._enterprises[(unit.code, plan.enterprise)]
        problem = self._handle(
            cast.collector,
            c.CollectProblem(
                enterprise_id=enterprise, title=plan.title, category=plan.category, source=plan.source
            ),
        )
        track.problem = problem
        self._tracks.setdefault(unit.code, []).append(track)
        self._followed[problem.id] = track
        # 分析研判 the next working day (at once for problems raised at the session itself).
        day = self.clock.now().date()
        triage_day = day if plan.case else self.timing.add_working_days(unit, day, 1)
        triage_at = self.clock.now() + timedelta(minutes=5) if plan.case else at(triage_day, 9, 15)
        self._schedule(min(triage_at, at(session.held_on, 9, 20)), self._triage, track, session)

    def _triage(self, track: Track, session: SessionPlan) -> None:
        cast = self._casts[track.unit.code]
        note = f"归类为{track.plan.category}"
        self._handle(cast.collector, c.TriageProblem(problem_id=track.id, note=note))
        session_id = self._sessions[(track.unit.code, session.number)]
        track.problem = self._handle(
            cast.secretariat, c.ScheduleProblem(problem_id=track.id, session_id=session_id)
        )

    def _hold_session(self, session: SessionPlan, tracks: list[Track]) -> None:
        """The session: its problems are assigned one after the other, on the spot."""
        for index, track in enumerate(sorted(tracks, key=lambda t: t.id)):
            self._schedule(self.clock.now() + timedelta(minutes=30 + 4 * index), self._assign, track, session)

    def _assign(self, track: Track, session: SessionPlan) -> None:
        plan, unit = track.plan, track.unit
        fixed: dict[str, date] = {}
        on_the_spot = self.chair.deadline_on_the_spot(track, self.clock.now().date())
        if on_the_spot is not None:
            fixed["result"] = on_the_spot
        track.lead = plan.lead
        problem = self._handle(
            self._casts[unit.code].chairs[session.chair],
            c.AssignProblem(
                problem_id=track.id,
                lead=unit.departments[plan.lead].code,
                co_handlers=tuple(unit.departments[k].code for k in plan.co_handlers),
                deadlines=fixed,
            ),
        )
        self._update(track, problem)
        spec = self._case_problem(track)
        if spec is None or spec.co_handlers_reply:
            self._schedule_co_handling(track)
        draw_fate(self.scenario, track)
        self._recur(track)
        if plan.case:
            self._script_case(track)
        elif self.department.returns(track):
            self._schedule(self.clock.now() + timedelta(hours=3), self._return, track)
        else:
            self._schedule_sign(track)

    # === lasting rules (长效机制) ========================================================

    def _recur(self, track: Track) -> None:
        key = (track.unit.code, track.plan.category)
        self._recurrences[key] += 1
        if key in self._rules:
            self._link(track, self._rules[key])
            return
        for rule in self.scenario.lasting_rules:
            if rule.category == track.plan.category and self._recurrences[key] == rule.after:
                day = self.clock.now().date() + timedelta(days=rule.drafting_days)
                issue_at = self.timing.office_hour(track, day).replace(hour=11, minute=0)
                self._schedule(issue_at, self._issue_rule, track.unit, rule)

    def _issue_rule(self, unit: UnitPlan, rule: LastingRuleSpec) -> None:
        dept = unit.departments[rule.issued_by]
        record = self._handle(
            self._casts[unit.code].handlers[rule.issued_by],
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

    def _link(self, track: Track, rule_id: str) -> None:
        problem = track.problem
        returning = (ProblemState.RETURNED, ProblemState.RETURN_REQUESTED)
        if problem is None or problem.assignment is None or problem.state in returning:
            return
        if rule_id in problem.lasting_rules:
            return
        collector = self._casts[track.unit.code].collector
        self._update(
            track, self._handle(collector, c.LinkLastingRule(problem_id=problem.id, rule_id=rule_id))
        )

    # === the department's handling ======================================================

    def _return(self, track: Track) -> None:
        unit = track.unit
        proposed = self.department.proposed_lead(track)
        problem = self._handle(
            self._casts[unit.code].handlers[track.lead],
            c.ReturnAssignment(
                problem_id=track.id,
                reason="不属于本单位职责",
                proposed_department=unit.departments[proposed].code,
            ),
        )
        self._update(track, problem)
        day = self.timing.add_working_days(unit, self.clock.now().date(), 1)
        self._schedule(at(day, 9, 30), self._reassign, track, proposed)

    def _reassign(self, track: Track, lead: str) -> None:
        track.lead = lead
        unit = track.unit
        co = tuple(unit.departments[k].code for k in track.plan.co_handlers if k != lead)
        problem = self._handle(
            self._casts[unit.code].secretariat,
            c.ReassignProblem(problem_id=track.id, lead=unit.departments[lead].code, co_handlers=co),
        )
        self._update(track, problem)
        self._schedule_co_handling(track)
        self._schedule_sign(track)

    def _schedule_co_handling(self, track: Track) -> None:
        """The co-handlers (协办) reply to the lead an hour after the 交办, on their own clock."""
        problem = track.problem
        if problem is not None and problem.assignment is not None and problem.assignment.co_handlers:
            self._schedule(self.clock.now() + timedelta(hours=1), self._co_handling, track)

    def _co_handling(self, track: Track) -> None:
        problem = track.problem
        if problem is None or problem.assignment is None or problem.state not in _CO_HANDLING_STATES:
            return
        unit = track.unit
        codes = {unit.departments[k].code: k for k in unit.departments}
        for code in problem.assignment.awaited_co_handlers():
            handler = self._casts[unit.code].handlers[codes[code]]
            command = c.ReportCoHandling(problem_id=track.id, text="已按职责提出协办意见，报主办单位汇总")
            self._update(track, self._handle(handler, command))

    def _schedule_sign(self, track: Track) -> None:
        self._schedule(self.department.sign_at(track, self.clock.now()), self._sign, track)

    def _sign(self, track: Track) -> None:
        handler = self._casts[track.unit.code].handlers[track.lead]
        self._update(track, self._handle(handler, c.SignAssignment(problem_id=track.id)))
        self._plan_round(track)

    def _plan_round(self, track: Track) -> None:
        """Schedule one round of handling: progress, maybe an extension, the result."""
        plan: Round = self.department.plan_round(track, self.clock.now())
        self._schedule(plan.progress_at, self._progress, track)
        if plan.extension is not None:
            self._schedule(plan.extension.request_at, self._request_extension, track, plan.extension.new_last)
            self._schedule(plan.extension.decide_at, self._decide_extension, track)
        self._schedule(plan.result_at, self._result, track, plan.outcome)

    def _progress(self, track: Track) -> None:
        handler = self._casts[track.unit.code].handlers[track.lead]
        problem = track.problem
        assert problem is not None
        if problem.state not in _HANDLING:
            return
        text = self.department.progress_text(problem)
        self._update(track, self._handle(handler, c.ReportProgress(problem_id=track.id, text=text)))

    def _request_extension(self, track: Track, new_last: date) -> None:
        problem = track.problem
        assert problem is not None
        if problem.state not in _HANDLING or problem.pending_extension is not None:
            return  # the result came first after all
        handler = self._casts[track.unit.code].handlers[track.lead]
        command = c.RequestExtension(
            problem_id=track.id, clock="result", new_last_day=new_last, reason=EXTENSION_REASON
        )
        self._update(track, self._handle(handler, command))

    def _decide_extension(self, track: Track) -> None:
        problem = track.problem
        if problem is None or problem.state not in _HANDLING or problem.pending_extension is None:
            return
        secretariat = self._casts[track.unit.code].secretariat
        command = c.DecideExtension(problem_id=track.id, approve=True, note="同意延期")
        self._update(track, self._handle(secretariat, command))

    def _result(self, track: Track, outcome: str) -> None:
        handler = self._casts[track.unit.code].handlers[track.lead]
        problem = self._handle(
            handler, c.ReportResult(problem_id=track.id, outcome=outcome, text=RESULT_TEXTS[outcome])
        )
        self._update(track, problem)
        now = self.clock.now()
        if outcome == "long_term":
            months, final_at, final = self.department.long_term(track, now)
            for month in months:
                self._schedule(month, self._long_term_progress, track)
            self._schedule(final_at, self._result, track, final)
            return
        self._schedule(self.department.visit_at(track, now), self._visit, track)

    def _long_term_progress(self, track: Track) -> None:
        if track.problem is None or track.problem.state is not ProblemState.LONG_TERM:
            return  # the final result came first
        handler = self._casts[track.unit.code].handlers[track.lead]
        command = c.ReportProgress(problem_id=track.id, text=LONG_TERM_PROGRESS)
        self._update(track, self._handle(handler, command))

    def _visit(self, track: Track) -> None:
        collector = self._casts[track.unit.code].collector
        satisfied = self.enterprise.satisfied(track)
        command = c.RecordReturnVisit(
            problem_id=track.id, satisfied=satisfied, notes=self.enterprise.visit_notes(satisfied)
        )
        self._update(track, self._handle(collector, command))
        if not satisfied:
            self._plan_round(track)  # 重办: the department handles it again

    # === scripted cases =================================================================

    def _script_case(self, track: Track) -> None:
        plan = track.plan
        case = next(c for c in self.scenario.cases if c.key == plan.case)
        self.stats.cases.setdefault(case.key, {})[plan.case_problem or ""] = track.id
        spec = self._case_problem(track)
        if spec is None or spec.signs:
            self._schedule(self.clock.now() + timedelta(hours=4), self._sign_only, track)
        for step in case.steps:
            if not step.problems or plan.case_problem in step.problems:
                self._schedule(step.at, self._case_step, track, step)

    def _sign_only(self, track: Track) -> None:
        handler = self._casts[track.unit.code].handlers[track.lead]
        self._update(track, self._handle(handler, c.SignAssignment(problem_id=track.id)))

    def _case_problem(self, track: Track) -> CaseProblem | None:
        """The scripted problem a track follows, if it is one."""
        plan = track.plan
        if not plan.case:
            return None
        case = next(c for c in self.scenario.cases if c.key == plan.case)
        return next((p for p in case.problems if p.key == plan.case_problem), None)

    def _case_step(self, track: Track, step: CaseStep) -> None:
        if step.action in _PRACTICE_STEPS:
            self._practice_step(track, step)
            return
        cast = self._casts[track.unit.code]
        command: c.Command[Any]
        actor = cast.handlers[track.lead]
        if step.action == "progress":
            command = c.ReportProgress(problem_id=track.id, text=step.text)
        elif step.action == "result":
            command = c.ReportResult(problem_id=track.id, outcome=step.outcome, text=step.text)
        elif step.action == "return_visit":
            actor = cast.collector
            if step.satisfaction is not None:  # one of the five levels (五级满意度)
                command = c.RecordReturnVisit.model_validate(
                    {"problem_id": track.id, "satisfaction": step.satisfaction, "notes": step.text}
                )
            else:
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

    def _practice_step(self, track: Track, step: CaseStep) -> None:
        """A step of the county's practice (12345 and 督查 rules): returns, co-handlers, ratings."""
        unit, cast = track.unit, self._casts[track.unit.code]
        lead = cast.handlers[track.lead]
        command: c.Command[Any]
        actor = lead
        if step.action == "sign":
            command = c.SignAssignment(problem_id=track.id)
        elif step.action == "return":
            proposed = unit.departments[step.to].code if step.to else None
            command = c.ReturnAssignment(
                problem_id=track.id, reason=step.text, ground=step.ground, proposed_department=proposed
            )
        elif step.action == "decide_return":
            actor, command = cast.secretariat, c.DecideReturn(
                problem_id=track.id, accept=step.accept, note=step.text
            )
        elif step.action == "co_handling":
            assert step.department is not None
            actor = cast.handlers[step.department]
            command = c.ReportCoHandling(problem_id=track.id, text=step.text)
        elif step.action == "verify":
            actor, command = cast.collector, c.RecordVerification(
                problem_id=track.id, redo=step.redo, explanation=step.text
            )
        elif step.action == "appeal":
            command = c.AppealRating(problem_id=track.id, reason=step.text)
        else:  # decide_appeal
            actor = cast.supervisor
            command = c.DecideAppeal(problem_id=track.id, grant=step.accept, note=step.text)
        self._update(track, self._handle(actor, command))
        if step.action == "decide_return" and step.accept and step.to is not None:
            self._reassign_case(track, step.to)

    def _reassign_case(self, track: Track, lead: str) -> None:
        """An accepted return (退单) of a scripted problem: the secretariat reassigns it at once."""
        track.lead = lead
        unit, spec = track.unit, self._case_problem(track)
        co = tuple(unit.departments[k].code for k in track.plan.co_handlers if k != lead)
        command = c.ReassignProblem(problem_id=track.id, lead=unit.departments[lead].code, co_handlers=co)
        self._update(track, self._handle(self._casts[unit.code].secretariat, command))
        if spec is None or spec.co_handlers_reply:
            self._schedule_co_handling(track)
        self._schedule(self.clock.now() + timedelta(hours=4), self._sign_only, track)

    # === each day: the library's sweep, reminders, circulars ============================

    def _day(self, day: date) -> None:
        if self._on_day is not None:
            self._on_day(day)
        if self._calendar(None).is_working_day(day):
            self._press_late_departments()
            if self._first_working_day_of_month(day):
                self._circulars(day)
        self._schedule(at(day + timedelta(days=1), 9), self._day, day + timedelta(days=1))

    def _press_late_departments(self) -> None:
        """The daily sweep (`govbiz remind`) is delivered; the supervision office presses the late."""
        assert self._delivery is not None
        notices = self._delivery.sweep(self.clock.now())
        for reminder in self.supervision.reminders(notices, self._problem):
            track = self._followed[reminder.problem_id]
            command = c.SendReminder(problem_id=reminder.problem_id, kind=reminder.kind, note=reminder.note)
            self._update(track, self._handle(self._casts[track.unit.code].supervisor, command))
            self._reminded.setdefault(track.unit.code, set()).add(reminder.problem_id)

    def _first_working_day_of_month(self, day: date) -> bool:
        return self._calendar(None).next_working_day_on_or_after(day.replace(day=1)) == day

    def _circulars(self, day: date) -> None:
        """督查通报 on the previous month, for each division whose departments were reminded."""
        from govbiz.supervision import publish_command

        reminded, self._reminded = self._reminded, {}
        for unit in self.units:
            if not reminded.get(unit.code):
                continue
            # The division's problems as the ledger last returned them: current, so valid
            # "as of now", without scanning every division's records for each circular.
            problems = [t.problem for t in self._tracks.get(unit.code, []) if t.problem is not None]
            policy = self._policies[unit.code]
            draft = self.supervision.circular(unit, problems, day, policy=policy, now=self.clock.now())
            if draft is not None:
                self._handle(self._casts[unit.code].supervisor, publish_command(draft))

    # === helpers ========================================================================

    def _update(self, track: Track, problem: Problem) -> None:
        """Keep the ledger's answer: what the next decision about the problem starts from."""
        track.problem = problem

    def _problem(self, problem_id: str) -> Problem | None:
        """A problem the simulation follows, as the ledger last returned it."""
        track = self._followed.get(problem_id)
        return track.problem if track is not None else None

    def _calendar(self, unit: UnitPlan | None) -> WorkingCalendar:
        code = unit.code if unit is not None else self.units[0].code
        policy = self._policies.get(code)
        if policy is None:
            policy = self._policies[code] = self.ledger.policy(code)
        return policy.calendar
