"""The reception-day simulation (接待日仿真): a year like the article's, replayed through the Ledger.

    from govbiz.simulation import load_scenario, run_simulation

    run = run_simulation(load_scenario("zhangjiajie"))
    figures = run.figures()
    figures["figures"]["assigned"], figures["figures"]["solved"]    # 59, 39

A scenario (`govbiz.simulation.scenario`, a TOML file) describes a city:
leaders, departments, categories, sessions, behaviour, cases and the
figures to reproduce.  `plan` decides what happens, `engine` plays it out
as discrete events on a `ManualClock` through `Ledger.handle` only (when),
`actors` decides what each person does (sign late, ask for more time, be
unsatisfied, press a late department), `delivery` sends the library's own
notifications (the daily sweep of `govbiz remind` and the dispatcher, into
capture channels), `figures` reads the results back through
`govbiz.metrics`, and `summary` prints them.  `govbiz simulate` is the
command-line face of all this.
"""

from govbiz.simulation.runner import RunOptions, SimulationRun, run_simulation
from govbiz.simulation.scenario import Scenario, known_scenarios, load_scenario, parse_scenario

__all__ = [
    "RunOptions",
    "Scenario",
    "SimulationRun",
    "known_scenarios",
    "load_scenario",
    "parse_scenario",
    "run_simulation",
]
