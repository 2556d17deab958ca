"""The plan of a run (安排): divisions, sessions, problems and their fates, before any event.

Planning is pure: from a scenario, a seed and the run's range it decides who
exists, when each reception day is held, which problems are raised at it,
by which enterprise, through which channel, for which department, and, for
problems covered by the scenario's `targets`, how each one stands on the
target date (its *fate*).  The engine then plays the plan out through the
ledger, choosing the exact timing of every step.

How targets are met whatever the seed: the number of problems per session
is in the file; the pinned categories get exactly their count, placed in
random sessions; their enterprises, completed and long-term problems are
drawn to the pinned numbers; the other problems then share out exactly the
solved figure that is left.  Problems left open are taken from the latest
sessions, as they would be in life.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta
from enum import StrEnum

import attrs

from govbiz.calendar import WorkingCalendar
from govbiz.errors import ValidationError
from govbiz.simulation.names import NameGenerator, place_name
from govbiz.simulation.scenario import CaseSpec, DivisionSpec, Scenario

__all__ = [
    "DepartmentPlan",
    "EnterprisePlan",
    "Fate",
    "LeaderPlan",
    "ProblemPlan",
    "SessionPlan",
    "UnitPlan",
    "plan_run",
]


class Fate(StrEnum):
    """Where a problem stands on the target date (办理结果 or still open)."""

    SOLVED = "solved"
    PARTIALLY_SOLVED = "partially_solved"
    EXPLAINED = "explained"
    LONG_TERM = "long_term"
    OPEN = "open"

    @property
    def completed(self) -> bool:
        """True for the final outcomes that make a problem completed (办结)."""
        return self in (Fate.SOLVED, Fate.PARTIALLY_SOLVED, Fate.EXPLAINED)


@attrs.frozen(slots=True)
class DepartmentPlan:
    """A department of one division: scenario key, ledger code and names."""

    key: str
    code: str
    name: str
    short_name: str


@attrs.frozen(slots=True)
class LeaderPlan:
    """A leader of one division."""

    key: str
    title: str
    name: str

    @property
    def label(self) -> str:
        """`市委书记刘革安`, or the title alone when unnamed."""
        return f"{self.title}{self.name}"


@attrs.frozen(slots=True)
class EnterprisePlan:
    """An enterprise to register: key, name, credit code and contact."""

    key: str
    name: str
    credit_code: str
    industry: str = ""
    contact: str = ""
    contact_position: str = ""
    phone: str = ""


@attrs.frozen(slots=True)
class ProblemPlan:
    """A problem to raise: who, what, through which channel, for whom, and its fate.

    `fate` is `None` when no target pins it (the engine draws it from the
    behaviour's outcome weights); `in_window` marks problems whose fate
    must hold on the target date.  `case`/`case_problem` name a scripted
    case's problem, whose steps come from the scenario instead.
    """

    key: str
    enterprise: str
    title: str
    category: str
    source: str
    lead: str
    co_handlers: tuple[str, ...]
    collected_on: date
    fate: Fate | None = None
    in_window: bool = False
    case: str | None = None
    case_problem: str | None = None
    result_due: date | None = None


@attrs.frozen(slots=True)
class SessionPlan:
    """A reception day: planned on `planned_on`, held on `held_on`, with its problems."""

    number: int
    held_on: date
    planned_on: date
    kind: str
    chair: str
    topic: str
    place: str
    attendees: tuple[str, ...]
    problems: tuple[ProblemPlan, ...]


@attrs.frozen(slots=True)
class UnitPlan:
    """One simulated division (a city or a county) and everything planned in it."""

    code: str
    name: str
    level: str
    parent: str | None
    main: bool
    departments: dict[str, DepartmentPlan]
    leaders: dict[str, LeaderPlan]
    enterprises: tuple[EnterprisePlan, ...]
    sessions: tuple[SessionPlan, ...]

    @property
    def problem_count(self) -> int:
        """How many problems are planned in this division."""
        return sum(len(s.problems) for s in self.sessions)


# --- divisions -------------------------------------------------------------------------


def plan_run(
    scenario: Scenario,
    *,
    seed: int,
    end: date,
    calendar: WorkingCalendar,
    cities: int = 1,
    counties: int = 0,
) -> list[UnitPlan]:
    """Plan every division of a run from `scenario.start` to `end`.

    The scenario's own division comes first; `cities - 1` generated cities
    and `counties` counties under each city follow.
    """
    divisions = _divisions(scenario, cities, counties)
    units = []
    for spec, level, parent in divisions:
        main = spec.code == scenario.division.code
        rng = random.Random(f"{seed}:{spec.code}:plan")
        units.append(
            _unit(
                scenario,
                spec=spec,
                level=level,
                parent=parent,
                main=main,
                rng=rng,
                end=end,
                calendar=calendar,
            )
        )
    return units


def _divisions(scenario: Scenario, cities: int, counties: int) -> list[tuple[DivisionSpec, str, str | None]]:
    available = 1 + len(scenario.scale.cities)
    if cities > available:
        raise ValidationError(
            "cities", cities, f"the scenario lists {available} cities (its own and scale.cities)"
        )
    result: list[tuple[DivisionSpec, str, str | None]] = []
    for city in [scenario.division, *scenario.scale.cities[: cities - 1]]:
        result.append((city, "city", None))
        real = scenario.counties if city.code == scenario.division.code else []
        result.extend((county, "county", city.code) for county in _counties(scenario, city, real, counties))
    return result


def _counties(
    scenario: Scenario, city: DivisionSpec, real: Sequence[DivisionSpec], n: int
) -> list[DivisionSpec]:
    """`n` counties of `city`: the scenario's real ones first, then generated ones."""
    chosen = list(real[:n])
    used = {c.code for c in chosen}
    suffixes = scenario.scale.county_suffixes
    serial = 21
    while len(chosen) < n:
        code = f"{city.code[:4]}{serial:02d}"
        serial += 1
        if code in used or serial > 99:
            if serial > 99:
                raise ValidationError("counties", n, f"too many counties for city {city.code}")
            continue
        short = place_name(city.name)[:2]
        suffix = suffixes[(len(chosen) - len(real)) % len(suffixes)]
        round_ = (len(chosen) - len(real)) // len(suffixes)
        name = f"{short}{suffix}" if round_ == 0 else f"{short}{suffix}{round_ + 1}"
        chosen.append(DivisionSpec(code=code, name=name))
        used.add(code)
    return chosen


def _unit(
    scenario: Scenario,
    *,
    spec: DivisionSpec,
    level: str,
    parent: str | None,
    main: bool,
    rng: random.Random,
    end: date,
    calendar: WorkingCalendar,
) -> UnitPlan:
    departments = {
        d.key: DepartmentPlan(
            key=d.key,
            code=f"{spec.code}-{d.key}",
            name=d.name if main else f"{spec.name}{d.generic}",
            short_name=d.short_name if main else d.generic,
        )
        for d in scenario.departments
    }
    leaders = {
        leader.key: LeaderPlan(
            key=leader.key,
            title=leader.title if level == "city" else leader.title.replace("市", "县"),
            name=leader.name if main else "",
        )
        for leader in scenario.leaders
    }
    enterprises = _enterprises(scenario, spec, main, rng)
    dates = _session_dates(scenario, main, end, calendar)
    sessions = _sessions(
        scenario, main=main, dates=dates, enterprises=enterprises, rng=rng, calendar=calendar
    )
    return UnitPlan(
        code=spec.code,
        name=spec.name,
        level=level,
        parent=parent,
        main=main,
        departments=departments,
        leaders=leaders,
        enterprises=tuple(enterprises),
        sessions=tuple(sessions),
    )


def _enterprises(
    scenario: Scenario, spec: DivisionSpec, main: bool, rng: random.Random
) -> list[EnterprisePlan]:
    names = NameGenerator(spec.code, place_name(spec.name), rng)
    result = []
    if main:
        for named in scenario.enterprises.named:
            code = named.credit_code or _named_code(spec.code, named.key)
            names.reserve(named.name, code)
            result.append(
                EnterprisePlan(
                    key=named.key,
                    name=named.name,
                    credit_code=code,
                    industry=named.industry,
                    contact=named.contact,
                    contact_position=named.contact_position,
                )
            )
    count = scenario.enterprises.generate if main else scenario.scale.enterprises
    for i in range(count):
        made = names.enterprise()
        result.append(
            EnterprisePlan(
                key=f"e{i + 1:05d}",
                name=made.name,
                credit_code=made.credit_code,
                industry=made.industry,
                contact=made.contact,
                contact_position=made.contact_position,
                phone=made.phone,
            )
        )
    return result


def _named_code(division: str, key: str) -> str:
    """A named enterprise's invented code: fixed by its key, whatever the seed."""
    from govbiz.simulation.names import credit_code

    return credit_code(division, random.Random(f"named:{division}:{key}"))


# --- sessions ----------------------------------------------------------------------------


@attrs.frozen(slots=True)
class _SessionDate:
    held_on: date
    kind: str
    chair: str
    topic: str
    place: str
    attendees: tuple[str, ...]
    problems: int | None  # None: drawn from the cadence range


def _session_dates(
    scenario: Scenario, main: bool, end: date, calendar: WorkingCalendar
) -> list[_SessionDate]:
    listed = [
        _SessionDate(s.date, s.kind.value, s.chair, s.topic, s.place, tuple(s.attendees), s.problems)
        for s in scenario.sessions
        if main and s.date <= end
    ]
    after = listed[-1].held_on if listed else scenario.start
    cadence = scenario.cadence
    generated = []
    for i, day in enumerate(_monthly(after, end, cadence.week, cadence.weekday, calendar)):
        chair = cadence.chairs[(len(listed) + i) % len(cadence.chairs)]
        generated.append(_SessionDate(day, "reception_day", chair, "", cadence.place, (), None))
    return listed + generated


def _monthly(after: date, end: date, week: int, weekday: int, calendar: WorkingCalendar) -> list[date]:
    """The `week`-th `weekday` of each month after `after` up to `end` (next working day if resting)."""
    days: list[date] = []
    year, month = after.year, after.month
    while True:
        first = date(year, month, 1)
        offset = (weekday - first.weekday()) % 7
        day = calendar.next_working_day_on_or_after(first + timedelta(days=offset + 7 * (week - 1)))
        if day > end:
            return days
        if day > after + timedelta(days=7):  # at least a week to collect problems
            days.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _sessions(
    scenario: Scenario,
    *,
    main: bool,
    dates: list[_SessionDate],
    enterprises: list[EnterprisePlan],
    rng: random.Random,
    calendar: WorkingCalendar,
) -> list[SessionPlan]:
    low, high = scenario.cadence.problems
    counts = [d.problems if d.problems is not None else rng.randint(low, high) for d in dates]
    window = [
        main and scenario.targets is not None and d.held_on <= scenario.as_of and d.problems is not None
        for d in dates
    ]
    slots = _Slots(scenario, dates=dates, counts=counts, window=window, enterprises=enterprises, rng=rng)
    if main:
        for case in scenario.cases:
            slots.place_case(case)
        if scenario.targets is not None:
            slots.place_targets()
    slots.fill_rest()
    sessions = []
    planned_on = scenario.start
    for i, d in enumerate(dates):
        collect_from, collect_to = planned_on, calendar.add_working_days(d.held_on, -2)
        problems = tuple(
            slots.problem(i, j, _collection_day(rng, collect_from, collect_to, calendar))
            for j in range(counts[i])
        )
        sessions.append(
            SessionPlan(
                number=i + 1,
                held_on=d.held_on,
                planned_on=planned_on,
                kind=d.kind,
                chair=d.chair,
                topic=d.topic,
                place=d.place,
                attendees=d.attendees,
                problems=problems,
            )
        )
        planned_on = d.held_on + timedelta(days=1)
    return sessions


def _collection_day(rng: random.Random, first: date, last: date, calendar: WorkingCalendar) -> date:
    """A working day between `first` and `last` (or `first` when the window is empty)."""
    if last <= first:
        return first
    for _ in range(20):
        day = first + timedelta(days=rng.randrange((last - first).days + 1))
        if calendar.is_working_day(day):
            return day
    return calendar.next_working_day_on_or_after(first)


# --- problems: categories, enterprises and fates --------------------------------------------


@attrs.define
class _Slot:
    category: str | None = None
    enterprise: str | None = None
    fate: Fate | None = None
    case: tuple[CaseSpec, str] | None = None


class _Slots:
    """Every problem position (session, index), filled in by constraints then at random."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        dates: list[_SessionDate],
        counts: list[int],
        window: list[bool],
        enterprises: list[EnterprisePlan],
        rng: random.Random,
    ) -> None:
        self.scenario = scenario
        self.dates = dates
        self.window = window
        self.rng = rng
        self.enterprises = [e.key for e in enterprises]
        self.slots = {(i, j): _Slot() for i, n in enumerate(counts) for j in range(n)}

    # -- constraints ------------------------------------------------------------------

    def place_case(self, case: CaseSpec) -> None:
        index = next((i for i, d in enumerate(self.dates) if d.held_on == case.session), None)
        free = [] if index is None else [k for k in self._free() if k[0] == index]
        if index is None or len(free) < len(case.problems):
            raise ValidationError(
                "cases", case.key, f"session {case.session} has no room for the case's problems"
            )
        for key, problem in zip(free, case.problems, strict=False):
            slot = self.slots[key]
            slot.category, slot.enterprise, slot.case = problem.category, case.enterprise, (case, problem.key)
            slot.fate = _scripted_fate(case, problem.key, self.scenario.as_of)

    def place_targets(self) -> None:
        targets = self.scenario.targets
        assert targets is not None
        for target in targets.categories:
            placed = [k for k, s in self.slots.items() if s.category == target.name and self.window[k[0]]]
            missing = target.problems - len(placed)
            latest = self._latest_session_for(target.name)
            free = [k for k in self._free(window=True) if self.dates[k[0]].held_on <= latest]
            if missing < 0 or missing > len(free):
                raise ValidationError(
                    "targets.categories", target.name, f"cannot place {target.problems} problems"
                )
            for key in self.rng.sample(free, missing):
                self.slots[key].category = target.name
            keys = [k for k, s in self.slots.items() if s.category == target.name and self.window[k[0]]]
            if target.enterprises is not None:
                self._spread_enterprises(keys, target.enterprises)
            if target.completed is not None:
                self._pin_fates(keys, target.completed, target.long_term)
        self._pin_solved(targets.solved)

    def _latest_session_for(self, category: str) -> date:
        """A lasting rule's category must recur early enough for the rule to be issued by as_of."""
        latest = self.scenario.as_of
        for rule in self.scenario.lasting_rules:
            if rule.category == category:
                latest = min(latest, self.scenario.as_of - timedelta(days=rule.drafting_days + 7))
        return latest

    def _spread_enterprises(self, keys: list[tuple[int, int]], count: int) -> None:
        fixed = {self.slots[k].enterprise for k in keys if self.slots[k].enterprise}
        pool = [e for e in self.enterprises if e not in fixed]
        if count > len(keys) or count < len(fixed) or count - len(fixed) > len(pool):
            raise ValidationError("targets.categories.enterprises", count, "cannot be met by the problems")
        chosen = [*sorted(e for e in fixed if e), *self.rng.sample(pool, count - len(fixed))]
        open_keys = [k for k in keys if not self.slots[k].enterprise]
        self.rng.shuffle(open_keys)
        needed = [e for e in chosen if e not in fixed]
        for key, enterprise in zip(open_keys, needed, strict=False):
            self.slots[key].enterprise = enterprise
        for key in open_keys[len(needed) :]:
            self.slots[key].enterprise = self.rng.choice(chosen)

    def _pin_fates(self, keys: list[tuple[int, int]], completed: int, long_term: int) -> None:
        fixed = [self.slots[k].fate for k in keys if self.slots[k].case]
        completed -= sum(1 for f in fixed if f is not None and f.completed)
        long_term -= sum(1 for f in fixed if f is Fate.LONG_TERM)
        loose = [k for k in keys if not self.slots[k].case]
        open_count = len(loose) - completed - long_term
        if completed < 0 or long_term < 0 or open_count < 0:
            raise ValidationError("targets.categories", keys, "completed and long_term cannot be met")
        # The problems still open on the target date are the most recently assigned ones.
        loose.sort(key=lambda k: (-k[0], self.rng.random()))
        for key in loose[:open_count]:
            self.slots[key].fate = Fate.OPEN
        rest = loose[open_count:]
        self.rng.shuffle(rest)
        for key in rest[:long_term]:
            self.slots[key].fate = Fate.LONG_TERM
        for key in rest[long_term:]:
            self.slots[key].fate = self._completed_fate()

    def _pin_solved(self, solved: int) -> None:
        in_window = [k for k in self.slots if self.window[k[0]]]
        solved -= sum(1 for k in in_window if self.slots[k].fate is Fate.SOLVED)
        loose = [k for k in in_window if self.slots[k].fate is None]
        if not 0 <= solved <= len(loose):
            raise ValidationError("targets.solved", solved, "cannot be met by the remaining problems")
        weights = self.scenario.behaviour.outcomes
        others = [Fate(f) for f in weights if f != "solved" and weights[f] > 0] or [Fate.EXPLAINED]
        unsolved = [self.rng.choices(others, [weights[f.value] for f in others])[0] for _ in loose[solved:]]
        # Open ones go to the latest sessions; the solved and the rest are shuffled.
        open_count = unsolved.count(Fate.OPEN)
        loose.sort(key=lambda k: (-k[0], self.rng.random()))
        for key in loose[:open_count]:
            self.slots[key].fate = Fate.OPEN
        rest = loose[open_count:]
        self.rng.shuffle(rest)
        fates = [Fate.SOLVED] * solved + [f for f in unsolved if f is not Fate.OPEN]
        for key, fate in zip(rest, fates, strict=True):
            self.slots[key].fate = fate

    def _completed_fate(self) -> Fate:
        weights = self.scenario.behaviour.outcomes
        final = [Fate.SOLVED, Fate.PARTIALLY_SOLVED, Fate.EXPLAINED]
        chances = [weights.get(f.value, 0.0) for f in final]
        return self.rng.choices(final, chances)[0] if sum(chances) > 0 else Fate.SOLVED

    # -- the rest ---------------------------------------------------------------------

    def fill_rest(self) -> None:
        pinned = {t.name for t in self.scenario.targets.categories} if self.scenario.targets else set()
        categories = self.scenario.categories
        for key in sorted(self.slots):
            slot = self.slots[key]
            if slot.category is None:
                # In the window pinned categories have their exact count already.
                choices = [c for c in categories if not (self.window[key[0]] and c.name in pinned)]
                slot.category = self.rng.choices(choices, [c.weight for c in choices])[0].name
            if slot.enterprise is None:
                slot.enterprise = self.rng.choice(self.enterprises)

    def problem(self, session: int, index: int, collected_on: date) -> ProblemPlan:
        slot = self.slots[(session, index)]
        assert slot.category is not None
        assert slot.enterprise is not None
        key = f"{session + 1}.{index + 1}"
        if slot.case is not None:
            case, problem_key = slot.case
            spec = next(p for p in case.problems if p.key == problem_key)
            return ProblemPlan(
                key=key,
                enterprise=slot.enterprise,
                title=spec.title,
                category=spec.category,
                source=case.source,
                lead=spec.lead,
                co_handlers=tuple(spec.co_handlers),
                collected_on=self.dates[session].held_on,
                fate=slot.fate,
                in_window=self.window[session],
                case=case.key,
                case_problem=problem_key,
                result_due=spec.result_due,
            )
        category = self.scenario.category(slot.category)
        lead = self.rng.choice(category.leads)
        co = [d for d in category.co_handlers if d != lead]
        co_handlers = (self.rng.choice(co),) if co and self.rng.random() < 0.3 else ()
        sources = self.scenario.sources
        return ProblemPlan(
            key=key,
            enterprise=slot.enterprise,
            title=self.rng.choice(category.titles),
            category=category.name,
            source=self.rng.choices(list(sources), list(sources.values()))[0],
            lead=lead,
            co_handlers=co_handlers,
            collected_on=collected_on,
            fate=slot.fate,
            in_window=self.window[session],
        )

    def _free(self, *, window: bool = False) -> list[tuple[int, int]]:
        return [
            k
            for k, s in sorted(self.slots.items())
            if s.category is None and (not window or self.window[k[0]])
        ]


def _scripted_fate(case: CaseSpec, problem: str, as_of: date) -> Fate:
    """How a scripted problem stands on `as_of`, from its steps."""
    fate = Fate.OPEN
    for step in case.steps:
        if step.at.date() > as_of or (step.problems and problem not in step.problems):
            continue
        if step.action == "result":
            fate = Fate(step.outcome)
        elif step.action == "return_visit" and not step.satisfied:
            fate = Fate.OPEN
    return fate
