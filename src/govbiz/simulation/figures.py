"""The figures of a run (统计数据), read back from the ledger through `govbiz.metrics`.

Every rate comes from a `govbiz.metrics.MetricDefinition`, so its
numerator, denominator and exclusions are printed with it: the standard
办结率 (`completion_rate`, 9/14 = 64.3% for land planning in the article)
and the article's own 75% (`completion_rate_excluding_long_term`, 9/12:
long-term problems 长期推进 left out of the denominator).  Counts the metric
registry has no name for (reception days held, distinct enterprises,
reminders, lasting rules) are read from the ledger's records and problems.
The result is plain JSON-ready data, identical for identical runs.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from govbiz.domain import Problem, ReminderKind
from govbiz.metrics import (
    COMPLETION_RATE_EXCLUDING_LONG_TERM,
    Fact,
    Figure,
    GroupContext,
    LedgerProblems,
    MetricDefinition,
    MetricKind,
    MetricsResult,
    compute_metrics,
    standard_registry,
)
from govbiz.simulation.practice import practice_figures

if TYPE_CHECKING:
    from govbiz.metrics import MetricRegistry
    from govbiz.simulation.runner import SimulationRun

__all__ = ["HEADLINE_METRICS", "LONG_TERM", "collect", "registry"]

#: 长期推进数: the registry counts long-term problems as a fact only; the summary needs the count.
LONG_TERM = MetricDefinition(
    "long_term", "长期推进数", MetricKind.COUNT, Fact.LONG_TERM,
    "报送结果为长期推进、尚无最终结果的件数", "problems reported as long-term with no final result yet",
)  # fmt: skip

#: The metrics of the headline table, in order.
HEADLINE_METRICS = (
    "assigned",
    "solved",
    "completed",
    "in_progress",
    "long_term",
    "completion_rate",
    "completion_rate_excluding_long_term",
    "solved_rate",
    "feedback_on_time_rate",
    "completed_on_time_rate",
    "satisfaction_rate",
    "redo_rate",
    "overdue",
)
#: The metrics of the per-category table.
CATEGORY_METRICS = (
    "assigned",
    "completed",
    "in_progress",
    "long_term",
    "solved",
    "completion_rate",
    "completion_rate_excluding_long_term",
)


def registry() -> MetricRegistry:
    """The standard metrics plus the article's 75% variant and the long-term count."""
    return standard_registry().with_metric(COMPLETION_RATE_EXCLUDING_LONG_TERM).with_metric(LONG_TERM)


def collect(run: SimulationRun) -> dict[str, Any]:
    """Every figure of `run` as of its as-of instant, as JSON-ready data."""
    main = run.main
    viewer = run.viewer()
    problems = run.ledger.problems(viewer, county=main.code)
    reg = registry()
    source = LedgerProblems(run.ledger, viewer, county=main.code)
    headline = compute_metrics(source, run.instant, metrics=HEADLINE_METRICS, registry=reg)
    by_category = compute_metrics(
        source, run.instant, metrics=CATEGORY_METRICS, registry=reg, group_by="category",
        context=GroupContext.from_ledger(run.ledger, viewer),
    )  # fmt: skip
    sessions = _sessions(run)
    data: dict[str, Any] = {
        "scenario": {"name": run.scenario.name, "title": run.scenario.title, "source": run.scenario.source},
        "seed": run.seed,
        "as_of": run.as_of.isoformat(),
        "division": {"code": main.code, "name": main.name},
        "definitions": _definitions(reg),
        "figures": {"sessions": len(sessions), **_values(headline)},
        "sessions": sessions,
        "categories": _categories(by_category, problems),
        "handling": _handling(run, problems),
        "lasting_rules": _lasting_rules(run, problems),
        "cases": _cases(run),
        "targets": _targets(run, len(sessions), headline, by_category, problems),
        "run": {"divisions": len(run.units), **run.stats.to_dict()},
        "practice": practice_figures(run),
    }
    if len(run.units) > 1:
        data["divisions"] = _divisions(run, reg)
    return data


def _definitions(reg: MetricRegistry) -> dict[str, dict[str, str]]:
    definitions = {
        "sessions": {
            "name_zh": "接待日场次",
            "zh": "统计时点前已举行的接待日（含圆桌会议、专场）",
            "en": "reception days (round tables and special sessions included) held by the as-of date",
        },
        "enterprises": {
            "name_zh": "反映企业数",
            "zh": "反映该类问题的不同企业数",
            "en": "distinct enterprises that raised problems of the category",
        },
    }
    for name in HEADLINE_METRICS:
        d = reg.get(name)
        denominator = f"; denominator: {d.denominator.value}" if d.denominator else ""
        exclusions = ", ".join(sorted(f.value for f in d.exclusions))
        definitions[name] = {
            "name_zh": d.name_zh,
            "zh": d.description_zh,
            "en": f"{d.description_en} (numerator: {d.numerator.value}{denominator}; excluded: {exclusions})",
        }
    return definitions


def _values(result: MetricsResult, group: str | None = None) -> dict[str, Any]:
    figures = result.total.figures if group is None else result.group(group).figures
    values: dict[str, Any] = {}
    for figure in figures:
        name = figure.definition.name
        if figure.definition.kind is MetricKind.RATE:
            values[name] = _rate(figure)
        else:
            values[name] = len(figure.numerator)
    return values


def _rate(figure: Figure) -> dict[str, Any]:
    """A rate as text (`64.3%`, `9/14`, kept for readers of the text) and as numbers beside it.

    `ratio` is the exact fraction (0.642857...), `percent` the printed value
    as a number (64.3); both `None` when the denominator is empty.
    """
    exact, value = figure.exact, figure.value
    return {
        "value": figure.text(),
        "fraction": figure.fraction_text(),
        "numerator": figure.numerator_count,
        "denominator": figure.denominator_count,
        "ratio": None if exact is None else round(float(exact), 6),
        "percent": None if value is None else float(value),
    }


def _sessions(run: SimulationRun) -> list[dict[str, Any]]:
    main = run.main
    records = [
        s
        for s in run.ledger.records(run.viewer(), "session")
        if s.county == main.code and s.held_on <= run.as_of
    ]
    assigned = Counter(
        p.assignment.session_id
        for p in run.ledger.problems(run.viewer(), county=main.code)
        if p.assignment is not None
    )
    return [
        {
            "id": s.id,
            "date": s.held_on.isoformat(),
            "kind": s.kind.value,
            "kind_zh": s.kind.label_zh,
            "chair": f"{s.chair.title}{s.chair.name}",
            "topic": s.topic,
            "attendees": list(s.attendees),
            "assigned": assigned[s.id],
        }
        for s in sorted(records, key=lambda s: s.held_on)
    ]


def _categories(result: MetricsResult, problems: list[Problem]) -> list[dict[str, Any]]:
    enterprises: dict[str, set[str]] = {}
    for p in problems:
        if p.assignment is not None:
            enterprises.setdefault(p.category, set()).add(p.enterprise_id)
    rows = []
    for group in result.groups:
        if group.key is None:
            continue
        values = _values(result, group.key)
        rows.append({"name": group.key, "enterprises": len(enterprises.get(group.key, ())), **values})
    return sorted(rows, key=lambda r: (-r["assigned"], r["name"]))


def _handling(run: SimulationRun, problems: list[Problem]) -> dict[str, int]:
    reminders = Counter(r.kind for p in problems for r in p.reminders)
    circulars = [c for c in run.ledger.records(run.viewer(), "circular") if c.county == run.main.code]
    return {
        "reminders": reminders[ReminderKind.REMINDER],
        "supervision": reminders[ReminderKind.SUPERVISION],
        "circulars": len(circulars),
        "departments_named_in_circulars": len({d for c in circulars for d in c.departments}),
        "extensions": sum(1 for p in problems for e in p.extensions if e.status.value == "approved"),
        "returned": sum(len(p.previous_assignments) for p in problems),
        "unsatisfied_visits": sum(1 for p in problems for v in p.return_visits if not v.satisfied),
        "redone": sum(1 for p in problems if p.redo_count),
        "on_the_spot_deadlines": sum(1 for p in problems if p.assignment and p.assignment.on_the_spot),
        "collected_not_yet_assigned": sum(1 for p in problems if p.assignment is None),
    }


def _lasting_rules(run: SimulationRun, problems: list[Problem]) -> list[dict[str, Any]]:
    linked = Counter(rule for p in problems for rule in p.lasting_rules)
    departments = {d.code: d.label for d in run.ledger.records(run.viewer(), "department")}
    return [
        {
            "id": r.id,
            "title": r.title,
            "issued_by": departments.get(r.issued_by, r.issued_by),
            "issued_on": r.issued_on.isoformat(),
            "problems": linked[r.id],
        }
        for r in run.ledger.records(run.viewer(), "lasting_rule")
        if r.county == run.main.code
    ]


def _cases(run: SimulationRun) -> list[dict[str, Any]]:
    viewer = run.viewer()
    cases = []
    for key, ids in run.stats.cases.items():
        items = []
        for problem_key, problem_id in ids.items():
            problem = run.ledger.problem(viewer, problem_id)
            events = [
                {
                    "at": e.occurred_at.isoformat(timespec="minutes"),
                    "kind": e.kind,
                    "actor": e.actor_id,
                    "state": e.state_after,
                    "text": str(
                        e.payload.get("text") or e.payload.get("note") or e.payload.get("notes") or ""
                    ),
                }
                for e in run.ledger.history(viewer, problem_id)
            ]
            outcome = problem.result.outcome.value if problem.result else None
            items.append(
                {
                    "key": problem_key,
                    "id": problem_id,
                    "title": problem.title,
                    "state": problem.state.value,
                    "outcome": outcome,
                    "events": events,
                }
            )
        cases.append({"key": key, "problems": items})
    return cases


def _targets(
    run: SimulationRun,
    sessions: int,
    headline: MetricsResult,
    by_category: MetricsResult,
    problems: list[Problem],
) -> list[dict[str, Any]]:
    """Each pinned figure with its expected and actual value (only meaningful at the scenario's date)."""
    targets = run.scenario.targets
    if targets is None:
        return []
    applies = run.as_of == run.scenario.as_of
    rows = [
        ("sessions", len(run.scenario.sessions_until(run.scenario.as_of)), sessions),
        ("assigned", targets.assigned, len(headline.figure("assigned").numerator)),
        ("solved", targets.solved, len(headline.figure("solved").numerator)),
    ]
    groups = {g.key for g in by_category.groups}
    for target in targets.categories:

        def count(metric: str, name: str = target.name) -> int:
            return len(by_category.figure(metric, name).numerator) if name in groups else 0

        rows.append((f"{target.name}.assigned", target.problems, count("assigned")))
        if target.enterprises is not None:
            raised = {p.enterprise_id for p in problems if p.category == target.name and p.assignment}
            rows.append((f"{target.name}.enterprises", target.enterprises, len(raised)))
        if target.completed is not None:
            rows.append((f"{target.name}.completed", target.completed, count("completed")))
            rows.append(
                (f"{target.name}.in_progress", target.problems - target.completed, count("in_progress"))
            )
            rows.append((f"{target.name}.long_term", target.long_term, count("long_term")))
    return [
        {"figure": name, "expected": expected, "actual": actual, "ok": expected == actual, "applies": applies}
        for name, expected, actual in rows
    ]


def _divisions(run: SimulationRun, reg: MetricRegistry) -> list[dict[str, Any]]:
    """One row per city, its counties rolled up (a city's viewer sees them)."""
    rows = []
    for unit in run.units:
        if unit.level != "city":
            continue
        source = LedgerProblems(run.ledger, run.viewer(unit.code))
        result = compute_metrics(
            source, run.instant, metrics=("assigned", "solved", "completed", "completion_rate"), registry=reg
        )
        counties = sum(1 for u in run.units if u.parent == unit.code)
        rows.append({"code": unit.code, "name": unit.name, "counties": counties, **_values(result)})
    return rows
