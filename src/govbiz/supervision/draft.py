"""Generating a supervision circular (督查通报) from the ledger's problems.

`generate_circular` looks at a county's problems as of an instant and
finds what a supervision office reports: assignments overdue and seriously
overdue (by the county's `DeadlinePolicy` warning levels), by department,
each with its rung on the escalation ladder (the departments proposed for
书面通报批评 are `CircularDraft.proposed_for_criticism`);
problems redone after an unsatisfied return visit in the period; and the
departments ranked by the metrics chosen; and, with `score_month`, that
month's scores and 红黑榜 (月度考核, `govbiz.metrics.score`).  The result, a `CircularDraft`,
is a plain value: render it, or publish it with
`govbiz.supervision.publish_command`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

import attrs

from govbiz.clock import require_aware
from govbiz.deadlines import DeadlinePolicy, Rung, WarningLevel
from govbiz.domain.problem import CO_HANDLING, Problem
from govbiz.errors import CalendarCoverageError, ValidationError
from govbiz.metrics.asof import ProblemSource, StoredProblems
from govbiz.metrics.compute import compute_metrics
from govbiz.metrics.facts import DEPARTMENT_CLOCKS, local_day
from govbiz.metrics.grouping import GroupContext, Grouping
from govbiz.metrics.ranking import Ranking, rank
from govbiz.metrics.registry import MetricRegistry
from govbiz.metrics.score import MonthlyScores, ScorePolicy, scores_as_of

__all__ = ["CircularDraft", "OverdueItem", "RedoItem", "generate_circular"]

_LATE = (WarningLevel.OVERDUE, WarningLevel.SERIOUSLY_OVERDUE)
#: The clocks by their Chinese names, as a circular says them.
CLOCK_NAMES = {
    "sign": "签收", "progress": "报送落实情况", "result": "报送办理结果", "co_handling": "反馈协办意见",
}  # fmt: skip


@attrs.frozen(slots=True)
class OverdueItem:
    """One overdue clock of one assignment (超期事项) at the as-of instant."""

    problem_id: str
    title: str
    department: str
    clock: str
    last_day: date
    working_days_late: int
    level: WarningLevel
    #: `"lead"` (主办) or `"co_handler"` (协办): a co-handler late with its reply is named as such.
    role: str = "lead"
    #: The escalation ladder's rung (督办升级) at the as-of instant; `None` for a clock that never escalates.
    rung: Rung | None = None
    #: The day of the reminder letter (催办通知书) and the day criticism is proposed from (拟通报批评).
    letter_day: date | None = None
    criticism_day: date | None = None

    @property
    def proposed_for_criticism(self) -> bool:
        """True when the ladder proposes the department for a written critical circular (拟通报批评)."""
        return self.rung is Rung.CRITICISM

    def criticism_reason(self) -> str:
        """Why the department is proposed (拟通报批评理由), in the circular's words."""
        clock = CLOCK_NAMES.get(self.clock, self.clock)
        letter = f"{self.letter_day:%Y年%m月%d日}" if self.letter_day else ""
        since = f"{self.criticism_day:%Y年%m月%d日}" if self.criticism_day else ""
        return (
            f"{clock}期限{self.last_day:%Y年%m月%d日}届满未报送，{letter}催办后至{since}仍未报送，"
            f"已超期{self.working_days_late}个工作日"
        )


@attrs.frozen(slots=True)
class RedoItem:
    """A problem sent back for redoing (重办) after an unsatisfied return visit in the period."""

    problem_id: str
    title: str
    department: str
    visited_at: datetime
    notes: str


@attrs.frozen(slots=True)
class CircularDraft:
    """A circular ready to render or publish (督查通报稿).

    `overdue` lists every overdue clock, seriously overdue first; `redone`
    the problems redone in the period; `rankings` the departments ranked by
    each chosen metric (cumulative: problems first assigned by the period's
    end, as of `as_of`).  `names` maps department codes to the names printed.
    `scores` are a month's scores and 红黑榜 (月度考核), if the circular has them.
    """

    county: str
    title: str
    period_start: date
    period_end: date
    as_of: datetime
    overdue: tuple[OverdueItem, ...]
    redone: tuple[RedoItem, ...]
    rankings: tuple[Ranking, ...]
    names: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    scores: MonthlyScores | None = None

    def name(self, department: str) -> str:
        """The printed name of a department code."""
        return self.names.get(department, department)

    def proposed_for_criticism(self) -> tuple[OverdueItem, ...]:
        """The clocks whose department the ladder proposes for 书面通报批评 (拟通报批评), by department."""
        found = [i for i in self.overdue if i.proposed_for_criticism]
        return tuple(sorted(found, key=lambda i: (i.department, i.problem_id, i.clock)))

    def seriously_overdue(self) -> tuple[OverdueItem, ...]:
        """The clocks late by more than the policy's threshold (严重超期)."""
        return tuple(i for i in self.overdue if i.level is WarningLevel.SERIOUSLY_OVERDUE)

    def departments(self) -> tuple[str, ...]:
        """Every department the circular names (overdue or redone), sorted."""
        return tuple(sorted({i.department for i in self.overdue} | {r.department for r in self.redone}))

    def problems(self) -> tuple[str, ...]:
        """Every problem the circular names, sorted."""
        return tuple(sorted({i.problem_id for i in self.overdue} | {r.problem_id for r in self.redone}))

    def overdue_by_department(self) -> dict[str, tuple[OverdueItem, ...]]:
        """Overdue items per department code, departments sorted."""
        grouped: dict[str, list[OverdueItem]] = {}
        for item in self.overdue:
            grouped.setdefault(item.department, []).append(item)
        return {d: tuple(grouped[d]) for d in sorted(grouped)}


def generate_circular(
    problems: ProblemSource | Iterable[Problem],
    *,
    county: str,
    period_start: date,
    period_end: date,
    as_of: datetime,
    policy: DeadlinePolicy | None = None,
    context: GroupContext | None = None,
    rank_by: Iterable[str] = ("completion_rate", "overdue"),
    registry: MetricRegistry | None = None,
    title: str | None = None,
    score_month: str | None = None,
    score_policy: ScorePolicy | None = None,
) -> CircularDraft:
    """A circular on `county`'s problems for the period, as of the instant `as_of`.

    `problems` is a `govbiz.metrics.ProblemSource` (e.g.
    `LedgerProblems(ledger, supervisor)`) or problems as they are.  The
    county's problems are read once, in their state at `as_of`.  `policy`
    decides overdue and seriously overdue (the default policy if omitted);
    `context` supplies department names.  With `score_month` (`YYYY-MM`) the
    circular carries that month's scores and 红黑榜 under `score_policy`
    (govbiz's defaults if omitted), as of the month's end or `as_of` if earlier.
    """
    require_aware(as_of, "as_of")
    if period_end < period_start:
        raise ValidationError("period_end", period_end.isoformat(), f"is before {period_start.isoformat()}")
    policy = policy or DeadlinePolicy.default()
    context = context or GroupContext()
    source = problems if isinstance(problems, ProblemSource) else StoredProblems(problems)
    scoped = tuple(p for p in source.problems_as_of(as_of) if p.county == county)
    overdue = sorted(
        (item for p in scoped for item in _overdue(p, as_of, policy)),
        key=lambda i: (i.level is not WarningLevel.SERIOUSLY_OVERDUE, i.department, i.problem_id, i.clock),
    )
    redone = tuple(item for p in scoped for item in _redone(p, period_start, period_end))
    result = compute_metrics(
        scoped, as_of, metrics=tuple(rank_by), group_by=Grouping.DEPARTMENT,
        registry=registry, context=context, calendar=policy.calendar, assigned_to=period_end,
    )  # fmt: skip
    return CircularDraft(
        county=county,
        title=title
        or f"关于{period_start:%Y年%m月%d日}至{period_end:%Y年%m月%d日}交办问题办理情况的督查通报",
        period_start=period_start,
        period_end=period_end,
        as_of=as_of,
        overdue=tuple(overdue),
        redone=redone,
        rankings=tuple(rank(result, name) for name in rank_by),
        names=dict(context.labels.get(Grouping.DEPARTMENT, {})),
        scores=_scores(source, county, score_month, as_of=as_of, rules=score_policy, policy=policy),
    )


def _scores(
    source: ProblemSource,
    county: str,
    month: str | None,
    *,
    as_of: datetime,
    rules: ScorePolicy | None,
    policy: DeadlinePolicy,
) -> MonthlyScores | None:
    """The month's scores, each problem in its state at the month's end (or `as_of`, if earlier)."""
    if month is None:
        return None
    return scores_as_of(
        source, county=county, month=month, as_of=as_of, policy=rules, working_calendar=policy.calendar
    )


def _overdue(problem: Problem, as_of: datetime, policy: DeadlinePolicy) -> Iterable[OverdueItem]:
    if problem.assignment is None:
        return
    for due in problem.open_deadlines():
        co_handling = due.clock == CO_HANDLING
        if due.clock not in DEPARTMENT_CLOCKS and not co_handling:
            continue
        level = policy.warning_level(policy.restore(due.clock, due.start, due.last_day), as_of)
        if level in _LATE:
            late = policy.calendar.working_days_between(due.last_day, policy.local_day(as_of))
            ladder = _ladder(policy, due.clock, due.last_day, as_of)
            if co_handling:  # each co-handler that owes its reply, named as co-handler, not the lead
                for code in problem.assignment.awaited_co_handlers():
                    yield OverdueItem(
                        problem.id, problem.title, code, due.clock, due.last_day, late, level, "co_handler",
                        *ladder,
                    )  # fmt: skip
                continue
            yield OverdueItem(
                problem.id, problem.title, problem.assignment.lead, due.clock, due.last_day, late, level,
                "lead", *ladder,
            )  # fmt: skip


def _ladder(
    policy: DeadlinePolicy, clock: str, last_day: date, as_of: datetime
) -> tuple[Rung | None, date | None, date | None]:
    """The rung of an overdue clock on the ladder (督办升级), its letter's day and its criticism's day."""
    escalation = policy.escalation
    if not escalation.escalates(clock):
        return None, None, None
    try:
        letter = escalation.letter_day(policy.calendar, last_day)
        rung = escalation.rung(policy.calendar, last_day, policy.local_day(as_of))
        criticism = escalation.criticism_day(policy.calendar, last_day) if escalation.criticism else None
    except CalendarCoverageError:  # a day past the calendar: the ladder cannot be judged, only the lateness
        return None, None, None
    return rung, letter, criticism


def _redone(problem: Problem, start: date, end: date) -> Iterable[RedoItem]:
    if problem.assignment is None:
        return
    for visit in problem.return_visits:
        if not visit.satisfied and start <= local_day(visit.visited_at) <= end:
            yield RedoItem(problem.id, problem.title, problem.assignment.lead, visit.visited_at, visit.notes)
