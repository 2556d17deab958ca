"""How the people of the mechanism decide (角色行为): chairs, departments, enterprises, supervisors.

The engine (`govbiz.simulation.engine`) decides *when* things happen and
carries them out through `Ledger.handle`; this module decides *what* each
person does, from the scenario's `[behaviour]` probabilities and the
problem's own randomness:

* the chair (接待领导) may fix the result deadline on the spot;
* the lead department (主办单位) returns an assignment that is not its duty,
  signs on time or late, reports progress and the result on time, late or
  after asking for more time (申请延期), and reports a long-term problem
  monthly;
* the enterprise (企业) is satisfied at the return visit, or not once;
* the supervision office (督查室) presses each problem the day's overdue
  notices name (催办, or 督办 when seriously overdue), and publishes a
  circular (督查通报) on the month in which it pressed departments.

Every decision draws from the problem's `random.Random` in a fixed order,
so the same seed always tells the same story.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from govbiz.deadlines import WarningLevel
from govbiz.domain import Actor, Problem, Role
from govbiz.simulation.plan import Fate, ProblemPlan, UnitPlan
from govbiz.simulation.timing import Timing, at

if TYPE_CHECKING:
    from govbiz.deadlines import DeadlinePolicy
    from govbiz.ports.channel import Notification
    from govbiz.simulation.scenario import Scenario
    from govbiz.supervision import CircularDraft

__all__ = [
    "Cast",
    "Chair",
    "Department",
    "Enterprise",
    "Extension",
    "Reminder",
    "Round",
    "SupervisionOffice",
    "Track",
    "cast_of",
    "draw_fate",
]

#: What a department writes when it reports the result, by outcome.
RESULT_TEXTS = {
    "solved": "问题已解决，已向企业反馈",
    "partially_solved": "问题已部分解决，剩余事项纳入常态化跟踪",
    "explained": "受政策限制暂不能解决，已向企业解释说明",
    "long_term": "问题涉及规划调整和上级审批，需长期推进，按月报送进展",
}
#: Why a department asks for more time (申请延期).
EXTENSION_REASON = "涉及多部门协调和上级审批，需延长办理期限"
#: A long-term problem's monthly progress report (按月报送进展).
LONG_TERM_PROGRESS = "长期推进：本月完成阶段性工作，继续按计划推进"
#: The clocks' names in a reminder's note.
_CLOCK_LABELS = {"sign": "签收", "progress": "落实情况", "result": "办理结果"}
#: The sweep's triggers the supervision office presses departments on, and as what.
_PRESSED = {WarningLevel.OVERDUE: "reminder", WarningLevel.SERIOUSLY_OVERDUE: "supervision"}


@attrs.define
class Cast:
    """Who acts in one division."""

    admin: Actor
    collector: Actor
    secretariat: Actor
    supervisor: Actor
    chairs: dict[str, Actor]
    handlers: dict[str, Actor]


def cast_of(scenario: Scenario, unit: UnitPlan) -> Cast:
    """The people of `unit`: its offices (from the scenario), leaders and department handlers."""
    offices = scenario.offices
    county = unit.code

    def actor(key: str, role: Role, name: str, **extra: Any) -> Actor:
        return Actor(id=f"{county}-{key}", role=role, county=county, name=name, **extra)

    return Cast(
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


@attrs.define
class Track:
    """One problem as the simulation follows it: its plan, its randomness and its latest state."""

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


def draw_fate(scenario: Scenario, track: Track) -> None:
    """What the year holds for an assigned problem: its outcome, and whether the enterprise is content.

    A fate settled by the target date must be settled that day at the
    latest (`track.latest`); an open one must stay open past it.
    """
    plan, rng = track.plan, track.rng
    behaviour = scenario.behaviour
    if plan.fate is not None:
        track.fate = plan.fate
    else:
        names = [n for n, w in behaviour.outcomes.items() if w > 0] or ["solved"]
        track.fate = Fate(rng.choices(names, [behaviour.outcomes.get(n, 1.0) for n in names])[0])
    if plan.in_window:
        track.latest = at(scenario.as_of, 16)
    track.unsatisfied = track.fate is Fate.SOLVED and rng.random() < behaviour.unsatisfied


class Chair:
    """The leader who chairs a reception day (接待领导)."""

    def __init__(self, scenario: Scenario, timing: Timing) -> None:
        self._scenario = scenario
        self._timing = timing

    def deadline_on_the_spot(self, track: Track, today: date) -> date | None:
        """The result's last day if fixed at the session (现场明确解决期限), else `None`."""
        plan, rng = track.plan, track.rng
        if plan.result_due is not None:
            return plan.result_due
        if not plan.case and rng.random() < self._scenario.behaviour.on_the_spot:
            cal = self._timing.calendar(track.unit)
            return cal.next_working_day_on_or_after(today + timedelta(rng.randint(15, 28)))
        return None


@attrs.frozen(slots=True)
class Extension:
    """A request for more time (申请延期): when it is asked, and the last day asked for."""

    request_at: datetime
    new_last: date

    @property
    def decide_at(self) -> datetime:
        """When the secretariat decides on it."""
        return self.request_at + timedelta(hours=2)


@attrs.frozen(slots=True)
class Round:
    """One round of a department's handling: progress, maybe an extension, then the result."""

    progress_at: datetime
    extension: Extension | None
    result_at: datetime
    outcome: str


class Department:
    """The lead department (主办单位) and how it handles what it is given."""

    def __init__(self, scenario: Scenario, timing: Timing) -> None:
        self._scenario = scenario
        self._behaviour = scenario.behaviour
        self._timing = timing

    # --- taking the assignment ----------------------------------------------------------

    def returns(self, track: Track) -> bool:
        """Whether the department returns the assignment as not its duty (退回)."""
        return track.rng.random() < self._behaviour.returned

    def proposed_lead(self, track: Track) -> str:
        """The department a returning lead says should handle it instead (a scenario key)."""
        category = self._scenario.category(track.plan.category)
        others = [k for k in [*category.leads, *category.co_handlers] if k != track.lead]
        others = others or [k for k in track.unit.departments if k != track.lead]
        return track.rng.choice(others)

    def sign_at(self, track: Track, now: datetime) -> datetime:
        """When the department signs (签收): two hours on, or late, two working days on."""
        if track.rng.random() < self._behaviour.sign_late:
            return at(self._timing.add_working_days(track.unit, now.date(), 2), 10, 30)
        return now + timedelta(hours=2)

    # --- one round of handling ----------------------------------------------------------

    @staticmethod
    def progress_text(problem: Problem) -> str:
        """What the department reports as progress (落实情况)."""
        if problem.redo_count:
            return "针对企业回访意见重新研究办理"
        return "已召开专题会议研究，明确解决方案和时间表"

    def plan_round(self, track: Track, now: datetime) -> Round:
        """When the department reports progress and the result of the current assignment, and what."""
        problem, rng, t = track.problem, track.rng, self._timing
        assert problem is not None
        assert problem.assignment is not None
        progress_due = problem.assignment.deadline("progress")
        result_due = problem.assignment.deadline("result")
        assert progress_due is not None
        assert result_due is not None
        progress_day = t.add_working_days(track.unit, now.date(), rng.randint(1, 5))
        if rng.random() < self._behaviour.progress_late:
            late = rng.randint(1, self._behaviour.late_working_days)
            progress_day = t.add_working_days(track.unit, progress_due.last_day, late)
        progress_at = max(t.office_hour(track, progress_day), now + timedelta(hours=1))
        if track.latest is not None and (track.fate.completed or track.fate is Fate.LONG_TERM):
            progress_at = t.by_latest(track, progress_at, now)
        if track.fate is Fate.OPEN:
            return self._open_round(track, progress_at, result_due.last_day)
        return self._round(track, progress_at, result_due.last_day)

    def _round(self, track: Track, after: datetime, last_day: date) -> Round:
        """A result on time, late, or within an extension; by the target date if it must be."""
        rng, t, behaviour = track.rng, self._timing, self._behaviour
        extension = None
        roll = rng.random()
        if roll < behaviour.result_late:
            day = t.add_working_days(track.unit, last_day, rng.randint(1, behaviour.late_working_days))
            result_at = t.office_hour(track, day)
        elif roll < behaviour.result_late + behaviour.extension and self._can_extend(
            track,
            after,
            last_day,
            new_last := t.extended_day(track, last_day + timedelta(rng.randint(10, 30))),
        ):
            extension, result_at = self._extend(track, after, last_day, new_last)
        else:
            result_at = t.between(track, after, at(last_day, 17))
        outcome = "long_term" if track.fate is Fate.LONG_TERM else track.fate.value
        if track.latest is not None:
            result_at = t.by_latest(track, result_at, after)
            # A redo must fit before the target date too, or the enterprise is simply satisfied.
            if result_at > track.latest - timedelta(days=30):
                track.unsatisfied = False
        return Round(after, extension, result_at, outcome)

    def _open_round(self, track: Track, after: datetime, last_day: date) -> Round:
        """Still open on the target date: report after it, within the deadline or an extension."""
        rng, t = track.rng, self._timing
        target = self._scenario.as_of if track.plan.in_window else after.date() + timedelta(days=30)
        first = t.office_hour(track, target + timedelta(days=1))
        new_last = t.extended_day(track, target + timedelta(days=rng.randint(10, 40)))
        extension = None
        if last_day > target:
            result_at = t.between(track, max(after, first), at(last_day, 17))
        elif self._can_extend(track, after, last_day, new_last):
            extension, _ = self._extend(track, after, last_day, new_last)
            result_at = t.between(track, first, at(new_last, 17))
        else:  # no time left to ask: the department is simply late, and reminded daily
            result_at = first + timedelta(days=rng.randint(0, 7))
        outcomes = ["solved", "partially_solved", "explained"]
        return Round(after, extension, result_at, rng.choices(outcomes, [8, 1, 1])[0])

    def _can_extend(self, track: Track, after: datetime, last_day: date, new_last: date) -> bool:
        """An extension must be asked for a working day before the last day, and add time."""
        latest_request = self._timing.add_working_days(track.unit, last_day, -2)
        return after.date() <= latest_request and new_last > last_day

    def _extend(
        self, track: Track, after: datetime, last_day: date, new_last: date
    ) -> tuple[Extension, datetime]:
        """The request (申请延期) a few working days before the last day, and when the result comes."""
        t = self._timing
        days_before = track.rng.randint(2, 4)
        request_day = max(after.date(), t.add_working_days(track.unit, last_day, -days_before))
        request_at = max(after + timedelta(minutes=30), at(request_day, 10))
        result_at = t.between(track, request_at + timedelta(days=1), at(new_last, 17))
        return Extension(request_at, new_last), result_at

    # --- after the result ---------------------------------------------------------------

    def visit_at(self, track: Track, now: datetime) -> datetime:
        """When the collector visits the enterprise (回访): one to four working days after the result."""
        day = self._timing.add_working_days(track.unit, now.date(), track.rng.randint(1, 4))
        return self._timing.office_hour(track, day)

    def long_term(self, track: Track, now: datetime) -> tuple[list[datetime], datetime, str]:
        """A long-term problem (长期推进): monthly progress reports, then the final result and its outcome."""
        rng, t = track.rng, self._timing
        after = self._scenario.as_of if track.plan.in_window else now.date()
        final_day = after + timedelta(days=rng.randint(30, 150))
        months = []
        month = now.date() + timedelta(days=30)
        while month < final_day:
            months.append(t.office_hour(track, month))
            month += timedelta(days=30)
        final_at = t.office_hour(track, final_day)
        return months, final_at, rng.choice(["solved", "partially_solved"])


class Enterprise:
    """The enterprise that raised the problem, at the return visit (回访)."""

    @staticmethod
    def satisfied(track: Track) -> bool:
        """Satisfied, or not once: one redo (重办) is enough to satisfy it."""
        if track.unsatisfied:
            track.unsatisfied = False
            return False
        return True

    @staticmethod
    def visit_notes(satisfied: bool) -> str:
        """What the collector writes down at the visit."""
        return "企业表示满意" if satisfied else "企业表示问题仍未真正解决，要求重办"


@attrs.frozen(slots=True)
class Reminder:
    """A reminder the supervision office records: 催办 (`reminder`) or 督办 (`supervision`)."""

    problem_id: str
    kind: str
    note: str


class SupervisionOffice:
    """The supervision office (督查室): presses late departments and publishes circulars."""

    @staticmethod
    def reminders(
        notices: Iterable[Notification], problem_of: Callable[[str], Problem | None]
    ) -> list[Reminder]:
        """One reminder per problem the day's overdue notices name, for its latest clock.

        The notices are those the library's sweep queued and the dispatcher
        delivered (`overdue`, `seriously_overdue`); a seriously overdue clock
        is pressed as 督办, an overdue one as 催办.  Of two clocks equally
        late the first in the assignment's order is named.  Problems the
        office does not follow (`problems`) are left alone.
        """
        late: dict[str, dict[str, WarningLevel]] = {}
        for notice in notices:
            data = notice.data
            trigger, problem_id, clock = data.get("trigger"), data.get("problem_id"), data.get("clock")
            if trigger in _PRESSED and problem_id and clock:
                late.setdefault(problem_id, {})[clock] = WarningLevel(trigger)
        found = []
        for problem_id in sorted(late):
            problem = problem_of(problem_id)
            if problem is None:
                continue
            order = [due.clock for due in problem.open_deadlines()]
            clocks = sorted(late[problem_id].items(), key=lambda item: _position(order, item[0]))
            clock, level = max(clocks, key=lambda item: _rank(item[1]))  # the first of the latest
            note = f"{_CLOCK_LABELS.get(clock, clock)}{level.zh}，请立即报送"
            found.append(Reminder(problem_id, _PRESSED[level], note))
        return found

    @staticmethod
    def circular(
        unit: UnitPlan, problems: list[Problem], day: date, *, policy: DeadlinePolicy, now: datetime
    ) -> CircularDraft | None:
        """The circular (督查通报) on the month before `day`, or `None` if it would name no department."""
        from govbiz.metrics import GroupContext, Grouping
        from govbiz.supervision import generate_circular

        period_end = day.replace(day=1) - timedelta(days=1)
        period_start = period_end.replace(day=1)
        names = {d.code: d.short_name for d in unit.departments.values()}
        draft = generate_circular(
            problems,
            county=unit.code, period_start=period_start, period_end=period_end, as_of=now, policy=policy,
            context=GroupContext(labels={Grouping.DEPARTMENT: names}),
            title=f"关于{period_start.year}年{period_start.month}月交办问题办理情况的督查通报",
        )  # fmt: skip
        return draft if draft.departments() else None


def _position(order: list[str], clock: str) -> int:
    return order.index(clock) if clock in order else len(order)


def _rank(level: WarningLevel) -> int:
    return list(WarningLevel).index(level)
