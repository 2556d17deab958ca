"""Running a simulation: options, checks, the ledger, the plan and the engine together.

    from govbiz.simulation import RunOptions, load_scenario, run_simulation

    run = run_simulation(load_scenario("zhangjiajie"), url="memory://")
    run.figures()["figures"]["assigned"]     # 59

This is the I/O edge of the simulation: it opens the ledger (any storage
URL, through `govbiz.open`), refuses ranges the calendar cannot count, and
hands the notifications the library delivered to the caller (`notify`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from govbiz.clock import ManualClock, beijing, end_of_day
from govbiz.domain import Actor, Role
from govbiz.errors import CalendarCoverageError, NotFoundError, ValidationError
from govbiz.ledger import Ledger
from govbiz.simulation.delivery import Notify
from govbiz.simulation.engine import Engine
from govbiz.simulation.plan import UnitPlan, plan_run
from govbiz.simulation.scenario import Scenario
from govbiz.simulation.stats import RunStats

if TYPE_CHECKING:
    from govbiz.calendar import WorkingCalendar

__all__ = ["DEADLINE_MARGIN_DAYS", "RunOptions", "SimulationRun", "run_simulation"]

#: Deadlines started on the last day of a run reach about this far beyond it (a 30-day
#: result clock moved past a holiday, an extension); the calendar must cover them.
DEADLINE_MARGIN_DAYS = 45


@attrs.frozen(slots=True)
class RunOptions:
    """How to run a scenario.

    `seed` and `as_of` default to the scenario's; `years` stretches the run
    (as_of moves on a year at a time); `cities` and `counties` add generated
    divisions for load tests: `cities` in all (the scenario's own first) and
    `counties` under each.
    """

    seed: int | None = None
    as_of: date | None = None
    years: int = 1
    cities: int = 1
    counties: int = 0


@attrs.define
class SimulationRun:
    """A finished run: the ledger to query, the plan, and what the engine did."""

    scenario: Scenario
    ledger: Ledger
    seed: int
    as_of: date
    units: list[UnitPlan]
    stats: RunStats

    @property
    def main(self) -> UnitPlan:
        """The scenario's own division."""
        return self.units[0]

    @property
    def instant(self) -> datetime:
        """The as-of instant: the end of the as-of day (its 24时, Beijing time), as in every command."""
        return end_of_day(self.as_of)

    def viewer(self, county: str | None = None) -> Actor:
        """A read-only actor of `county` (the scenario's division by default)."""
        return Actor(id="simulation-viewer", role=Role.VIEWER, county=county or self.main.code)

    def figures(self) -> dict[str, Any]:
        """The figures as JSON-ready data (see `govbiz.simulation.figures`)."""
        from govbiz.simulation.figures import collect

        return collect(self)


def run_simulation(
    scenario: Scenario,
    *,
    options: RunOptions | None = None,
    url: str = "memory://",
    ledger: Ledger | None = None,
    notify: Notify | None = None,
    on_day: Callable[[date], None] | None = None,
) -> SimulationRun:
    """Plan and play `scenario` on the ledger at `url` (or the `ledger` given).

    A given `ledger` must run on a `govbiz.clock.ManualClock`; the
    scenario's `county_file` is applied to it (`govbiz county apply`) and
    takes effect where the ledger lays the files it keeps, as
    `govbiz.open`'s ledgers do.  Raises
    `govbiz.errors.ValidationError` for options the scenario or the
    calendar cannot serve (field `as_of`, `years`, `cities`, `counties`,
    or the scenario field at fault) and for a ledger that already holds the
    scenario's division.
    """
    options = options or RunOptions()
    seed = scenario.seed if options.seed is None else options.seed
    as_of = _as_of(scenario, options)
    if ledger is None:
        import govbiz
        from govbiz.ports.cipher import ClearContacts

        ledger = govbiz.open(
            url, clock=ManualClock(datetime.combine(scenario.start, time(8), tzinfo=beijing())),
            # A scenario's contacts are invented: a replay needs no key ring, and says nothing about it.
            clear_contacts=ClearContacts.ALLOW,
        )
    clock = ledger.clock
    if not isinstance(clock, ManualClock):
        raise ValidationError("ledger", type(clock).__name__, "a simulation needs a ledger on a ManualClock")
    calendar = ledger.policy(scenario.division.code).calendar
    _check_coverage(scenario, as_of, calendar, "years" if options.years > 1 else "as_of")
    # The plan always reaches the scenario's date, so a run stopped earlier is the same
    # year seen sooner, not a different year.
    plan_end = max(as_of, scenario.as_of)
    units = plan_run(
        scenario, seed=seed, end=plan_end, calendar=calendar, cities=options.cities, counties=options.counties
    )
    _check_empty(ledger, units[0].code)
    _check_profiles(ledger, scenario, units)
    engine = Engine(scenario, ledger, clock, units, seed=seed, as_of=as_of, notify=notify, on_day=on_day)
    stats = engine.run()
    return SimulationRun(scenario=scenario, ledger=ledger, seed=seed, as_of=as_of, units=units, stats=stats)


def _as_of(scenario: Scenario, options: RunOptions) -> date:
    if options.years < 1:
        raise ValidationError("years", options.years, "must be 1 or more")
    if options.cities < 1:
        raise ValidationError("cities", options.cities, "must be 1 or more")
    if options.counties < 0:
        raise ValidationError("counties", options.counties, "must be 0 or more")
    as_of = options.as_of or _years_later(scenario.as_of, options.years - 1)
    if as_of < scenario.start:
        raise ValidationError("as_of", as_of.isoformat(), f"is before the scenario starts ({scenario.start})")
    return as_of


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _check_coverage(scenario: Scenario, as_of: date, calendar: WorkingCalendar, field: str) -> None:
    """Refuse a run whose days or deadlines fall in a year the calendar has no notice for."""
    for day in (scenario.start, as_of, as_of + timedelta(days=DEADLINE_MARGIN_DAYS)):
        try:
            calendar.is_working_day(day)
        except CalendarCoverageError as exc:
            raise ValidationError(
                field,
                as_of.isoformat() if field == "as_of" else day.year,
                f"the run from {scenario.start} to {as_of} needs working days of {exc.year} "
                f"(deadlines run up to {DEADLINE_MARGIN_DAYS} days past the end), but the calendar "
                f"covers {exc.first_year}–{exc.last_year}: {exc}",
            ) from exc


def _check_empty(ledger: Ledger, code: str) -> None:
    viewer = Actor(id="simulation-check", role=Role.VIEWER, county=code)
    try:
        ledger.record(viewer, "division", code)
    except NotFoundError:
        return
    raise ValidationError("db", code, "the ledger already holds this division; simulate into a new database")


def _check_profiles(ledger: Ledger, scenario: Scenario, units: list[UnitPlan]) -> None:
    """Every category and source the scenario uses must be in each county's profile."""
    sources = {*scenario.sources, *(case.source for case in scenario.cases)}
    for unit in units:
        profile = ledger.profile(unit.code)
        for i, category in enumerate(scenario.categories):
            if category.name not in profile.categories:
                raise ValidationError(
                    f"categories.{i}.name",
                    category.name,
                    f"is not a category of {unit.name} ({unit.code}); its profile has "
                    f"{', '.join(profile.categories)} (change the scenario or the county's profile plugin)",
                )
        for source in sorted(sources):
            if source not in profile.sources:
                raise ValidationError(
                    "sources",
                    source,
                    f"is not a source of {unit.name}; its profile has {', '.join(profile.sources)}",
                )
