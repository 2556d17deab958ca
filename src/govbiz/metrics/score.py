"""考核: a monthly score per department (月度考核) from weighted indicators, and the 红黑榜.

A department's month is the problems first assigned (交办) in that month whose
lead it is as of the instant of the score (`as_of`, by default the end of the
month).  A problem whose assignment ended by a return the secretariat accepted
(退单经审定同意) and that awaits reassignment is nobody's: the returning
department's time is not counted against it.  Each indicator is a rate over
the month's problems, defined by the facts of `govbiz.metrics.facts` (the same
as the standard metrics), and earns its weight times the rate; a deduction
indicator (退单率, 重办率) earns its weight times one minus the rate.  A rate
with nothing to count (no visit yet, say) earns the full weight: a department
is not marked down for what it could not yet do.  Then bonuses by the case:
each problem that led to a lasting rule (长效机制) adds some, up to a cap (and,
if the county wants it, a per-case deduction for each refused return on top
of 退单率).  Every line names the problem ids behind it.

The default indicators (`DEFAULT_INDICATORS`, weights adding up to 100):

| indicator | weight | rate |
| --- | ---: | --- |
| 及时签收率 `signed_on_time` | 10 | signed before the sign-for cutoff / sign-for due |
| 退单率 `refused_return` (deduction) | 5 | returns refused after arbitration / problems assigned |
| 按时反馈率 `feedback_on_time` | 20 | first report before the progress cutoff / reports due |
| 按时办结率 `completed_on_time` | 30 | completed before an unextended cutoff / completed |
| 满意率 `satisfaction` | 25 | latest visit at a closing level / visited |
| 重办率 `redo` (deduction) | 10 | redone / visited |

及时签收率 (`Fact.SIGNED_ON_TIME` over `Fact.SIGN_DUE`): the sign-for clock
runs from 交办, never from 签收.  A problem counts once signed (with the time
of signing recorded) or, unsigned, once the cutoff has passed; a return asked
for answers the clock while it waits for its decision, and a refused one
leaves the original cutoff standing, so a department that signs after it is
late.

退单率 after arbitration (`Fact.RETURN_REFUSED` over `Fact.ASSIGNED`): of the
department's problems of the month, those on which it asked to return its
assignment and the secretariat refused (退单未获同意).  A return accepted is
not counted (the problem is not the department's any more); one still waiting
for its decision is not counted either (it is counted in the month's score
computed after the decision).  The rate counts each refused return once: the
per-case deduction (`refused_return_points`) is 0 by default.

The process indicators (签收, 退单) weigh least and the results an
enterprise feels (办结, 满意) most, as county 12345 assessment rules commonly
weigh them.

A department is ranked (红黑榜) only with at least `min_assigned` problems in the
month: a ranking on one case says nothing.  A county gives its own policy in
its configuration file (`[score]`, `govbiz.metrics.score_config`).

    >>> from govbiz.metrics.score import ScorePolicy
    >>> ScorePolicy().total_weight
    100.0
"""
from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import attrs

from govbiz.clock import beijing, require_aware
from govbiz.domain.handling import ReturnStatus
from govbiz.domain.problem import Problem
from govbiz.errors import ValidationError
from govbiz.metrics.definitions import Fact
from govbiz.metrics.facts import facts_of

if TYPE_CHECKING:
    from govbiz.calendar import WorkingCalendar
    from govbiz.domain.actors import Actor
    from govbiz.ledger import Ledger
    from govbiz.metrics.asof import ProblemSource

__all__ = [
    "DEFAULT_INDICATORS",
    "DepartmentScore",
    "Indicator",
    "MonthlyScores",
    "ScoreLine",
    "ScorePolicy",
    "county_scores",
    "month_bounds",
    "month_end",
    "monthly_scores",
    "scores_as_of",
]


@attrs.frozen(slots=True)
class Indicator:
    """One weighted indicator (考核指标): the rate `numerator` / `denominator` over the month's problems."""

    name: str
    label_zh: str
    weight: float
    numerator: Fact
    denominator: Fact
    #: True for an indicator that counts against the department (重办率): it earns weight × (1 − rate).
    deduction: bool = False


#: The default indicators (weights add up to 100); see the module's docstring for why these weights.
DEFAULT_INDICATORS: tuple[Indicator, ...] = (
    Indicator("signed_on_time", "及时签收率", 10, Fact.SIGNED_ON_TIME, Fact.SIGN_DUE),
    Indicator("refused_return", "退单率", 5, Fact.RETURN_REFUSED, Fact.ASSIGNED, deduction=True),
    Indicator("feedback_on_time", "按时反馈率", 20, Fact.FEEDBACK_ON_TIME, Fact.FEEDBACK_DUE),
    Indicator("completed_on_time", "按时办结率", 30, Fact.COMPLETED_ON_TIME, Fact.COMPLETED),
    Indicator("satisfaction", "满意率", 25, Fact.SATISFIED, Fact.VISITED),
    Indicator("redo", "重办率", 10, Fact.REDONE, Fact.VISITED, deduction=True),
)


@attrs.frozen(slots=True)
class ScorePolicy:
    """A county's assessment rules (考核办法), with defaults from common 12345 practice.

    `refused_return_points` are taken off per return the secretariat refused
    (退单未获同意), on top of the 退单率 indicator (0 by default: counted once,
    in the rate); `lasting_rule_points` are added per problem that led to a
    lasting rule, at most `lasting_rule_cap` in a month; `min_assigned` problems
    in the month put a department on the 红黑榜, whose ends show `board_size`.
    """

    indicators: tuple[Indicator, ...] = DEFAULT_INDICATORS
    refused_return_points: float = 0.0
    lasting_rule_points: float = 2.0
    lasting_rule_cap: float = 6.0
    min_assigned: int = 3
    board_size: int = 3

    @property
    def total_weight(self) -> float:
        """The points a department earns with every rate perfect, before deductions and bonuses."""
        return float(sum(i.weight for i in self.indicators))


@attrs.frozen(slots=True)
class ScoreLine:
    """One line of a department's score: what earned or cost the points, and the problems behind it."""

    label: str
    points: float
    detail: str
    problem_ids: tuple[str, ...]


@attrs.frozen(slots=True)
class DepartmentScore:
    """A department's score for the month (月度得分), line by line."""

    department: str
    assigned: tuple[str, ...]
    lines: tuple[ScoreLine, ...]

    @property
    def score(self) -> float:
        """The sum of the lines, rounded half up to one decimal."""
        return _round(sum(line.points for line in self.lines))


@attrs.frozen(slots=True)
class MonthlyScores:
    """Every department's score in a county's month, and the 红黑榜 of the ranked ones."""

    county: str
    month: str
    as_of: datetime
    scores: tuple[DepartmentScore, ...]
    min_assigned: int
    board_size: int

    def ranked(self) -> tuple[DepartmentScore, ...]:
        """Departments with enough problems to rank, best first (ties by department code)."""
        eligible = [s for s in self.scores if len(s.assigned) >= self.min_assigned]
        return tuple(sorted(eligible, key=lambda s: (-s.score, s.department)))

    def red_list(self) -> tuple[DepartmentScore, ...]:
        """红榜: the best ranked departments."""
        return self.ranked()[: self.board_size]

    def black_list(self) -> tuple[DepartmentScore, ...]:
        """黑榜: the lowest ranked departments, lowest first, never one already on the 红榜."""
        ranked = self.ranked()
        red = {s.department for s in self.red_list()}
        return tuple(s for s in reversed(ranked) if s.department not in red)[: self.board_size]

    def unranked(self) -> tuple[DepartmentScore, ...]:
        """Departments scored but not ranked: fewer problems than `min_assigned`."""
        return tuple(s for s in self.scores if len(s.assigned) < self.min_assigned)

    def to_json(self) -> dict[str, Any]:
        """The scores as plain data (`govbiz score --json`)."""
        return {
            "county": self.county,
            "month": self.month,
            "as_of": self.as_of.isoformat(),
            "min_assigned": self.min_assigned,
            "scores": [
                {
                    "department": s.department,
                    "score": s.score,
                    "assigned": list(s.assigned),
                    "lines": [_line_json(x) for x in s.lines],
                }
                for s in self.scores
            ],
            "red_list": [s.department for s in self.red_list()],
            "black_list": [s.department for s in self.black_list()],
            "unranked": [s.department for s in self.unranked()],
        }


def _line_json(line: ScoreLine) -> dict[str, Any]:
    problems = list(line.problem_ids)
    return {"label": line.label, "points": line.points, "detail": line.detail, "problems": problems}


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of `month` (`"YYYY-MM"`); a ValidationError names `month` otherwise."""
    try:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
    except ValueError:
        raise ValidationError("month", month, "must be a month such as 2027-03") from None
    return first, date(year, number, calendar.monthrange(year, number)[1])


def month_end(month: str) -> datetime:
    """The end of `month` (24:00 Beijing time of its last day); a ValidationError names a bad `month`."""
    return datetime.combine(month_bounds(month)[1], time(0), beijing()) + timedelta(days=1)


def monthly_scores(
    problems: Iterable[Problem],
    *,
    county: str,
    month: str,
    as_of: datetime | None = None,
    policy: ScorePolicy | None = None,
    working_calendar: WorkingCalendar | None = None,
) -> MonthlyScores:
    """Each department's score for `county`'s problems first assigned in `month`, as of `as_of`.

    `problems` are the problems as they stand at `as_of` (for an instant in
    the past, read them through `govbiz.metrics.LedgerProblems`); `as_of`
    defaults to the end of the month (24:00 Beijing time of its last day);
    `working_calendar` to the national one.
    """
    first, last = month_bounds(month)
    as_of = as_of or month_end(month)
    require_aware(as_of, "as_of")
    policy = policy or ScorePolicy()
    by_department: dict[str, list[Problem]] = {}
    facts = {}
    for problem in problems:
        if problem.county != county:
            continue
        found = facts_of(problem, as_of, working_calendar or _national_calendar())
        if found.department is None or found.assigned_on is None or not first <= found.assigned_on <= last:
            continue
        if problem.assignment is not None and problem.assignment.returned:
            continue  # returned with the secretariat's consent: not held against the department
        facts[problem.id] = found.facts
        by_department.setdefault(found.department, []).append(problem)
    scores = tuple(
        _department_score(code, sorted(held, key=lambda p: p.id), facts, policy)
        for code, held in sorted(by_department.items())
    )
    return MonthlyScores(county, month, as_of, scores, policy.min_assigned, policy.board_size)


def scores_as_of(
    source: ProblemSource,
    *,
    county: str,
    month: str,
    as_of: datetime,
    policy: ScorePolicy | None = None,
    working_calendar: WorkingCalendar | None = None,
) -> MonthlyScores:
    """`month`'s scores with each problem in its state at the month's end, or at `as_of` if sooner.

    A finished month is scored as it stood when it ended, whatever happened
    since; the month under way as of `as_of`.
    """
    instant = min(month_end(month), as_of)
    return monthly_scores(
        source.problems_as_of(instant), county=county, month=month, as_of=instant, policy=policy,
        working_calendar=working_calendar,
    )  # fmt: skip


def county_scores(
    ledger: Ledger, actor: Actor, county: str, month: str, *, as_of: datetime | None = None
) -> MonthlyScores:
    """`scores_as_of` on `ledger`: the problems of `county` that `actor` may see, on the county's rules.

    The rules are the county's (`CountyProfile.scores`, a county file's
    ``[score]``) and so is the working calendar; `as_of` defaults to now.
    What `govbiz score`, `govbiz report --score-month`, the API's
    ``/v1/scores`` and the workbench's 红黑榜 show.
    """
    from govbiz.metrics.asof import LedgerProblems

    return scores_as_of(
        LedgerProblems(ledger, actor, county=county), county=county, month=month,
        as_of=as_of or ledger.clock.now(), policy=ledger.profile(county).scores(),
        working_calendar=ledger.policy(county).calendar,
    )  # fmt: skip


def _department_score(
    department: str, problems: list[Problem], facts: Mapping[str, frozenset[Fact]], policy: ScorePolicy
) -> DepartmentScore:
    lines = [_indicator_line(indicator, problems, facts) for indicator in policy.indicators]
    refused = tuple(
        p.id
        for p in problems
        for r in p.returns
        if r.department == department and r.status is ReturnStatus.REFUSED
    )
    if refused and policy.refused_return_points:
        points = -policy.refused_return_points * len(refused)
        detail = f"{len(refused)}件 × {policy.refused_return_points}分"
        lines.append(ScoreLine("退单未获同意", points, detail, refused))
    ruled = tuple(p.id for p in problems if p.lasting_rules)
    if ruled:
        points = min(policy.lasting_rule_points * len(ruled), policy.lasting_rule_cap)
        detail = f"{len(ruled)}件 × {policy.lasting_rule_points}分，上限{policy.lasting_rule_cap}分"
        lines.append(ScoreLine("形成长效机制", points, detail, ruled))
    return DepartmentScore(department, tuple(p.id for p in problems), tuple(lines))


def _indicator_line(
    indicator: Indicator, problems: list[Problem], facts: Mapping[str, frozenset[Fact]]
) -> ScoreLine:
    counted = tuple(p.id for p in problems if indicator.denominator in facts[p.id])
    hits = tuple(pid for pid in counted if indicator.numerator in facts[pid])
    if not counted:
        return ScoreLine(indicator.label_zh, float(indicator.weight), "无应计件数，按满分计", ())
    rate = len(hits) / len(counted)
    earned = indicator.weight * ((1 - rate) if indicator.deduction else rate)
    detail = f"{len(hits)}/{len(counted)} = {_round(rate * 100)}%，权重{indicator.weight:g}"
    # The problems behind the points: those that earned them (for a deduction, those that cost them).
    return ScoreLine(indicator.label_zh, _round(earned), detail, hits)


def _round(value: float) -> float:
    """Half up to one decimal (四舍五入), as the metrics round."""
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _national_calendar() -> WorkingCalendar:
    from govbiz.calendar import china_calendar

    return china_calendar()
