"""The metrics report (办理情况统计报表): what the formats render.

A `MetricsReport` gathers, as of one instant, the figures an office files:
the totals, the same figures by department, category and month (or any
grouping), the overdue trend month by month, and optionally a supervision
circular (督查通报) and a month's scores with its 红黑榜 (月度考核,
`score_month`).  Every figure keeps its definition (口径) and the ids of
the problems behind it, so each format can print a rate next to its
definition and drill down to the problems.

Build one with `build_metrics_report(ledger, actor, as_of=...)`, then render
it with any registered format (`govbiz.plugins.report_formats()`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import attrs

from govbiz.calendar.status import upcoming_year_warning
from govbiz.clock import beijing
from govbiz.metrics.asof import LedgerProblems
from govbiz.metrics.compute import compute_metrics
from govbiz.metrics.facts import local_day
from govbiz.metrics.figures import Figure, MetricsResult
from govbiz.metrics.grouping import GroupContext, Grouping, parse_cross_grouping
from govbiz.metrics.registry import MetricRegistry
from govbiz.metrics.render import to_record
from govbiz.metrics.score import MonthlyScores, scores_as_of

if TYPE_CHECKING:
    from govbiz.domain.actors import Actor
    from govbiz.ledger import Ledger
    from govbiz.supervision import CircularDraft

__all__ = [
    "CHART_METRICS",
    "DEFAULT_GROUPINGS",
    "REPORT_METRICS",
    "MetricsReport",
    "ReportSection",
    "TrendPoint",
    "build_metrics_report",
]

#: The figures a report prints, in this order (any registered metric may be added).
REPORT_METRICS: tuple[str, ...] = (
    "assigned",
    "completed",
    "in_progress",
    "solved",
    "completion_rate",
    "solved_rate",
    "feedback_on_time_rate",
    "completed_on_time_rate",
    "completed_on_time_extended",
    "overdue",
    "satisfaction_rate",
    "redo_rate",
    "handling_days_mean",
    "handling_days_median",
    "open_by_age",
)
#: The figures the charts draw; always computed, whatever else is asked for.
CHART_METRICS: tuple[str, ...] = ("assigned", "completed", "in_progress", "completion_rate", "overdue")
#: Department, category and month: the breakdowns a reception-day office reports.
DEFAULT_GROUPINGS: tuple[Grouping, ...] = (Grouping.DEPARTMENT, Grouping.CATEGORY, Grouping.MONTH)
#: How many month-ends the overdue trend looks back at most.
TREND_MONTHS = 12


@attrs.frozen(slots=True)
class ReportSection:
    """The report's figures broken down by one grouping (分组统计), or two crossed (交叉分组).

    `then_by` is the second grouping of a cross grouping: department ×
    month (部门×月份) gives a group per department and month.
    """

    grouping: Grouping
    result: MetricsResult
    then_by: Grouping | None = None

    @property
    def label_zh(self) -> str:
        """What the groups are, in Chinese: 主办部门, or 主办部门 × 交办月份."""
        return self.result.grouping_label_zh or self.grouping.label_zh

    @property
    def title(self) -> str:
        """The section heading, e.g. 按主办部门统计, 按主办部门 × 交办月份统计."""
        return f"按{self.label_zh}统计"


@attrs.frozen(slots=True)
class TrendPoint:
    """The overdue count (超期件数) at one month's end, and the problems assigned by then.

    `month` is `YYYY-MM`; `as_of` the instant it was taken at (the end of
    the month, or the report's instant for its own month).
    """

    month: str
    as_of: datetime
    overdue: Figure
    assigned: Figure


@attrs.frozen(slots=True)
class MetricsReport:
    """Figures as of one instant, ready to render (implements `govbiz.reports.Report`).

    `overall` is the ungrouped result (合计), `sections` one per grouping,
    `overdue_trend` the overdue count at each month's end, `circular` an
    optional supervision circular for a period.  `notes` are lines a reader
    must see beside the figures, such as the warning that next year's
    holiday notice is not yet in the ledger.  `scores` are a month's
    scores per department with the 红黑榜 (月度考核), if asked for;
    `department_names` the names printed for department codes.
    """

    title: str
    as_of: datetime
    overall: MetricsResult
    sections: tuple[ReportSection, ...] = ()
    overdue_trend: tuple[TrendPoint, ...] = ()
    county: str | None = None
    county_name: str = ""
    circular: CircularDraft | None = None
    notes: tuple[str, ...] = ()
    scores: MonthlyScores | None = None
    department_names: Mapping[str, str] = attrs.field(factory=dict, hash=False)

    def department_name(self, code: str) -> str:
        """The printed name of a department code (the code if the ledger has no name for it)."""
        return self.department_names.get(code, code)

    def section(
        self, grouping: Grouping | str, then_by: Grouping | str | None = None
    ) -> ReportSection | None:
        """The section of `grouping` (crossed with `then_by`), or `None` if the report has none.

        `grouping` may also name a cross grouping itself: ``"department×month"``.
        """
        wanted = parse_cross_grouping(grouping if then_by is None else (grouping, then_by))
        return next((s for s in self.sections if (s.grouping, s.then_by) == wanted), None)

    def to_dict(self) -> dict[str, Any]:
        """Every figure, its definition and its problem ids, as JSON-ready data."""
        from govbiz.supervision import circular_to_json

        return {
            "kind": "metrics",
            "title": self.title,
            "county": self.county,
            "county_name": self.county_name,
            "as_of": self.as_of.isoformat(),
            "notes": list(self.notes),
            "overall": to_record(self.overall).model_dump(mode="json"),
            "sections": [
                {"grouping": s.grouping.value, "then_by": s.then_by.value if s.then_by else None,
                 "title": s.title,
                 "result": to_record(s.result).model_dump(mode="json")}
                for s in self.sections
            ],
            "overdue_trend": [
                {"month": p.month, "as_of": p.as_of.isoformat(), "overdue": len(p.overdue.numerator),
                 "assigned": len(p.assigned.numerator), "problems": list(p.overdue.numerator)}
                for p in self.overdue_trend
            ],
            "circular": json.loads(circular_to_json(self.circular)) if self.circular else None,
            "scores": self.scores.to_json() if self.scores else None,
        }  # fmt: skip


def build_metrics_report(
    ledger: Ledger,
    actor: Actor,
    *,
    as_of: datetime,
    county: str | None = None,
    groupings: Iterable[Grouping | str | tuple[Grouping | str, Grouping | str]] = DEFAULT_GROUPINGS,
    metrics: Sequence[str] = REPORT_METRICS,
    registry: MetricRegistry | None = None,
    circular_since: date | None = None,
    title: str | None = None,
    score_month: str | None = None,
) -> MetricsReport:
    """The report on the problems `actor` may see (narrowed to `county`), as of `as_of`.

    `groupings` are `Grouping`s or their names, one section each; a cross
    grouping is a pair or a name such as ``"department×month"`` (部门×月份).
    `metrics` are names in `registry` (the standard registry by default);
    the chart figures (`CHART_METRICS`) are added when missing.  With
    `circular_since` the report carries the supervision circular for
    `circular_since` up to the day of `as_of` (needs `county`).  With
    `score_month` (`YYYY-MM`) it carries that month's scores and 红黑榜 under
    the county's `ScorePolicy`, as of the month's end or `as_of` if earlier
    (needs `county`).
    """
    filters = {"county": county} if county else {}
    source = LedgerProblems(ledger, actor, **filters)
    context = GroupContext.from_ledger(ledger, actor)
    names = tuple(dict.fromkeys([*metrics, *CHART_METRICS]))

    def compute(grouping: Grouping | None, then_by: Grouping | None = None) -> MetricsResult:
        return compute_metrics(
            source, as_of, metrics=names, group_by=grouping, then_by=then_by, registry=registry,
            context=context,
        )  # fmt: skip

    def section(grouping: Grouping, then_by: Grouping | None) -> ReportSection:
        return ReportSection(grouping, compute(grouping, then_by), then_by)

    county_name = context.label(Grouping.COUNTY, county) if county else ""
    warning = upcoming_year_warning(ledger.policy(county or actor.county).calendar, local_day(as_of))
    return MetricsReport(
        title=title or _default_title(county_name, as_of),
        as_of=as_of,
        overall=compute(None),
        sections=tuple(section(*parse_cross_grouping(g, "groupings")) for g in groupings),
        overdue_trend=overdue_trend(source, as_of, registry=registry),
        county=county,
        county_name=county_name if county_name != county else "",
        circular=_circular(
            ledger,
            actor,
            county=county,
            since=circular_since,
            as_of=as_of,
            context=context,
            registry=registry,
        ),
        notes=(warning,) if warning else (),
        scores=_scores(ledger, source, county, score_month, as_of),
        department_names=dict(context.labels.get(Grouping.DEPARTMENT, {})),
    )


def _scores(
    ledger: Ledger, source: LedgerProblems, county: str | None, month: str | None, as_of: datetime
) -> MonthlyScores | None:
    """The month's scores as of its end (or `as_of`, for the month under way), on the county's rules."""
    if month is None:
        return None
    if county is None:
        from govbiz.errors import ValidationError

        raise ValidationError("county", None, "scores are a county's: give the county")
    return scores_as_of(
        source, county=county, month=month, as_of=as_of,
        policy=ledger.profile(county).scores(), working_calendar=ledger.policy(county).calendar,
    )  # fmt: skip


def _default_title(county_name: str, as_of: datetime) -> str:
    day = local_day(as_of)
    place = county_name if county_name and not county_name.isdigit() else ""
    return f"{place}政企面对面交办问题办理情况统计（截至{day.year}年{day.month}月{day.day}日）"


def overdue_trend(
    source: LedgerProblems, as_of: datetime, *, registry: MetricRegistry | None = None
) -> tuple[TrendPoint, ...]:
    """The overdue count at the end of each month up to `as_of` (at most `TREND_MONTHS`).

    Each point is computed as of that month's last instant (Beijing time),
    with every problem replayed to its state then, so the trend shows what
    was overdue at each month's end, not today's overdue problems by month.
    Leading months before the first assignment are left out.
    """
    points = []
    for month, instant in _month_ends(as_of, TREND_MONTHS):
        result = compute_metrics(source, instant, metrics=("assigned", "overdue"), registry=registry)
        points.append(TrendPoint(month, instant, result.figure("overdue"), result.figure("assigned")))
    while points and not points[0].assigned.numerator:
        points.pop(0)
    return tuple(points)


def _month_ends(as_of: datetime, count: int) -> list[tuple[str, datetime]]:
    """(YYYY-MM, the month's end instant) for the `count` months up to `as_of`'s, oldest first."""
    day = local_day(as_of)
    year, month = day.year, day.month
    ends: list[tuple[str, datetime]] = []
    for _ in range(count):
        next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
        end = datetime(next_year, next_month, 1, tzinfo=beijing())
        ends.append((f"{year:04d}-{month:02d}", min(end, as_of)))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return ends[::-1]


def _circular(
    ledger: Ledger,
    actor: Actor,
    *,
    county: str | None,
    since: date | None,
    as_of: datetime,
    context: GroupContext,
    registry: MetricRegistry | None,
) -> CircularDraft | None:
    if since is None:
        return None
    from govbiz.errors import ValidationError
    from govbiz.supervision import generate_circular

    if county is None:
        raise ValidationError("county", None, "a circular is for one county: give the county")
    return generate_circular(
        LedgerProblems(ledger, actor, county=county), county=county, period_start=since,
        period_end=local_day(as_of), as_of=as_of, context=context, registry=registry,
        policy=ledger.policy(county),
    )  # fmt: skip
