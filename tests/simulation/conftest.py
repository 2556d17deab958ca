"""Fixtures: the default scenario run once per module on the in-memory store (plugins not loaded)."""

from __future__ import annotations

from datetime import datetime

import pytest

from govbiz.clock import ManualClock, beijing
from govbiz.ledger import Ledger
from govbiz.simulation import RunOptions, Scenario, SimulationRun, load_scenario, run_simulation
from govbiz.storage import MemoryStore


def fresh_ledger(scenario: Scenario) -> Ledger:
    """An empty in-memory ledger on a manual clock at the scenario's start."""
    clock = ManualClock(datetime.combine(scenario.start, datetime.min.time(), tzinfo=beijing()))
    return Ledger(MemoryStore(), clock=clock)


def simulate(options: RunOptions | None = None, scenario: Scenario | None = None) -> SimulationRun:
    scenario = scenario or load_scenario("zhangjiajie")
    return run_simulation(scenario, options=options, ledger=fresh_ledger(scenario))


@pytest.fixture(scope="module")
def zhangjiajie() -> SimulationRun:
    return simulate()
