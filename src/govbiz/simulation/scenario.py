"""The scenario file (情景): what a simulated city or county looks like, as data.

A scenario is a TOML file describing one city (or county): its leaders, the
offices of the mechanism (统战部, 市委办, 督查室), its departments, the problem
categories with the departments that lead them, how problems are collected
(调研走访, 恳谈会 ...), the enterprises, the reception days held and the cadence
of the next ones, how departments behave (on time, late, extension, return,
unsatisfied return visits), lasting rules (长效机制), scripted cases and the
figures the run must reproduce (`targets`).

`load_scenario("zhangjiajie")` reads a scenario shipped with govbiz (and
`load_scenario("practice")` the county quarter under 12345 and 督查 rules);
`load_scenario(path)` reads any file.  A bad file raises
`govbiz.errors.ValidationError` whose `field` is the dotted path of the
offending value (`sessions.2.chair`).  The format is documented field by
field in *Reference → Scenario format*.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import pydantic
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from govbiz.clock import beijing
from govbiz.domain.session import SessionKind
from govbiz.errors import ValidationError

__all__ = [
    "Behaviour",
    "Cadence",
    "CaseProblem",
    "CaseSpec",
    "CaseStep",
    "CategorySpec",
    "CategoryTarget",
    "DepartmentSpec",
    "DivisionSpec",
    "EnterpriseSpec",
    "Enterprises",
    "LastingRuleSpec",
    "LeaderSpec",
    "Offices",
    "Scale",
    "Scenario",
    "SessionSpec",
    "Targets",
    "known_scenarios",
    "load_scenario",
]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Key = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{0,30}$")]
Code = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class DivisionSpec(_Model):
    """A city or county (行政区划): six-digit code and name."""

    code: Code
    name: Text


class Offices(_Model):
    """The offices of the mechanism, by the name clerks use.

    `collector` (市委统战部/市工商联) collects problems and visits again,
    `secretariat` (市委办/市政府办) plans sessions and approves extensions,
    `supervisor` (督查室) sends reminders and publishes circulars.
    """

    collector: Text = "市委统战部"
    secretariat: Text = "市委办"
    supervisor: Text = "市委市政府督查室"


class LeaderSpec(_Model):
    """A leader (领导): chairs sessions, attends them or leads research visits.

    `title` is the full title (市委副书记、市长); `name` may be empty.
    """

    key: Key
    title: Text
    name: str = ""


class DepartmentSpec(_Model):
    """A functional department (职能部门).

    `generic` is what the department is called in any division
    (自然资源和规划局): generated cities and counties are given
    `<division name><generic>`.
    """

    key: Key
    name: Text
    short_name: Text
    generic: Text


class CategorySpec(_Model):
    """A problem category (问题类别) with the departments that take it.

    `weight` is its share of randomly drawn problems; `leads` are the
    possible lead departments (主办), `co_handlers` possible co-handlers
    (协办); `titles` are the problem titles drawn for it.
    """

    name: Text
    weight: Annotated[float, Field(ge=0.0)] = 1.0
    leads: list[Key] = Field(min_length=1)
    co_handlers: list[Key] = []
    titles: list[Text] = Field(min_length=1)


class EnterpriseSpec(_Model):
    """An enterprise named in the scenario (a case's enterprise, for instance).

    `credit_code` is generated (valid, deterministic) when left out.
    """

    key: Key
    name: Text
    industry: str = ""
    contact: str = ""
    contact_position: str = ""
    credit_code: str | None = None


class Enterprises(_Model):
    """The enterprises: `named` ones plus `generate` with realistic generated names."""

    generate: Annotated[int, Field(ge=1, le=100_000)] = 30
    named: list[EnterpriseSpec] = []


class SessionSpec(_Model):
    """A reception day held (接待日): date, kind, chair and how many problems it assigned.

    `chair` and `attendees` are leader keys; `problems` counts the problems
    assigned at it, including those of scripted cases.
    """

    date: date
    kind: SessionKind = SessionKind.RECEPTION_DAY
    chair: Key
    place: str = ""
    topic: str = ""
    attendees: list[Key] = []
    problems: Annotated[int, Field(ge=0, le=10_000)]


class Cadence(_Model):
    """When sessions are held after the listed ones, and in generated divisions.

    Monthly, on the `week`-th `weekday` (0 Monday … 4 Friday) of the month
    (the next working day if that is a rest day), chaired in turn by
    `chairs`, each assigning between `problems[0]` and `problems[1]` problems.
    """

    week: Annotated[int, Field(ge=1, le=4)] = 3
    weekday: Annotated[int, Field(ge=0, le=6)] = 4
    chairs: list[Key] = Field(min_length=1)
    problems: tuple[int, int] = (5, 10)
    place: str = ""

    @model_validator(mode="after")
    def _range(self) -> Self:
        low, high = self.problems
        if not 0 <= low <= high:
            raise ValueError("problems must be [low, high] with 0 <= low <= high")
        return self


class Behaviour(_Model):
    """How departments and enterprises behave: probabilities per problem.

    `returned`: the lead returns it (退回) as not its duty and it is reassigned;
    `sign_late`: signs after the 1-working-day clock; `progress_late` /
    `result_late`: reports after the deadline (up to `late_working_days`);
    `extension`: asks for more time (申请延期) and reports within it;
    `unsatisfied`: the enterprise is not satisfied at the return visit (重办);
    `on_the_spot`: the chair fixes the result deadline at the session
    (现场明确解决期限).  `outcomes` weighs the result of problems not pinned
    by `targets` (solved, partially_solved, explained, long_term, open).
    """

    returned: Probability = 0.05
    sign_late: Probability = 0.05
    progress_late: Probability = 0.15
    result_late: Probability = 0.1
    extension: Probability = 0.1
    unsatisfied: Probability = 0.1
    on_the_spot: Probability = 0.3
    late_working_days: Annotated[int, Field(ge=1, le=60)] = 6
    outcomes: dict[Literal["solved", "partially_solved", "explained", "long_term", "open"], float] = {
        "solved": 0.7,
        "partially_solved": 0.1,
        "explained": 0.08,
        "long_term": 0.07,
        "open": 0.05,
    }


class LastingRuleSpec(_Model):
    """A lasting rule (长效机制) born once `after` problems of `category` recur.

    `issued_by` (a department key) issues it `drafting_days` days after the
    `after`-th such problem is assigned; every problem of the category is
    linked to it.
    """

    category: Text
    issued_by: Key
    title: Text
    document_number: str = ""
    summary: str = ""
    after: Annotated[int, Field(ge=1)] = 3
    drafting_days: Annotated[int, Field(ge=1, le=365)] = 30


class CaseProblem(_Model):
    """One problem of a scripted case; `result_due` is a deadline fixed on the spot.

    `signs`: the lead signs four hours after the 交办 (false: only a `sign`
    step signs, or a `return` step returns it); `co_handlers_reply`: the
    co-handlers reply an hour after it (false: only `co_handling` steps reply,
    late if the script says so).
    """

    key: Key
    title: Text
    category: Text
    lead: Key
    co_handlers: list[Key] = []
    result_due: date | None = None
    signs: bool = True
    co_handlers_reply: bool = True


#: What a scripted step does (see `CaseStep`).
CaseAction = Literal[
    "progress", "research_visit", "result", "return_visit", "sign", "return", "decide_return",
    "co_handling", "verify", "appeal", "decide_appeal",
]  # fmt: skip


class CaseStep(_Model):
    """One dated step of a scripted case.

    `action` is `progress` (the lead reports), `research_visit` (leader `by`
    visits the enterprise: recorded as 督办), `result` (with `outcome`) or
    `return_visit` (with `satisfied`, or one of the five levels in
    `satisfaction`: 非常满意 … 非常不满意).  The county's practice adds:
    `sign` (the lead signs), `return` (the lead asks to return it, 退单, on
    `ground`, with `text` as its reason), `decide_return` (the secretariat
    accepts, `accept`, or refuses; accepted with `to`, it reassigns the
    problem to that department at once), `co_handling` (co-handler
    `department` replies to the lead), `verify` (the verification of a 差评
    ends: `redo`, or closes with `text` as the explanation), `appeal` (the
    lead contests the rating, `text` its reason) and `decide_appeal` (the
    supervisor grants it, `accept`, or refuses).  `problems` lists the case
    problems it concerns (all when empty).  `at` is Beijing time.
    """

    at: datetime
    action: CaseAction
    problems: list[Key] = []
    by: Key | None = None
    text: Text
    outcome: Literal["solved", "partially_solved", "explained", "long_term"] = "solved"
    satisfied: bool = True
    satisfaction: Text | None = None
    ground: Text | None = None
    accept: bool = True
    to: Key | None = None
    department: Key | None = None
    redo: bool = False

    @model_validator(mode="after")
    def _aware(self) -> Self:
        if self.at.tzinfo is None:  # TOML local date-times are Beijing time
            object.__setattr__(self, "at", self.at.replace(tzinfo=beijing()))
        if self.action == "research_visit" and self.by is None:
            raise ValueError("a research_visit names the leader who visits in `by`")
        if self.action == "co_handling" and self.department is None:
            raise ValueError("a co_handling step names the co-handler that replies in `department`")
        return self


class CaseSpec(_Model):
    """A scripted case, replayed exactly: problems raised at `session` by `enterprise`."""

    key: Key
    enterprise: Key
    session: date
    source: Text
    problems: list[CaseProblem] = Field(min_length=1)
    steps: list[CaseStep] = []


class CategoryTarget(_Model):
    """Figures of one category pinned at the scenario's `as_of`.

    `problems` assigned, raised by `enterprises` distinct enterprises,
    `completed` (办结), `long_term` (长期推进); the rest are still in progress.
    """

    name: Text
    problems: Annotated[int, Field(ge=0)]
    enterprises: Annotated[int, Field(ge=1)] | None = None
    completed: Annotated[int, Field(ge=0)] | None = None
    long_term: Annotated[int, Field(ge=0)] = 0


class Targets(_Model):
    """Figures the run reproduces at `as_of`, whatever the seed (see the simulation docs)."""

    assigned: Annotated[int, Field(ge=0)]
    solved: Annotated[int, Field(ge=0)]
    categories: list[CategoryTarget] = []


class Scale(_Model):
    """Generated divisions for `--cities` / `--counties` load tests.

    `cities` are the other cities of the province, in order; counties are
    generated under each city with names from `county_suffixes`.
    """

    cities: list[DivisionSpec] = []
    county_suffixes: list[Text] = ["东区", "西区", "南区", "北区", "新区", "高新区", "经开区", "城区"]
    enterprises: Annotated[int, Field(ge=1)] = 15


class Scenario(_Model):
    """A whole scenario file.  See the module docstring and the reference page."""

    name: Key
    title: Text
    source: str = ""
    seed: int = 0
    start: date
    as_of: date
    division: DivisionSpec
    counties: list[DivisionSpec] = []
    offices: Offices = Offices()
    leaders: list[LeaderSpec] = Field(min_length=1)
    departments: list[DepartmentSpec] = Field(min_length=1)
    categories: list[CategorySpec] = Field(min_length=1)
    sources: dict[str, Annotated[float, Field(ge=0.0)]] = Field(min_length=1)
    enterprises: Enterprises = Enterprises()
    sessions: list[SessionSpec] = []
    cadence: Cadence
    behaviour: Behaviour = Behaviour()
    lasting_rules: list[LastingRuleSpec] = []
    cases: list[CaseSpec] = []
    targets: Targets | None = None
    scale: Scale = Scale()
    county_file: str | None = None
    score_months: list[Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]] = []

    # -- lookups ------------------------------------------------------------------------

    def leader(self, key: str) -> LeaderSpec:
        """The leader with `key` (validated to exist)."""
        return next(leader for leader in self.leaders if leader.key == key)

    def category(self, name: str) -> CategorySpec:
        """The category called `name` (validated to exist)."""
        return next(category for category in self.categories if category.name == name)

    def sessions_until(self, day: date) -> list[SessionSpec]:
        """The listed sessions held on or before `day`."""
        return [s for s in self.sessions if s.date <= day]

    # -- cross-field checks ---------------------------------------------------------------

    @model_validator(mode="after")
    def _references(self) -> Self:
        leaders = {leader.key for leader in self.leaders}
        departments = {d.key for d in self.departments}
        categories = {c.name for c in self.categories}
        enterprises = {e.key for e in self.enterprises.named}
        _unique("leaders", [leader.key for leader in self.leaders])
        _unique("departments", [d.key for d in self.departments])
        _unique("categories", [c.name for c in self.categories])
        for i, category in enumerate(self.categories):
            _known(f"categories.{i}.leads", category.leads, departments)
            _known(f"categories.{i}.co_handlers", category.co_handlers, departments)
        for i, session in enumerate(self.sessions):
            _known(f"sessions.{i}.chair", [session.chair], leaders)
            _known(f"sessions.{i}.attendees", session.attendees, leaders)
            if i and session.date <= self.sessions[i - 1].date:
                raise _error(f"sessions.{i}.date", session.date, "sessions must be listed in date order")
        _known("cadence.chairs", self.cadence.chairs, leaders)
        for i, rule in enumerate(self.lasting_rules):
            _known(f"lasting_rules.{i}.issued_by", [rule.issued_by], departments)
            _known(f"lasting_rules.{i}.category", [rule.category], categories)
        self._check_cases(leaders, departments, categories, enterprises)
        self._check_targets(categories)
        self._check_county_file()
        if self.as_of < self.start:
            raise _error("as_of", self.as_of, f"must not be before start {self.start}")
        return self

    def _check_cases(
        self, leaders: set[str], departments: set[str], categories: set[str], enterprises: set[str]
    ) -> None:
        dates = {s.date for s in self.sessions}
        for i, case in enumerate(self.cases):
            _known(f"cases.{i}.enterprise", [case.enterprise], enterprises)
            if case.session not in dates:
                raise _error(f"cases.{i}.session", case.session, "is not the date of a listed session")
            keys = {p.key for p in case.problems}
            for j, problem in enumerate(case.problems):
                _known(f"cases.{i}.problems.{j}.category", [problem.category], categories)
                _known(f"cases.{i}.problems.{j}.lead", [problem.lead], departments)
                _known(f"cases.{i}.problems.{j}.co_handlers", problem.co_handlers, departments)
            for j, step in enumerate(case.steps):
                _known(f"cases.{i}.steps.{j}.problems", step.problems, keys)
                if step.by is not None:
                    _known(f"cases.{i}.steps.{j}.by", [step.by], leaders)
                for name in ("to", "department"):
                    if getattr(step, name) is not None:
                        _known(f"cases.{i}.steps.{j}.{name}", [getattr(step, name)], departments)

    def _check_county_file(self) -> None:
        """The county's configuration file (its rules: `[deadlines]`, `[escalation]` …) must be valid."""
        if self.county_file is None:
            return
        from govbiz.config import ConfigFileError, parse_county_file

        try:
            file = parse_county_file(self.county_file, f"{self.name}.county_file")
        except ConfigFileError as exc:
            raise _error("county_file", exc.key, str(exc)) from None
        if file.county != self.division.code:
            raise _error("county_file", file.county, f"must list the division {self.division.code} first")

    def _check_targets(self, categories: set[str]) -> None:
        if self.targets is None:
            return
        held = sum(s.problems for s in self.sessions_until(self.as_of))
        if held != self.targets.assigned:
            raise _error(
                "targets.assigned",
                self.targets.assigned,
                f"the sessions held by as_of {self.as_of} assign {held} problems in all",
            )
        for i, target in enumerate(self.targets.categories):
            _known(f"targets.categories.{i}.name", [target.name], categories)
            done = (target.completed or 0) + target.long_term
            if done > target.problems:
                raise _error(
                    f"targets.categories.{i}", target.name, "completed + long_term exceed the problems"
                )


def _unique(field: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if key in seen:
            raise _error(f"{field}.{i}", key, "is listed twice")
        seen.add(key)


def _known(field: str, used: list[str], known: set[str]) -> None:
    for value in used:
        if value not in known:
            choices = ", ".join(sorted(known)) or "none defined"
            raise _error(field, value, f"is not defined in the scenario (known: {choices})")


def _error(field: str, value: object, reason: str) -> ValueError:
    # Raised inside a validator: pydantic wraps it; `_as_validation_error` unwraps the field.
    return _FieldError(field, value, reason)


class _FieldError(ValueError):
    def __init__(self, field: str, value: object, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.value = value
        self.reason = reason


# --- loading ---------------------------------------------------------------------------


def known_scenarios() -> list[str]:
    """Names of the scenarios shipped with govbiz (`zhangjiajie` ...)."""
    folder = resources.files("govbiz.simulation") / "scenarios"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Read a shipped scenario by name, or a scenario file by path.

    Raises `govbiz.errors.ValidationError`: field `scenario` for an unknown
    name or unreadable file, else the dotted path of the bad field.
    """
    text, origin = _read(name_or_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError("scenario", origin, f"is not valid TOML: {exc}") from None
    return parse_scenario(data, origin=origin)


def parse_scenario(data: dict[str, Any], *, origin: str = "scenario") -> Scenario:
    """Build a `Scenario` from parsed TOML/JSON data, with govbiz validation errors."""
    try:
        return Scenario.model_validate(data)
    except pydantic.ValidationError as exc:
        raise _as_validation_error(exc, origin) from None


def _read(name_or_path: str | Path) -> tuple[str, str]:
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except OSError as exc:
            raise ValidationError("scenario", str(path), f"cannot be read: {exc.strerror}") from None
    name = str(name_or_path)
    if name in known_scenarios():
        resource = resources.files("govbiz.simulation") / "scenarios" / f"{name}.toml"
        return resource.read_text(encoding="utf-8"), name
    known = ", ".join(known_scenarios())
    raise ValidationError("scenario", name, f"no such scenario; known scenarios: {known} (or a .toml path)")


def _as_validation_error(exc: pydantic.ValidationError, origin: str) -> ValidationError:
    first = exc.errors(include_url=False)[0]
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, _FieldError):
        prefix = ".".join(str(part) for part in first["loc"])
        field = f"{prefix}.{cause.field}" if prefix else cause.field
        return ValidationError(field, cause.value, f"{cause.reason} (in {origin})")
    field = ".".join(str(part) for part in first["loc"]) or "scenario"
    return ValidationError(field, first.get("input"), f"{first['msg']} (in {origin})")
