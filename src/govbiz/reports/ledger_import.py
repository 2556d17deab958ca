"""Importing an existing problem ledger (导入已有问题台账) as the county keeps it, without editing it.

Offices that start with govbiz already keep their problems in Excel.  An
import reads such a workbook (xlsx, xls or ods through the `govbiz-xlsx`
plugin, or CSV) and brings each problem row in as a problem collected on its
collection day (已收集), registering its enterprise when it is new.

The rules, in the order they apply:

1. **The sheet a clerk sees** (`govbiz.reports.ledger_file.Workbook.choose`):
   the active sheet if visible, else the first visible one; a hidden sheet
   only when named.
2. **The layout** (`govbiz.reports.ledger_layout`): the header row(s) are
   found (two-row headers with merged group headers too); title, section,
   spacer, 合计 and 填表人/审核人 rows are skipped and listed with the reason.
3. **Columns by header** (`govbiz.reports.import_mapping`): the usual
   spellings (反映问题, 企业名称（全称）, 承办单位 ...) and the county's own
   (`ImportSettings.columns`).  Columns it does not know are listed.
4. **Values as the clerk wrote them**: categories and sources through the
   county's aliases and the import's (`ImportSettings.values`); departments
   by code, full or short name, "市自规局、市住建局" as lead and co-handler;
   dates in every style (`govbiz.reports.import_values.read_day`); a
   missing, placeholder, cut or wrong credit code registers the enterprise as
   待核实 and lists the row (`strict_codes` refuses it instead).
5. **Validate everything first.** Every row is checked and *every* bad cell
   is reported in the file's own words (row, column letter, header as
   written, value) in one `ImportRejected`.  Nothing is stored then.
6. **Import in one go.** When all rows are good, the commands run in one
   unit of work (`govbiz.ledger.Ledger.unit`): all stored, or, if anything
   still fails, none.
7. **Idempotent.** A row matches an existing problem of the same
   enterprise (by 统一社会信用代码, or by name for one 待核实) with the same
   问题, 问题描述 and 收集日期.  When a file has several rows alike, the n-th
   of them matches the n-th such problem.  Matched rows change nothing; the
   name already registered wins (a differing name is reported as a warning).

8. **The history the ledger holds** (`govbiz.reports.import_history`): with
   a 交办时间 column, each row's 交办, 办理进度, 办结 (是否办结: 是/否/长期) and
   回访 become the problem's events (`govbiz.commands.RecordImportedHistory`),
   recorded now by the importer, each naming the file, sheet and row and
   dated as the ledger dates it: a 2023 ledger gives its 2023 figures as of
   2023-12-31.  Without a 交办时间 column the handling columns are listed as
   not imported and the departments read are checked and reported but not
   assigned.
9. **Differences reported** (`govbiz.reports.import_differences`): a matched
   row whose cells say something else than the problem it imported (another
   category, 是否办结 now 是 ...) changes nothing and is listed, cell by cell.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

import attrs

from govbiz import commands as c
from govbiz.domain.enterprise import Enterprise
from govbiz.domain.handling import Satisfaction
from govbiz.domain.tenancy import Department
from govbiz.errors import GovbizError, ValidationError
from govbiz.metrics.facts import local_day
from govbiz.ports.report_format import Cell
from govbiz.reports.cells import restore
from govbiz.reports.import_differences import Difference
from govbiz.reports.import_errors import ImportRejected, RowError
from govbiz.reports.import_history import RowHistory, day_instant, read_history
from govbiz.reports.import_mapping import (
    DEFAULT_MAPPING,
    FIELDS,
    HISTORY_FIELDS,
    ColumnMapping,
    ImportSettings,
)
from govbiz.reports.import_values import CodeStatus, read_code, read_day, shown, title_and_description
from govbiz.reports.ledger_file import MAX_CELL_CHARS, Workbook
from govbiz.reports.ledger_layout import Column, Layout, Skipped, find_layout

if TYPE_CHECKING:
    from govbiz.domain.actors import Actor
    from govbiz.domain.events import DomainEvent
    from govbiz.domain.problem import Problem
    from govbiz.ledger import Ledger
    from govbiz.profile import CountyProfile

__all__ = [
    "DEFAULT_MAPPING",
    "FIELDS",
    "ColumnMapping",
    "Difference",
    "ImportRejected",
    "ImportResult",
    "ImportSettings",
    "RowError",
    "import_ledger",
    "import_workbook",
]

_YEAR = re.compile(r"(20\d{2})\s*年")
_SEPARATORS = re.compile(r"[、,，;；/／\n]+|\s{2,}")


@attrs.frozen(slots=True)
class ImportResult:
    """What an import did (or, with `dry_run`, would do).

    `created` and `matched` list (row number, problem id); the ids of
    created problems are `None` in a dry run.  `sheet` is the sheet read and
    `other_sheets` the ones not read; `skipped` the rows that are not
    problems, with why; `pending` the rows whose enterprise is registered as
    待核实 (credit code missing, cut by Excel or wrong), for follow-up;
    `departments` each row's lead department and co-handlers, as read;
    `histories` each row with a history (交办时间) and its 是否办结 as read
    (`open`, `completed`, `long_term`); `differences` the cells of matched
    rows that differ from the problem they imported (nothing was changed).
    """

    source: str
    header_row: int
    created: tuple[tuple[int, str | None], ...]
    matched: tuple[tuple[int, str], ...]
    enterprises_registered: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    warnings: tuple[RowError, ...]
    dry_run: bool = False
    sheet: str = ""
    other_sheets: tuple[str, ...] = ()
    header_rows: tuple[int, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    pending: tuple[RowError, ...] = ()
    departments: tuple[tuple[int, str, tuple[str, ...]], ...] = ()
    histories: tuple[tuple[int, str], ...] = ()
    differences: tuple[Difference, ...] = ()

    def summary(self) -> str:
        """One line for a clerk: how many created, already there, enterprises registered, histories."""
        verb = "would import" if self.dry_run else "imported"
        created = {number for number, _ in self.created}
        closures = Counter(closure for number, closure in self.histories if number in created)
        history = (
            f", with their history: {sum(closures.values())} assigned "
            f"({closures['completed']} completed, {closures['long_term']} long-term, {closures['open']} open)"
            if closures else ""
        )  # fmt: skip
        return (
            f"{self.source}: {verb} {len(self.created)} problem(s){history}, "
            f"{len(self.matched)} already in the ledger (unchanged), "
            f"{len(self.enterprises_registered)} new enterprise(s)"
        )


@attrs.frozen(slots=True)
class _Row:
    """One valid row, ready to import."""

    number: int
    enterprise_name: str
    credit_code: str  # "" when the enterprise is 待核实
    title: str
    description: str
    category: str
    source: str
    collected_on: date
    code_as_written: str | None = None
    lead: str = ""
    co_handlers: tuple[str, ...] = ()
    history: RowHistory | None = None

    @property
    def enterprise_key(self) -> str:
        """The code, or for an enterprise 待核实 its name (the only thing that tells it apart)."""
        return self.credit_code or f"待核实:{self.enterprise_name}"

    @property
    def key(self) -> tuple[str, str, str, date]:
        return (self.enterprise_key, self.title, self.description, self.collected_on)


def import_workbook(
    ledger: Ledger,
    actor: Actor,
    workbook: Workbook,
    *,
    county: str,
    settings: ImportSettings | None = None,
    sheet: str | int | None = None,
    dry_run: bool = False,
    strict_codes: bool = False,
    on_committed: Callable[[Sequence[DomainEvent]], None] | None = None,
) -> ImportResult:
    """Import the sheet a clerk sees of `workbook` (or `sheet`, a name or 1-based number).

    The sheet is chosen by `Workbook.choose` (a hidden sheet only when
    named); the rest is `import_ledger`.
    """
    settings = settings or ImportSettings()
    chosen = workbook.choose(sheet if sheet is not None else settings.sheet)
    result = import_ledger(
        ledger, actor, chosen.rows, county=county, settings=settings, source=workbook.source,
        sheet=chosen.name, dry_run=dry_run, strict_codes=strict_codes, on_committed=on_committed,
    )  # fmt: skip
    return attrs.evolve(result, other_sheets=workbook.others(chosen))


def import_ledger(
    ledger: Ledger,
    actor: Actor,
    rows: Sequence[Sequence[Cell]],
    *,
    county: str,
    mapping: ColumnMapping | None = None,
    settings: ImportSettings | None = None,
    source: str = "file",
    sheet: str = "",
    dry_run: bool = False,
    strict_codes: bool = False,
    on_committed: Callable[[Sequence[DomainEvent]], None] | None = None,
) -> ImportResult:
    """Import the table `rows` into `county`'s ledger as `actor` (a collector), all or nothing.

    `rows` are the sheet's rows (row 1 first, merged cells filled); `source`
    names the file in messages and, with `sheet`, in each problem's collection
    event (imported from file, sheet and row: it exists from its collection
    day in figures for past dates); `settings` are the county's own headers,
    value aliases, defaults and year (`mapping`, if given, replaces the
    headers).  Raises `ImportRejected` listing every bad cell, with nothing
    stored.  With `dry_run` everything is checked and nothing stored.  With
    `strict_codes` a missing or wrong credit code is an error instead of an
    enterprise registered as 待核实.  The ledger's subscribers hear of the
    events once they are committed, as after `Ledger.handle`; so does
    `on_committed`, if given.
    """
    settings = settings or ImportSettings()
    _require_division(ledger, actor, county, source)
    found = find_layout(rows, mapping or settings.mapping(), source, given=settings.defaults)
    layout = _without_history(found)
    if not layout.problem_rows and layout.skipped and layout.skipped[-1].row == layout.header_row:
        raise ImportRejected(source, [RowError(layout.header_row, "", layout.skipped[-1].reason)])
    reading = _Reading(
        ledger.profile(county), settings, layout, _departments(ledger, actor),
        year=settings.year or _title_year(rows, layout), today=local_day(ledger.clock.now()),
        strict_codes=strict_codes,
    )  # fmt: skip
    errors, valid = reading.validate(rows)
    if errors:
        raise ImportRejected(source, errors)
    if dry_run:
        return _plan(ledger, actor, county, valid, reading, source=source, sheet=sheet, dry_run=True)[0]
    # Held from matching to storing: a second import of the file waits, then finds every row matched.
    with ledger.store.exclusive(f"import:{county}"):
        planned = _plan(ledger, actor, county, valid, reading, source=source, sheet=sheet)
        result, to_create, enterprises = planned
        created = _store(
            ledger, actor, county=county, rows=to_create, enterprises=enterprises, source=source,
            sheet=sheet, on_committed=on_committed,
        )  # fmt: skip
    return attrs.evolve(result, created=tuple(created))


def _without_history(layout: Layout) -> Layout:
    """The layout; without a 交办时间 column to start a history, its handling columns are not imported."""
    if layout.column("assigned_on") is not None:
        return layout
    history = [c for c in layout.columns if c.field in HISTORY_FIELDS]
    if not history:
        return layout
    kept = tuple(c for c in layout.columns if c.field not in HISTORY_FIELDS)
    return attrs.evolve(layout, columns=kept, ignored=layout.ignored + tuple(c.header for c in history))


def _plan(
    ledger: Ledger, actor: Actor, county: str, valid: Sequence[_Row], reading: _Reading, *,
    source: str, sheet: str, dry_run: bool = False,
) -> tuple[ImportResult, list[_Row], dict[str, Enterprise]]:
    """What the import does: the result, the rows to create and the county's enterprises now."""
    layout = reading.layout
    enterprises = _enterprises(ledger, actor, county)
    existing = _existing(ledger, actor, county, enterprises)
    warnings = reading.warnings + _name_warnings(valid, enterprises, layout)
    to_create, matched = _match(valid, existing)
    differences = _differences(ledger, actor, valid, matched, reading) if matched else []
    new = tuple(dict.fromkeys(r.enterprise_key for r in to_create if r.enterprise_key not in enterprises))
    result = ImportResult(
        source, layout.header_row, tuple((r.number, None) for r in to_create), tuple(matched),
        tuple(k.removeprefix("待核实:") for k in new), layout.ignored, tuple(warnings), dry_run,
        sheet=sheet, header_rows=layout.header_rows, skipped=layout.skipped, pending=tuple(reading.pending),
        departments=tuple((r.number, r.lead, r.co_handlers) for r in valid if r.lead or r.co_handlers),
        histories=tuple((r.number, r.history.closure.value) for r in valid if r.history is not None),
        differences=tuple(differences),
    )  # fmt: skip
    return result, to_create, enterprises


def _require_division(ledger: Ledger, actor: Actor, county: str, source: str) -> None:
    if not any(d.code == county for d in ledger.records(actor, "division")):
        reason = f"本账本没有登记区县 {county}；先运行 `govbiz county setup --county {county}`"
        raise ImportRejected(source, [RowError(None, "", reason)])


def _title_year(rows: Sequence[Sequence[Cell]], layout: Layout) -> int | None:
    """The year a title row above the header states (2023年…台账), if any."""
    for row in rows[: layout.header_rows[0] - 1]:
        for value in row:
            match = _YEAR.search(str(value)) if isinstance(value, str) else None
            if match:
                return int(match[1])
    return None


def _departments(ledger: Ledger, actor: Actor) -> list[Department]:
    return [d for d in ledger.records(actor, "department") if isinstance(d, Department)]


@attrs.define
class _Reading:
    """Reads and checks every problem row of a sheet, collecting errors, warnings and 待核实 rows."""

    profile: CountyProfile
    settings: ImportSettings
    layout: Layout
    departments: list[Department]
    year: int | None
    today: date
    strict_codes: bool
    warnings: list[RowError] = attrs.field(factory=list)
    pending: list[RowError] = attrs.field(factory=list)

    @property
    def latest(self) -> date:
        """The last plausible collection day: today, or the end of the file's year if earlier."""
        return min(self.today, date(self.year, 12, 31)) if self.year else self.today

    def validate(self, rows: Sequence[Sequence[Cell]]) -> tuple[list[RowError], list[_Row]]:
        errors: list[RowError] = []
        valid: list[_Row] = []
        names: dict[str, tuple[str, int]] = {}
        for number in self.layout.problem_rows:
            found: list[RowError] = []
            parsed = self._row(number, rows[number - 1], found)
            if parsed is not None and parsed.credit_code:
                first = names.setdefault(parsed.credit_code, (parsed.enterprise_name, number))
                if first[0] != parsed.enterprise_name:
                    found.append(self._error(number, "enterprise_name", (
                        f"与第{first[1]}行的「{first[0]}」统一社会信用代码相同，企业名称却不同"
                    ), parsed.enterprise_name))  # fmt: skip
            errors += _first_per_cell(found)
            if parsed is not None and not found:
                valid.append(parsed)
        if not errors and not valid:
            errors.append(RowError(None, "", f"表头（第{self.layout.header_row}行）下面没有问题行"))
        return errors, valid

    def _error(self, number: int, field: str, reason: str, value: str | None = None) -> RowError:
        column = self.layout.column(field)
        if column is None:  # a default, not a cell
            return RowError(number, FIELDS[field][0], reason + "（--default 给的值）", "", value)
        return RowError(number, column.header, reason, column.letter, value)

    def _cells(self, row: Sequence[Cell]) -> dict[str, Cell]:
        cells: dict[str, Cell] = dict(self.settings.defaults)
        for column in self.layout.columns:
            cells[column.field] = row[column.index] if column.index < len(row) else None
        return cells

    def _row(self, number: int, row: Sequence[Cell], errors: list[RowError]) -> _Row | None:
        """The row's values, or `None` with every reason it is bad appended to `errors`."""
        cells = self._cells(row)
        text = {f: _text(v) for f, v in cells.items() if f != "collected_on"}
        text["title"], text["description"] = title_and_description(
            text.get("title", ""), text.get("description", "")
        )
        before = len(errors)
        for column in self.layout.columns:
            value = cells.get(column.field)
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                errors.append(
                    self._error(
                        number, column.field, f"有 {len(value)} 个字符，超过单元格上限 {MAX_CELL_CHARS}"
                    )
                )
                text[column.field] = ""
        for field in ("enterprise_name", "title", "category", "source", "collected_on"):
            if _blank(cells.get(field)) and not (field == "collected_on" and "collected_on" not in cells):
                errors.append(self._error(number, field, "为空"))
        category = self._choice(number, "category", text.get("category", ""), self.profile.categories, errors)
        source = self._choice(number, "source", text.get("source", ""), self.profile.sources, errors)
        day = self._day(number, cells, errors)
        code, written = self._code(number, cells.get("credit_code"), errors)
        lead, co = self._handlers(number, text)
        self._commands(number, text, errors)
        history = None
        if "assigned_on" in cells:
            history = read_history(
                cells, collected_on=day, lead=lead, year=self.year, today=self.today,
                error=lambda f, r, v: self._error(number, f, r, v), where=self._where, errors=errors,
            )  # fmt: skip
        if len(errors) > before or day is None or category is None or source is None:
            return None
        return _Row(
            number, text["enterprise_name"], code, text["title"], text.get("description", ""),
            category, source, day, written, lead, co, history,
        )  # fmt: skip

    def _where(self, field: str) -> str:
        """A field's column as the file names it: `H列「交办时间」` (or the field's own header)."""
        column = self.layout.column(field)
        return f"{column.letter}列「{column.header}」" if column else f"「{FIELDS[field][0]}」"

    def _choice(
        self, number: int, field: str, value: str, choices: Sequence[str], errors: list[RowError]
    ) -> str | None:
        """A category or source, through the aliases (the import's, the county's), or an error."""
        if not value:
            return None
        ours = self.profile.canonical(self.settings.alias(field, value))
        if ours in choices:
            return ours
        what = "类别" if field == "category" else "来源"
        listed = "、".join(choices)
        errors.append(self._error(number, field, (
            f"不是本县的{what}；可选 {listed}，或用 --value \"{field}:{value}=…\" 设别名"
        ), value))  # fmt: skip
        return None

    def _day(self, number: int, cells: Mapping[str, Cell], errors: list[RowError]) -> date | None:
        value = cells.get("collected_on")
        if _blank(value):
            return None
        reading = read_day(value, year=self.year, latest=self.latest)
        if reading.day is None:
            errors.append(self._error(number, "collected_on", reading.reason, shown(value)))
        return reading.day

    def _code(self, number: int, value: Cell, errors: list[RowError]) -> tuple[str, str | None]:
        """The valid code and `None`, or `""` and the value as written for an enterprise 待核实."""
        reading = read_code(value)
        if reading.status is CodeStatus.VALID:
            return reading.code, None
        problem = self._error(number, "credit_code", reading.reason, reading.written or None)
        if self.layout.column("credit_code") is None:
            problem = RowError(number, FIELDS["credit_code"][0], "文件没有统一社会信用代码列")
        if self.strict_codes:
            errors.append(attrs.evolve(problem, reason=problem.reason + "（--strict-codes）"))
        else:
            self.pending.append(attrs.evolve(problem, reason=problem.reason + "；企业登记为待核实"))
        return "", reading.written

    def _handlers(self, number: int, text: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
        """The lead department and co-handlers: "市自规局、市住建局" is a lead and a co-handler."""
        named = [n for n in _SEPARATORS.split(text.get("lead_department", "")) if n.strip()]
        co = [n for n in _SEPARATORS.split(text.get("co_departments", "")) if n.strip()]
        found: list[str] = []
        for field, names in (("lead_department", named), ("co_departments", co)):
            for name in names:
                code = self._department(name.strip())
                if code is None:
                    self.warnings.append(self._error(number, field, (
                        "不是本账本登记的部门（按编码、全称或简称查找），未记录；"
                        f"可用 --value \"department:{name.strip()}=部门编码\" 设别名"
                    ), name.strip()))  # fmt: skip
                elif code not in found:
                    found.append(code)
        return (found[0], tuple(found[1:])) if found else ("", ())

    def _department(self, name: str) -> str | None:
        wanted = self.settings.alias("department", name)
        for department in self.departments:
            if wanted in (department.code, department.name, department.short_name):
                return department.code
        return None

    def _commands(self, number: int, text: Mapping[str, str], errors: list[RowError]) -> None:
        """What the commands themselves refuse (a line break in a title, a name too long)."""
        checks: list[tuple[str, Callable[[], object]]] = [
            ("title", lambda: c.CollectProblem(
                enterprise_id="-", title=text.get("title", "") or "-",
                description=text.get("description", ""),
                category="-", source="-")),
            ("enterprise_name", lambda: c.RegisterEnterprise(
                county="000000", name=text.get("enterprise_name", "") or "-", credit_code="",
                code_as_written="")),
        ]  # fmt: skip
        for field, check in checks:
            try:
                check()
            except ValidationError as error:
                named = {"name": "enterprise_name"}.get(error.field, error.field)
                errors.append(self._error(number, named if named in FIELDS else field, error.reason))


def _first_per_cell(errors: list[RowError]) -> list[RowError]:
    """One error per cell: two checks of the same value say the same thing twice."""
    seen: dict[tuple[int | None, str], RowError] = {}
    for error in errors:
        seen.setdefault((error.row, error.column), error)
    return list(seen.values())


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Cell) -> str:
    if value is None:
        return ""
    return restore(shown(value))


def _enterprises(ledger: Ledger, actor: Actor, county: str) -> dict[str, Enterprise]:
    """The county's enterprises by code, and those 待核实 by `待核实:` and their name."""
    return {
        (e.credit_code or f"待核实:{e.name}"): e
        for e in ledger.records(actor, "enterprise")
        if e.county == county
    }


def _existing(
    ledger: Ledger, actor: Actor, county: str, enterprises: Mapping[str, Enterprise]
) -> dict[tuple[str, str, str, date], list[Problem]]:
    """Existing problems by row key, each key's problems in order."""
    keys = {e.id: key for key, e in enterprises.items()}
    found: dict[tuple[str, str, str, date], list[Problem]] = defaultdict(list)
    for problem in ledger.problems(actor, county=county):
        key = keys.get(problem.enterprise_id)
        if key is not None:
            found[(key, problem.title, problem.description, local_day(problem.collected_at))].append(problem)
    return found


def _match(
    rows: Sequence[_Row], existing: Mapping[tuple[str, str, str, date], list[Problem]]
) -> tuple[list[_Row], list[tuple[int, str]]]:
    """Rows to create, and (row, problem id) of rows already in the ledger (n-th row to n-th problem)."""
    seen: Counter[tuple[str, str, str, date]] = Counter()
    create: list[_Row] = []
    matched: list[tuple[int, str]] = []
    for row in rows:
        ids = existing.get(row.key, [])
        n = seen[row.key]
        seen[row.key] += 1
        if n < len(ids):
            matched.append((row.number, ids[n].id))
        else:
            create.append(row)
    return create, matched


def _differences(
    ledger: Ledger,
    actor: Actor,
    rows: Sequence[_Row],
    matched: Sequence[tuple[int, str]],
    reading: _Reading,
) -> list[Difference]:
    """Each cell of a matched row that says something else than what the import recorded for it.

    What was imported is read from the problem's imported events (its
    collection and the steps `RecordImportedHistory` recorded), not from
    its state now: what happened in govbiz since is no difference.
    """
    by_number = {r.number: r for r in rows}
    names = {d.code: d.short_name or d.name for d in reading.departments}
    history = reading.layout.column("assigned_on") is not None
    found: list[Difference] = []
    for number, problem_id in matched:
        imported = _as_imported(ledger.history(actor, problem_id), names)
        now = _as_written(by_number[number], names)
        for field in _COMPARED if history else _COMPARED[:2]:
            if imported.get(field, "") != now.get(field, ""):
                column = reading.layout.column(field)
                header, letter = (column.header, column.letter) if column else (FIELDS[field][0], "")
                old = imported.get(field, "")
                found.append(Difference(number, header, old, now[field], letter, problem_id))
    return found


#: The fields a re-import compares, as a clerk writes them (the history ones when the file has 交办时间).
_COMPARED = ("category", "source", "lead_department", "co_departments", "assigned_on", "progress", "closure",
             "completed_on", "result", "satisfaction")  # fmt: skip
#: 是否办结 as a clerk writes it.
_CLOSURE_WORDS = {"open": "否", "completed": "是", "long_term": "长期"}


def _as_imported(events: Sequence[DomainEvent], names: Mapping[str, str]) -> dict[str, str]:
    """What the import recorded of a problem, field by field, as a clerk writes it."""
    found: dict[str, str] = {}
    for event in events:
        payload = event.payload
        if event.version == 1:
            found |= {"category": str(payload.get("category", "")), "source": str(payload.get("source", ""))}
            continue
        imported = payload.get("imported")
        if not isinstance(imported, Mapping):
            continue  # a step taken in govbiz since: not what was imported
        day = str(imported.get("at", ""))[:10]
        if event.kind == "assign":
            co = payload.get("co_handlers") or ()
            found |= {
                "lead_department": names.get(str(payload["lead"]), str(payload["lead"])),
                "co_departments": "、".join(names.get(str(d), str(d)) for d in co),
                "assigned_on": day, "closure": _CLOSURE_WORDS["open"],
            }  # fmt: skip
        elif event.kind == "report_progress":
            found["progress"] = str(payload.get("text", ""))
        elif event.kind == "report_result":
            long_term = payload.get("outcome") == "long_term"
            found["closure"] = _CLOSURE_WORDS["long_term" if long_term else "completed"]
            if not long_term:
                text = str(payload.get("text", ""))
                found |= {"completed_on": day, "result": text if _said(text) else ""}
        elif event.kind == "return_visit" and payload.get("satisfaction"):
            found["satisfaction"] = Satisfaction(str(payload["satisfaction"])).label_zh
    return found


def _as_written(row: _Row, names: Mapping[str, str]) -> dict[str, str]:
    """What the row says now, field by field, as `_as_imported` puts it."""
    found = {"category": row.category, "source": row.source}
    history = row.history
    if history is None or not row.lead:
        return found | dict.fromkeys(_COMPARED[2:], "")
    completed = history.closure.value == "completed"
    return found | {
        "lead_department": names.get(row.lead, row.lead),
        "co_departments": "、".join(names.get(d, d) for d in row.co_handlers),
        "assigned_on": history.assigned_on.isoformat(),
        "progress": history.progress,
        "closure": _CLOSURE_WORDS[history.closure.value],
        "completed_on": history.completed_on.isoformat() if completed and history.completed_on else "",
        "result": history.result if completed and _said(history.result) else "",
        "satisfaction": history.satisfaction.label_zh if history.satisfaction else "",
    }


def _said(text: str) -> bool:
    """Whether a result's text is the clerk's (not the outcome's name the import wrote for an empty cell)."""
    return text not in {"已解决", "部分解决", "已解释说明", "长期推进"}


def _name_warnings(
    rows: Sequence[_Row], enterprises: Mapping[str, Enterprise], layout: Layout
) -> list[RowError]:
    warnings = []
    column = layout.column("enterprise_name") or Column(0, FIELDS["enterprise_name"][0], "enterprise_name")
    for row in rows:
        known = enterprises.get(row.enterprise_key)
        if known is not None and known.name != row.enterprise_name:
            reason = f"已登记为「{known.name}」，保留已登记的名称"
            warnings.append(RowError(row.number, column.header, reason, column.letter, row.enterprise_name))
    return warnings


def _store(
    ledger: Ledger,
    actor: Actor,
    *,
    county: str,
    rows: Sequence[_Row],
    enterprises: Mapping[str, Enterprise],
    source: str,
    sheet: str,
    on_committed: Callable[[Sequence[DomainEvent]], None] | None,
) -> list[tuple[int, str | None]]:
    created: list[tuple[int, str | None]] = []
    ids = {key: e.id for key, e in enterprises.items()}
    row: _Row | None = None
    try:
        with ledger.unit() as unit:
            for row in rows:
                if row.enterprise_key not in ids:
                    command = c.RegisterEnterprise(
                        county=county, name=row.enterprise_name, credit_code=row.credit_code,
                        code_as_written=row.code_as_written,
                    )  # fmt: skip
                    ids[row.enterprise_key] = unit.handle(actor, command).id
                problem = unit.handle(actor, c.CollectProblem(
                    enterprise_id=ids[row.enterprise_key], title=row.title, description=row.description,
                    category=row.category, source=row.source,
                    collected_at=day_instant(row.collected_on),
                    imported_file=source, imported_sheet=sheet, imported_row=row.number,
                ))  # fmt: skip
                if row.history is not None and row.lead:
                    history = row.history.command(
                        problem.id, row.lead, row.co_handlers, file=source, sheet=sheet, row=row.number
                    )
                    unit.handle(actor, history)
                created.append((row.number, problem.id))
    except GovbizError as error:
        raise ImportRejected(source, [RowError(row.number if row else None, "", str(error))]) from error
    if on_committed is not None and unit.events:
        on_committed(unit.events)
    return created
