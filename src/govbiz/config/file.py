"""County configuration files (区县配置文件): one TOML file per county, or per city with its counties.

A county's IT staff describe the county in a file instead of a Python
plugin: its division(s), departments and their contacts, the leaders who
chair reception days, categories, sources, deadline-rule overrides, local
rest and working days, notification routing, the address book, templates,
channel settings and the assessment rules (`[score]`, 考核办法).
`read_county_file` parses and validates it into a `CountyFile`; every
mistake is a `ConfigFileError` naming the file, the line and the key, and
nothing is stored.

Secrets never go in the file: a channel setting that looks like one
(`password`, `token`, `secret`, `api_key` ...) with a literal value is
refused; name the environment variable instead (`password_env = "NAME"`).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

import attrs
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticError

from govbiz.deadlines.config import policy_kwargs
from govbiz.deadlines.escalation import EscalationPolicy
from govbiz.deadlines.rules import default_clocks
from govbiz.errors import ValidationError
from govbiz.notify.notifier import NotificationSettings

__all__ = [
    "SECRET_KEYS",
    "ChannelTable",
    "ConfigFileError",
    "CountyFile",
    "DepartmentTable",
    "DivisionTable",
    "DocumentsTable",
    "LeaderTable",
    "LocalDaysTable",
    "NamedTable",
    "parse_county_file",
    "read_county_file",
]

#: Setting names that hold a secret: given literally in a file they are refused (use `NAME_env`).
SECRET_KEYS = ("password", "passwd", "token", "secret", "api_key", "apikey", "access_key", "private_key")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6}$")]


class ConfigFileError(ValidationError):
    """A county configuration file is wrong (配置文件有误): `file`, `line` and `key` say where.

    `line` is 1-based (0 when the key is not written in the file, e.g. a
    missing one); `key` is dotted (`divisions[0].departments[1].code`).
    """

    def __init__(self, file: str, line: int, key: str, value: Any, reason: str) -> None:
        self.file = file
        self.line = line
        self.key = key
        super().__init__(key, value, reason)
        where = f"{file}:{line}" if line else file
        self.args = (f"{where}: {key}: {reason}" + (f" (got {value!r})" if value is not None else ""),)


class _Table(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class DepartmentTable(_Table):
    """A department (职能部门): `code`, `name`, `short_name` and its `contacts` (channel → addresses)."""

    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    name: Text
    short_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    contacts: dict[str, list[str]] = Field(default_factory=dict)


class LeaderTable(_Table):
    """A leader who chairs reception days (接待领导): a title such as 区委书记 and a name."""

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""


class DivisionTable(_Table):
    """A city or county (行政区划) the file configures, with its departments and leaders."""

    code: Code
    name: Text
    parent: Code | None = None
    departments: list[DepartmentTable] = Field(default_factory=list)
    leaders: list[LeaderTable] = Field(default_factory=list)


class LocalDaysTable(_Table):
    """Local rest and working days (地方休息日 / 地方工作日) with their name and the deciding document."""

    name: Text
    rest: list[date] = Field(default_factory=list)
    working: list[date] = Field(default_factory=list)
    source: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""


class ChannelTable(BaseModel):
    """One channel's settings (`[channels.NAME]`): free keys, but secrets only by variable name."""

    model_config = ConfigDict(frozen=True, extra="allow")

    def settings(self) -> dict[str, Any]:
        """The settings as written (`password_env` and the like name variables, never values)."""
        return dict(self.model_extra or {})

    def variables(self) -> dict[str, str]:
        """Setting → environment variable, for every `*_env` setting."""
        return {k: str(v) for k, v in self.settings().items() if k.endswith("_env")}


class NamedTable(_Table):
    """A category or source with the other names spreadsheets use for it (别名), for the import."""

    name: Text
    aliases: list[Text] = Field(default_factory=list)


class DocumentsTable(_Table):
    """`[documents]`: who issues the county's official documents (公文) and how they are numbered.

    `prefix` is the number's prefix (机关代字): one character (张) gets the
    kind's own after it (张督通, 张交办, 张督办); a longer one is used as it is.
    """

    issuer: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = ""
    mark: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = ""
    prefix: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] = ""
    addressees: list[Text] = Field(default_factory=list)
    copies_to: list[Text] = Field(default_factory=list)
    printed_by: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = ""


class _FileModel(_Table):
    divisions: list[DivisionTable] = Field(min_length=1)
    categories: list[Text | NamedTable] | None = None
    sources: list[Text | NamedTable] | None = None
    deadlines: dict[str, Any] | None = None
    escalation: dict[str, Any] | None = None
    local_days: list[LocalDaysTable] = Field(default_factory=list)
    notifications: dict[str, Any] | None = None
    channels: dict[str, ChannelTable] = Field(default_factory=dict)
    documents: DocumentsTable | None = None
    score: dict[str, Any] | None = None


@attrs.frozen(slots=True)
class CountyFile:
    """A validated county configuration file (区县配置文件).

    `source` names the file, `text` is its content and `sha256` the
    digest of that text; the other fields are the file's tables.
    `deadlines` is the raw `[deadlines]` table (overrides of the policy
    the plugins give, as `DeadlinePolicy.from_dict` reads it), with the
    `[escalation]` table (the escalation ladder) under its key `escalation`;
    `notifications` the `NotificationSettings` it builds, with each
    department's contacts in the address book; `aliases` maps each alias
    of a category or source to its name; `documents` the `[documents]`
    table (issuer and numbering of the county's official documents), if any;
    `score` the raw `[score]` table (the county's assessment rules, as
    `govbiz.metrics.score_config.score_policy_from_dict` reads it), if any.
    """

    source: str
    text: str
    sha256: str
    divisions: tuple[DivisionTable, ...]
    categories: tuple[str, ...] | None
    sources: tuple[str, ...] | None
    aliases: Mapping[str, str] | None
    deadlines: Mapping[str, Any] | None
    local_days: tuple[LocalDaysTable, ...]
    notifications: NotificationSettings | None
    channels: Mapping[str, ChannelTable]
    documents: DocumentsTable | None = None
    score: Mapping[str, Any] | None = None

    @property
    def county(self) -> str:
        """The file's first division: the one the ledger keeps it under."""
        return self.divisions[0].code

    def codes(self) -> tuple[str, ...]:
        """Every division the file configures, in order."""
        return tuple(d.code for d in self.divisions)

    def division(self, code: str) -> DivisionTable | None:
        """The file's table for division `code`, if it has one."""
        return next((d for d in self.divisions if d.code == code), None)


def read_county_file(path: str | Path) -> CountyFile:
    """Read and validate the county configuration file at `path` (UTF-8 TOML)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigFileError(str(path), 0, "file", None, f"cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigFileError(str(path), 0, "file", None, "is not UTF-8 text") from None
    return parse_county_file(text, str(path))


def parse_county_file(text: str, source: str = "county.toml") -> CountyFile:
    """Validate `text` (a county configuration file named `source`) into a `CountyFile`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = int(match.group(1)) if (match := re.search(r"line (\d+)", str(exc))) else 0
        raise ConfigFileError(source, line, "file", None, f"is not valid TOML: {exc}") from None
    fail = _Failer(source, text)
    try:
        model = _FileModel.model_validate(data)
    except PydanticError as exc:
        error = exc.errors()[0]
        key = _dotted(error["loc"])
        value = error.get("input") if error["type"] != "missing" else None
        raise fail(key, value, _reason(error)) from None
    _check_divisions(model, fail)
    _check_secrets(model, fail)
    _check_local_days(model, fail)
    if model.deadlines is not None:
        try:
            policy_kwargs(model.deadlines, default_clocks())
        except ValidationError as exc:
            raise fail(f"deadlines.{exc.field}", exc.value, exc.reason) from None
    if model.score is not None:
        _check_score(model.score, fail)
    deadlines = _with_escalation(model, fail)
    notifications = _notifications(model, fail)
    return CountyFile(
        source=source,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        divisions=tuple(model.divisions),
        categories=_names(model.categories),
        sources=_names(model.sources),
        aliases=_aliases(model, fail),
        deadlines=deadlines,
        local_days=tuple(model.local_days),
        notifications=notifications,
        channels=dict(model.channels),
        documents=model.documents,
        score=model.score,
    )


def _with_escalation(model: _FileModel, fail: _Failer) -> dict[str, Any] | None:
    """The `[deadlines]` overrides with the `[escalation]` table (督办升级) checked and put in them."""
    if model.escalation is None:
        return model.deadlines
    if model.deadlines is not None and "escalation" in model.deadlines:
        raise fail("deadlines.escalation", None, "is given twice: keep only the [escalation] table")
    try:
        EscalationPolicy.from_dict(model.escalation)
    except ValidationError as exc:
        raise fail(exc.field, exc.value, exc.reason) from None
    return {**(model.deadlines or {}), "escalation": model.escalation}


def _names(entries: list[str | NamedTable] | None) -> tuple[str, ...] | None:
    if entries is None:
        return None
    return tuple(e if isinstance(e, str) else e.name for e in entries)


def _aliases(model: _FileModel, fail: _Failer) -> dict[str, str] | None:
    """Alias → name over the categories and sources; an alias that is a name, or twice, is refused."""
    found: dict[str, str] = {}
    for table in ("categories", "sources"):
        entries = getattr(model, table) or []
        names = {e if isinstance(e, str) else e.name for e in entries}
        for i, entry in enumerate(entries):
            for j, alias in enumerate([] if isinstance(entry, str) else entry.aliases):
                if alias in names or alias in found:
                    raise fail(f"{table}[{i}].aliases[{j}]", alias, "is already a name or another alias")
                found[alias] = entry.name if isinstance(entry, NamedTable) else entry
    return found or None


# --- checks ------------------------------------------------------------------------------


def _check_divisions(model: _FileModel, fail: _Failer) -> None:
    seen: set[str] = set()
    departments: set[str] = set()
    for i, division in enumerate(model.divisions):
        if division.code in seen:
            raise fail(f"divisions[{i}].code", division.code, "this division is listed twice")
        if division.parent is not None and division.parent == division.code:
            raise fail(f"divisions[{i}].parent", division.parent, "a division is not its own parent")
        seen.add(division.code)
        for j, department in enumerate(division.departments):
            if department.code in departments:
                raise fail(f"divisions[{i}].departments[{j}].code", department.code, "listed twice")
            departments.add(department.code)


def _check_secrets(model: _FileModel, fail: _Failer) -> None:
    for name, channel in model.channels.items():
        _check_secret_settings(channel.settings(), f"channels.{name}", fail)


def _check_secret_settings(settings: Mapping[str, Any], where: str, fail: _Failer) -> None:
    """Every setting, nested tables included (`[channels.dingtalk.robots."市自规局"]`)."""
    for key, value in settings.items():
        field = f"{where}.{key}"
        if isinstance(value, Mapping):
            _check_secret_settings(value, field, fail)
        elif key.endswith("_env"):
            if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
                raise fail(field, value, "must name an environment variable (letters, digits, _)")
        elif _looks_secret(key) and value not in (None, ""):
            reason = f"a secret is never written in the file: set {key}_env = \"VARIABLE\" instead"
            raise fail(field, "***", reason)
        elif isinstance(value, str) and (word := _credential_in_url(value)):
            # A robot's URL carries its access token: the whole URL is the secret.
            reason = f"this URL holds a credential ({word}=...): set {key}_env = \"VARIABLE\" instead"
            raise fail(field, "***", reason)


def _credential_in_url(value: str) -> str:
    """The name of a credential a URL carries in its query or user part, or ''."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https", "smtp", "smtps") or not parts.netloc:
        return ""
    if parts.password:
        return "password"
    for word in parse_qs(parts.query):
        if _looks_secret(word) or word.lower() in ("key", "access_token", "sign"):
            return word
    return ""


def _looks_secret(key: str) -> bool:
    lowered = key.lower()
    return any(lowered == word or lowered.endswith(f"_{word}") for word in SECRET_KEYS)


def _check_local_days(model: _FileModel, fail: _Failer) -> None:
    for i, days in enumerate(model.local_days):
        both = sorted(set(days.rest) & set(days.working))
        if both:
            raise fail(f"local_days[{i}].working", both[0].isoformat(), "is also a rest day of this table")


def _check_score(table: Mapping[str, Any], fail: _Failer) -> None:
    from govbiz.metrics.score_config import score_policy_from_dict  # deferred: files stay below the metrics

    try:
        score_policy_from_dict(table)
    except ValidationError as exc:
        raise fail(f"score.{exc.field}", exc.value, exc.reason) from None


def _notifications(model: _FileModel, fail: _Failer) -> NotificationSettings | None:
    """The file's notification settings, each department's contacts added to the address book."""
    contacts = {
        d.code: d.contacts for division in model.divisions for d in division.departments if d.contacts
    }
    if model.notifications is None and not contacts:
        return None
    data = dict(model.notifications or {})
    book = {key: dict(value) for key, value in dict(data.get("address_book") or {}).items()}
    for code, by_channel in contacts.items():
        book.setdefault(code, {})
        for channel, addresses in by_channel.items():
            book[code].setdefault(channel, list(addresses))
    if book:
        data["address_book"] = book
    try:
        return NotificationSettings.from_dict(data)
    except ValidationError as exc:
        field = exc.field if exc.field.startswith("notifications") else f"notifications.{exc.field}"
        raise fail(field, exc.value, exc.reason) from None


# --- where a key is written ------------------------------------------------------------


@attrs.frozen(slots=True)
class _Failer:
    """Builds the `ConfigFileError` for a dotted key, finding the key's line in the text."""

    source: str
    text: str

    def __call__(self, key: str, value: Any, reason: str) -> ConfigFileError:
        return ConfigFileError(self.source, line_of(self.text, key), key, value, reason)


def _dotted(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _reason(error: Mapping[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "is not a setting of this table (check the spelling)"
    if error["type"] == "missing":
        return "is required"
    return str(error["msg"])


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_NAME = r"""(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)"""
_KEY = re.compile(rf"^\s*({_NAME}(?:\s*\.\s*{_NAME})*)\s*=")


def _key_parts(raw: str) -> list[str]:
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([A-Za-z0-9_\-]+)', raw)
    return [a or b or c for a, b, c in parts]


def _path_parts(key: str) -> list[str]:
    """`divisions[0].departments[1].code` → `["divisions", "[0]", "departments", "[1]", "code"]`."""
    return [p for p in re.split(r"\.|(\[\d+\])", key) if p]


def line_of(text: str, key: str) -> int:
    """The 1-based line of `text` (TOML) where dotted `key` is written; else the line of the
    nearest table that holds it; 0 when neither is written (tomllib gives no positions)."""
    wanted = _path_parts(key)
    counters: dict[tuple[str, ...], int] = {}
    table: list[str] = []
    best, best_depth = 0, 0
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            names = _key_parts(header.group(2))
            table = []
            for depth, name in enumerate(names):
                table.append(name)
                if header.group(1) == "[[" and depth == len(names) - 1:
                    index = counters.get(tuple(table), -1) + 1
                    counters[tuple(table)] = index
                    table.append(f"[{index}]")
                elif tuple(table) in counters:
                    table.append(f"[{counters[tuple(table)]}]")
            path = table
        else:
            assigned = _KEY.match(line)
            if not assigned:
                continue
            path = [*table, *_key_parts(assigned.group(1))]
        depth = _common(path, wanted)
        if depth == len(wanted) and len(path) >= len(wanted):
            return number
        if depth > best_depth and depth == len(path):
            best, best_depth = number, depth
    return best


def _common(path: list[str], wanted: list[str]) -> int:
    depth = 0
    for have, want in zip(path, wanted, strict=False):
        if have != want:
            break
        depth += 1
    return depth
