"""As-of semantics: a past date's figures come out the same later, by replaying events."""

from __future__ import annotations

from datetime import datetime

import pytest

from govbiz import commands as c
from govbiz.errors import ValidationError
from govbiz.metrics import (
    LedgerProblems,
    ReplayedStreams,
    compute_metrics,
    problem_as_of,
    to_json,
)
from tests.conftest import World

METRICS = ["assigned", "completed", "completion_rate", "overdue", "satisfaction_rate", "open_by_age"]


def _two_problems(world: World) -> tuple[str, str]:
    first = world.signed("新厂五通一平")
    second = world.signed("老厂土地变性招拍")
    world.at("2025-04-08 10:00")
    world.ledger.handle(world.zgj, c.ReportResult(problem_id=first.id, outcome="solved", text="已解决"))
    return first.id, second.id


def test_figures_for_a_past_instant_do_not_change_when_the_ledger_moves_on(world: World) -> None:
    first, second = _two_problems(world)
    then = world.at("2025-04-09 12:00")
    before = to_json(compute_metrics(LedgerProblems(world.ledger, world.viewer), then, metrics=METRICS))
    world.at("2025-04-10 10:00")
    world.ledger.handle(world.collector, c.RecordReturnVisit(problem_id=first, satisfied=True))
    world.ledger.handle(world.zgj, c.ReportResult(problem_id=second, outcome="solved", text="已解决"))
    again = to_json(compute_metrics(LedgerProblems(world.ledger, world.viewer), then, metrics=METRICS))
    assert again == before
    now = compute_metrics(LedgerProblems(world.ledger, world.viewer), world.clock.now(), metrics=METRICS)
    assert now.figure("completion_rate").text() == "100.0%"


def test_the_fast_path_and_full_replay_agree(world: World) -> None:
    _two_problems(world)
    now = world.at("2025-05-06 10:00")
    stored = world.ledger.problems(world.viewer)
    streams = [world.ledger.history(world.viewer, p.id) for p in stored]
    fast = compute_metrics(stored, now, metrics=METRICS)
    replayed = compute_metrics(ReplayedStreams(streams), now, metrics=METRICS)
    assert to_json(fast) == to_json(replayed)
    assert fast.figure("overdue").value == 1  # the second problem's result was due 30 April


def test_plain_problems_refuse_an_instant_before_their_last_change(world: World) -> None:
    _two_problems(world)
    stored = world.ledger.problems(world.viewer)
    with pytest.raises(ValidationError, match="changed after it") as info:
        compute_metrics(stored, world.at("2025-04-01 10:00"), metrics=METRICS)
    assert info.value.field == "as_of"


def test_a_problem_before_its_first_event_does_not_exist(world: World) -> None:
    problem = world.signed()
    history = world.ledger.history(world.viewer, problem.id)
    early = history[0].occurred_at.replace(year=2024)
    assert problem_as_of(history, early) is None
    assert problem_as_of(history, history[-1].occurred_at) == problem


def test_a_naive_as_of_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        compute_metrics([], datetime(2025, 4, 1), metrics=METRICS)
    assert info.value.field == "as_of"
