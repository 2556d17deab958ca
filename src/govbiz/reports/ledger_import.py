"""Importing an existing problem ledger (导入已有问题台账) from a spreadsheet.

Offices that start with govbiz already keep their problems in Excel.  An
import reads such a table (xlsx through the `govbiz-xlsx` plugin, or CSV)
and brings each row in as a problem collected on its collection day
(已收集), registering its enterprise when the credit code is new.

The rules, in the order they apply:

1. **Columns by header.** The header row is the first of the first ten rows
   that has the headers of 企业名称 and 问题 (so a title row above it is
   fine).  `ColumnMapping` maps Chinese headers to fields; the default
   knows the usual spellings and can be extended (`with_headers`).
   Columns it does not know are ignored and listed in the result.
2. **Validate everything first.** Every row is checked (required cells,
   credit code check character, the county's categories and sources, dates,
   lengths) and *every* bad row is reported with its row number (as the
   spreadsheet shows it) and reason in one `ImportRejected`.  Nothing is
   stored then.
3. **Import in one go.** When all rows are good, the commands run in one
   unit of work (`govbiz.ledger.Ledger.unit`): all stored, or,
   if anything still fails, none.
4. **Idempotent.** A row matches an existing problem of the same
   enterprise (by 统一社会信用代码) with the same 问题, 问题描述 and 收集日期.
   When a file has several rows alike, the n-th of them matches the n-th
   such problem (by problem number).  Matched rows change nothing, so
   importing the same file again adds nothing, and a file that grew by a
   few rows adds just those.  Enterprises are matched by credit code; the
   name already registered wins (a differing name is reported as a warning).

Handling columns (主办部门, 办理状态 ...) are not imported: assignments,
results and return visits happen in govbiz from then on, as events with
their actors and times.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import attrs

from govbiz import commands as c
from govbiz.clock import beijing
from govbiz.domain.credit_code import validate_credit_code
from govbiz.domain.dates import EARLIEST_DAY
from govbiz.domain.enterprise import Enterprise
from govbiz.errors import GovbizError, ValidationError
from govbiz.metrics.facts import local_day
from govbiz.ports.report_format import Cell
from govbiz.reports.cells import restore

if TYPE_CHECKING:
    from govbiz.domain.actors import Actor
    from govbiz.domain.events import DomainEvent
    from govbiz.ledger import Ledger

__all__ = [
    "DEFAULT_MAPPING",
    "FIELDS",
    "ColumnMapping",
    "ImportRejected",
    "ImportResult",
    "RowError",
    "import_ledger",
]

#: The fields an imported row fills: field -> (the header it is reported under, required).
FIELDS: dict[str, tuple[str, bool]] = {
    "enterprise_name": ("企业名称", True),
    "credit_code": ("统一社会信用代码", True),
    "title": ("问题", True),
    "description": ("问题描述", False),
    "category": ("问题类别", True),
    "source": ("来源", True),
    "collected_on": ("收集日期", True),
}

#: Headers offices use, mapped to fields (the first of each field is govbiz's own export header).
DEFAULT_MAPPING: dict[str, str] = {
    "企业名称": "enterprise_name",
    "企业": "enterprise_name",
    "单位名称": "enterprise_name",
    "统一社会信用代码": "credit_code",
    "社会信用代码": "credit_code",
    "信用代码": "credit_code",
    "问题": "title",
    "问题标题": "title",
    "问题名称": "title",
    "问题描述": "description",
    "问题内容": "description",
    "具体问题": "description",
    "问题类别": "category",
    "类别": "category",
    "问题类型": "category",
    "来源": "source",
    "问题来源": "source",
    "收集日期": "collected_on",
    "收集时间": "collected_on",
    "反映日期": "collected_on",
}
#: How many leading rows may hold a title above the header row.
HEADER_SEARCH_ROWS = 10


@attrs.frozen(slots=True)
class ColumnMapping:
    """Which header fills which field (`FIELDS`); headers compare without spaces."""

    headers: Mapping[str, str] = attrs.field(factory=lambda: dict(DEFAULT_MAPPING))

    def __attrs_post_init__(self) -> None:
        unknown = sorted({f for f in self.headers.values() if f not in FIELDS})
        if unknown:
            raise ValidationError("mapping", unknown, f"unknown field(s); fields are {', '.join(FIELDS)}")

    def with_headers(self, extra: Mapping[str, str]) -> ColumnMapping:
        """This mapping plus `extra` (header -> field), which wins on a clash."""
        return ColumnMapping({**self.headers, **extra})

    @classmethod
    def parse(cls, specs: Iterable[str], base: ColumnMapping | None = None) -> ColumnMapping:
        """The default (or `base`) mapping plus `表头=field` specs, e.g. `反映问题=title`."""
        extra: dict[str, str] = {}
        for spec in specs:
            header, sep, field = spec.partition("=")
            if not sep or not header.strip() or not field.strip():
                raise ValidationError("column", spec, "write a column mapping as HEADER=FIELD")
            extra[header.strip()] = field.strip()
        return (base or cls()).with_headers(extra)

    def field_of(self, header: str) -> str | None:
        """The field of a header cell, or `None` if the header is not mapped."""
        return self._normalised().get(_norm(header))

    def _normalised(self) -> dict[str, str]:
        return {_norm(h): f for h, f in self.headers.items()}

    def headers_of(self, field: str) -> list[str]:
        """The headers mapped to `field`."""
        return [h for h, f in self.headers.items() if f == field]


def _norm(header: str) -> str:
    return re.sub(r"\s+", "", header)


@attrs.frozen(slots=True)
class RowError:
    """A reason a row (or the whole file, `row` `None`) cannot be imported."""

    row: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        return f"{where}, {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"


class ImportRejected(GovbizError, ValueError):
    """The file was not imported (nothing was stored): `errors` lists every bad row."""

    def __init__(self, source: str, errors: Sequence[RowError]) -> None:
        self.source = source
        self.errors = tuple(errors)
        lines = "\n".join(f"  {e}" for e in self.errors)
        # 错误, not "problem": a problem (问题) is what the ledger records for an enterprise
        super().__init__(f"{source}: {len(self.errors)} 错误 errors, nothing was imported:\n{lines}")


@attrs.frozen(slots=True)
class ImportResult:
    """What an import did (or, with `dry_run`, would do).

    `created` and `matched` list (row number, problem id); the ids of
    created problems are `None` in a dry run.
    """

    source: str
    header_row: int
    created: tuple[tuple[int, str | None], ...]
    matched: tuple[tuple[int, str], ...]
    enterprises_registered: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    warnings: tuple[RowError, ...]
    dry_run: bool = False

    def summary(self) -> str:
        """One line for a clerk: how many created, already there, enterprises registered."""
        verb = "would import" if self.dry_run else "imported"
        return (
            f"{self.source}: {verb} {len(self.created)} problem(s), "
            f"{len(self.matched)} already in the ledger (unchanged), "
            f"{len(self.enterprises_registered)} new enterprise(s)"
        )


@attrs.frozen(slots=True)
class _Row:
    """One valid row, ready to import."""

    number: int
    enterprise_name: str
    credit_code: str
    title: str
    description: str
    category: str
    source: str
    collected_on: date

    @property
    def key(self) -> tuple[str, str, str, date]:
        return (self.credit_code, self.title, self.description, self.collected_on)


def import_ledger(
    ledger: Ledger,
    actor: Actor,
    rows: Sequence[Sequence[Cell]],
    *,
    county: str,
    mapping: ColumnMapping | None = None,
    source: str = "file",
    dry_run: bool = False,
    on_committed: Callable[[Sequence[DomainEvent]], None] | None = None,
) -> ImportResult:
    """Import the table `rows` into `county`'s ledger as `actor` (a collector), all or nothing.

    `rows` are the table's rows as a `govbiz.reports.TableReader` returns
    them (row 1 first); `source` names the file in messages.  Raises
    `ImportRejected` listing every bad row, with nothing stored.  With
    `dry_run` everything is checked and nothing stored.  The ledger's
    subscribers hear of the events once they are committed, as after
    `Ledger.handle`; so does `on_committed`, if given.
    """
    _require_division(ledger, actor, county, source)
    header_row, fields, ignored = _header(rows, mapping or ColumnMapping(), source)
    errors, warnings, valid = _validate(ledger, county, rows, header_row, fields)
    if errors:
        raise ImportRejected(source, errors)
    enterprises = _enterprises(ledger, actor, county)
    existing = _existing(ledger, actor, county, enterprises)
    warnings += _name_warnings(valid, enterprises)
    to_create, matched = _match(valid, existing)
    new_codes = tuple(dict.fromkeys(r.credit_code for r in to_create if r.credit_code not in enterprises))
    if dry_run:
        return ImportResult(
            source, header_row, tuple((r.number, None) for r in to_create), tuple(matched), new_codes,
            ignored, tuple(warnings), dry_run=True,
        )  # fmt: skip
    created = _store(
        ledger,
        actor,
        county=county,
        rows=to_create,
        enterprises=enterprises,
        source=source,
        on_committed=on_committed,
    )
    return ImportResult(
        source, header_row, tuple(created), tuple(matched), new_codes, ignored, tuple(warnings)
    )


def _require_division(ledger: Ledger, actor: Actor, county: str, source: str) -> None:
    if not any(d.code == county for d in ledger.records(actor, "division")):
        reason = (
            f"county {county} is not registered in this ledger; run `govbiz county setup --county {county}`"
        )
        raise ImportRejected(source, [RowError(None, "", reason)])


def _header(
    rows: Sequence[Sequence[Cell]], mapping: ColumnMapping, source: str
) -> tuple[int, dict[str, int], tuple[str, ...]]:
    """The header row's number, field -> column index, and the ignored headers."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):  # noqa: B007 - index is used after the loop
        found = {mapping.field_of(str(v)): n for n, v in enumerate(row) if isinstance(v, str) and v.strip()}
        if "enterprise_name" in found and "title" in found:
            break
    else:
        wanted = f"{FIELDS['enterprise_name'][0]} and {FIELDS['title'][0]}"
        raise ImportRejected(
            source,
            [RowError(None, "", f"no header row with {wanted} in the first {HEADER_SEARCH_ROWS} rows")],
        )
    number = index + 1
    fields: dict[str, int] = {}
    for n, value in enumerate(row):
        field = mapping.field_of(str(value)) if value is not None else None
        if field is not None and field not in fields:
            fields[field] = n
    missing = [header for field, (header, required) in FIELDS.items() if required and field not in fields]
    if missing:
        reason = f"missing column(s) {', '.join(missing)} (see the column mapping)"
        raise ImportRejected(source, [RowError(number, "", reason)])
    ignored = tuple(
        str(v).strip() for v in row if v is not None and str(v).strip() and mapping.field_of(str(v)) is None
    )
    return number, fields, ignored


def _validate(
    ledger: Ledger, county: str, rows: Sequence[Sequence[Cell]], header_row: int, fields: Mapping[str, int]
) -> tuple[list[RowError], list[RowError], list[_Row]]:
    errors: list[RowError] = []
    warnings: list[RowError] = []
    valid: list[_Row] = []
    profile = ledger.profile(county)
    today = local_day(ledger.clock.now())
    names: dict[str, tuple[str, int]] = {}
    for number, row in enumerate(rows[header_row:], start=header_row + 1):
        if all(_blank(v) for v in row):
            continue
        cells = {f: (row[i] if i < len(row) else None) for f, i in fields.items()}
        found: list[RowError] = []
        parsed = _parse_row(
            number,
            cells,
            check_category=profile.check_category,
            check_source=profile.check_source,
            canonical=profile.canonical,
            today=today,
            errors=found,
        )
        if parsed is not None:
            first = names.setdefault(parsed.credit_code, (parsed.enterprise_name, number))
            if first[0] != parsed.enterprise_name:
                found.append(RowError(number, "企业名称", (
                    f"{parsed.enterprise_name!r} has the credit code of {first[0]!r} in row {first[1]}"
                )))  # fmt: skip
        errors += _first_per_column(found)
        if parsed is not None and not found:
            valid.append(parsed)
    if not errors and not valid:
        errors.append(RowError(None, "", f"no problem rows below the header row {header_row}"))
    return errors, warnings, valid


def _first_per_column(errors: list[RowError]) -> list[RowError]:
    """One error per cell: two checks of the same value say the same thing twice."""
    seen: dict[tuple[int | None, str], RowError] = {}
    for error in errors:
        seen.setdefault((error.row, error.column), error)
    return list(seen.values())


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse_row(
    number: int,
    cells: Mapping[str, Cell],
    *,
    check_category: Callable[[str], str],
    check_source: Callable[[str], str],
    today: date,
    errors: list[RowError],
    canonical: Callable[[str], str] = str,
) -> _Row | None:
    """The row's values, or `None` with every reason it is bad appended to `errors`.

    A category or source written under one of the county's aliases is read as the county's own name.
    """
    text = {f: _text(v) for f, v in cells.items() if f != "collected_on"}
    for field in ("category", "source"):
        if field in text:
            text[field] = canonical(text[field])
    before = len(errors)
    empty = {field for field, (_, required) in FIELDS.items() if required and _blank(cells.get(field))}
    errors += [RowError(number, FIELDS[field][0], "is empty") for field in FIELDS if field in empty]
    # Each check names the cells it reads; it runs only when they are filled in.
    checks: list[tuple[str, set[str], Callable[[], object]]] = [
        ("credit_code", {"credit_code"}, lambda: validate_credit_code(text["credit_code"].upper())),
        ("category", {"category"}, lambda: check_category(text["category"])),
        ("source", {"source"}, lambda: check_source(text["source"])),
        ("title", {"title", "category", "source"}, lambda: c.CollectProblem(
            enterprise_id="-", title=text["title"], description=text.get("description", ""),
            category=text["category"], source=text["source"])),
        ("enterprise_name", {"enterprise_name", "credit_code"}, lambda: c.RegisterEnterprise(
            county="000000", name=text["enterprise_name"], credit_code=text["credit_code"])),
    ]  # fmt: skip
    for field, needs, check in checks:
        if needs & empty:
            continue
        try:
            check()
        except ValidationError as error:
            errors.append(RowError(number, _header_of(error.field, field), error.reason))
    collected = None if "collected_on" in empty else _day(cells.get("collected_on"))
    if collected is None and "collected_on" not in empty:
        errors.append(RowError(number, "收集日期", f"{cells.get('collected_on')!r} is not a date"))
    elif collected is not None and collected > today:
        errors.append(RowError(number, "收集日期", f"{collected.isoformat()} is in the future"))
    elif collected is not None and collected < EARLIEST_DAY:  # an empty cell read as 0001-01-01
        earliest = EARLIEST_DAY.isoformat()
        errors.append(RowError(number, "收集日期", f"{collected.isoformat()} is before {earliest}"))
    if len(errors) > before or collected is None:
        return None
    return _Row(
        number, text["enterprise_name"], text["credit_code"].upper(), text["title"],
        text.get("description", ""), text["category"], text["source"], collected,
    )  # fmt: skip


def _header_of(error_field: str, checked: str) -> str:
    """The Chinese header to report a command's field error under."""
    field = {"name": "enterprise_name"}.get(error_field, error_field)
    return FIELDS.get(field, FIELDS[checked])[0]


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return restore(str(value).strip())


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
#: Excel's day 0 in the 1900 date system (Excel counts 1900-02-29, hence the 30th).
_EXCEL_EPOCH = date(1899, 12, 30)


def _day(value: Cell) -> date | None:
    """A collection day from a date cell, an Excel serial number or text like 2025-03-26 / 2025年3月26日."""
    if isinstance(value, datetime):
        return local_day(value) if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 100000:
        return _EXCEL_EPOCH + timedelta(days=int(value))
    match = _DATE.match(str(value).strip()) if isinstance(value, str) else None
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _enterprises(ledger: Ledger, actor: Actor, county: str) -> dict[str, Enterprise]:
    return {e.credit_code: e for e in ledger.records(actor, "enterprise") if e.county == county}


def _existing(
    ledger: Ledger, actor: Actor, county: str, enterprises: Mapping[str, Enterprise]
) -> dict[tuple[str, str, str, date], list[str]]:
    """Existing problems by row key, each key's problem ids in order."""
    codes = {e.id: code for code, e in enterprises.items()}
    found: dict[tuple[str, str, str, date], list[str]] = defaultdict(list)
    for problem in ledger.problems(actor, county=county):
        code = codes.get(problem.enterprise_id)
        if code is not None:
            key = (code, problem.title, problem.description, local_day(problem.collected_at))
            found[key].append(problem.id)
    return found


def _match(
    rows: Sequence[_Row], existing: Mapping[tuple[str, str, str, date], list[str]]
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
            matched.append((row.number, ids[n]))
        else:
            create.append(row)
    return create, matched


def _name_warnings(rows: Sequence[_Row], enterprises: Mapping[str, Enterprise]) -> list[RowError]:
    warnings = []
    for row in rows:
        known = enterprises.get(row.credit_code)
        if known is not None and known.name != row.enterprise_name:
            reason = f"registered as {known.name!r}; the registered name is kept"
            warnings.append(RowError(row.number, "企业名称", reason))
    return warnings


def _store(
    ledger: Ledger,
    actor: Actor,
    *,
    county: str,
    rows: Sequence[_Row],
    enterprises: Mapping[str, Enterprise],
    source: str,
    on_committed: Callable[[Sequence[DomainEvent]], None] | None,
) -> list[tuple[int, str | None]]:
    created: list[tuple[int, str | None]] = []
    ids = {code: e.id for code, e in enterprises.items()}
    row: _Row | None = None
    try:
        with ledger.unit() as unit:
            for row in rows:
                if row.credit_code not in ids:
                    command = c.RegisterEnterprise(
                        county=county, name=row.enterprise_name, credit_code=row.credit_code
                    )
                    ids[row.credit_code] = unit.handle(actor, command).id
                problem = unit.handle(actor, c.CollectProblem(
                    enterprise_id=ids[row.credit_code], title=row.title, description=row.description,
                    category=row.category, source=row.source,
                    collected_at=datetime.combine(row.collected_on, time(0), tzinfo=beijing()),
                ))  # fmt: skip
                created.append((row.number, problem.id))
    except GovbizError as error:
        raise ImportRejected(source, [RowError(row.number if row else None, "", str(error))]) from error
    if on_committed is not None and unit.events:
        on_committed(unit.events)
    return created
