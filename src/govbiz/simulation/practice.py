"""The county's practice in a run (办理规则): returns, co-handlers, ratings, the ladder, the scores.

What the `practice` scenario shows, counted from what the library recorded:
the events of the run's problems (退单 and their decisions, 协办 replies,
核实, 申诉), the notifications it delivered (reminders to late co-handlers,
reminder letters), the circulars it published (拟通报批评) and the monthly
scores (`govbiz.metrics.score.monthly_scores`, 红黑榜).  Nothing here is
scripted: a scenario without those rules simply counts zeros.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from govbiz.domain.problem import CO_HANDLING, Problem
from govbiz.metrics.score import county_scores
from govbiz.ports.outbox import OutboxStatus

if TYPE_CHECKING:
    from govbiz.domain.events import DomainEvent
    from govbiz.simulation.runner import SimulationRun

__all__ = ["criticism_rows", "practice_figures"]

#: The heading of the circular's section the escalation ladder fills (govbiz.supervision.output).
_CRITICISM = "、拟通报批评"


def practice_figures(run: SimulationRun) -> dict[str, Any]:
    """The practice figures of `run`'s main division as JSON-ready data (the summary's 办理规则 table)."""
    county = run.main.code
    problems = {p.id: p for p in run.ledger.problems(run.viewer(), county=county)}
    with run.ledger.store.unit_of_work() as uow:
        events = [e for e in uow.events(stream="problem") if e.county == county]
    kinds = Counter(e.kind for e in events)
    outbox = run.ledger.store.outbox()
    sent = [e for e in outbox.entries(OutboxStatus.SENT, limit=1_000_000) if e.county == county]
    triggers = [e.notification.data for e in sent]
    decided = [e for e in events if e.kind == "decide_return"]
    verified = Counter(e.state_after for e in events if e.kind == "verify")
    appeals = [e for e in events if e.kind == "decide_appeal"]
    replies = [e for e in events if e.kind == "report_co_handling"]
    co_reminded = {d.get("problem_id") for d in triggers if d.get("clock") == CO_HANDLING}
    letters = [d for d in triggers if d.get("trigger") == "reminder_letter"]
    visits = Counter(v.satisfaction.label_zh for p in problems.values() for v in p.return_visits)
    return {
        "returns": {
            "requested": kinds["return"],
            "accepted": sum(1 for e in decided if e.state_after == "returned"),
            "refused": sum(1 for e in decided if e.state_after != "returned"),
        },
        "co_handling": {
            "replies": len(replies),
            "late": sum(1 for e in replies if _late_reply(e, problems.get(e.stream_id))),
            "reminded_problems": len(co_reminded - {None}),
        },
        "visits": dict(sorted(visits.items())),
        "verification": {"opened": _opened(events), **_verified(verified)},
        "appeals": {
            "requested": kinds["appeal_rating"],
            "granted": sum(1 for e in appeals if e.payload.get("granted")),
            "refused": sum(1 for e in appeals if not e.payload.get("granted")),
        },
        "escalation": {
            "reminder_letters": len(letters),
            "criticisms": criticism_rows(run),
        },
        "scores": [_scores(run, month) for month in _months(run)],
    }


def criticism_rows(run: SimulationRun) -> list[dict[str, str]]:
    """Each department the published circulars proposed for 书面通报批评: circular, department, problem."""
    rows = []
    for circular in run.ledger.records(run.viewer(), "circular"):
        if circular.county != run.main.code:
            continue
        for department, problem in _section_rows(circular.body):
            rows.append({"circular": circular.id, "department": department, "problem_id": problem})
    return rows


def _section_rows(body: str) -> list[tuple[str, str]]:
    """The (department, problem id) rows of a circular's 拟通报批评 table."""
    found: list[tuple[str, str]] = []
    inside = False
    for line in body.splitlines():
        if line.startswith("## "):
            inside = line.endswith(_CRITICISM)
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")] if line.startswith("| ") else []
        if inside and len(cells) > 2 and cells[0] != "部门" and not cells[0].startswith("---"):
            found.append((cells[0], cells[1]))
    return found


def _late_reply(event: DomainEvent, problem: Problem | None) -> bool:
    """A co-handler's reply after its clock's cutoff (the assignment it answered is the current one)."""
    if problem is None or problem.assignment is None:
        return False
    due = problem.assignment.deadline(CO_HANDLING)
    return due is not None and event.occurred_at >= due.cutoff


def _opened(events: list[DomainEvent]) -> int:
    return sum(1 for e in events if e.kind == "return_visit" and e.state_after == "verifying")


def _verified(outcomes: Counter[str | None]) -> dict[str, int]:
    return {"redo": outcomes["redo"], "explained": outcomes["closed"]}


def _months(run: SimulationRun) -> list[str]:
    """The months scored: the scenario's `score_months` (none unless it names them)."""
    return list(run.scenario.score_months)


def _scores(run: SimulationRun, month: str) -> dict[str, Any]:
    """The month's scores as of its end (or the run's, if sooner), on the problems as they stood then."""
    county = run.main.code
    board = county_scores(run.ledger, run.viewer(), county, month, as_of=run.instant)
    data = board.to_json()
    names = {d.code: d.label for d in run.ledger.records(run.viewer(), "department") if d.county == county}
    return {
        "month": month,
        "names": names,
        "ranked": [(s.department, s.score) for s in board.ranked()],
        "red_list": data["red_list"],
        "black_list": data["black_list"],
        "unranked": data["unranked"],
    }
