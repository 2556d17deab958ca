"""How a county's ledger file maps onto govbiz (导入映射): its headers, its values, its defaults.

Each county's clerks write their ledger their own way: 反映问题 or 企业反映问题
for the problem, 土地规划类 for the category govbiz calls 土地规划, 自规局 for
张家界市自然资源和规划局.  `ColumnMapping` knows the usual headers;
`ImportSettings` adds the county's own:

* `columns`: header as written -> field (`--column "反映问题=title"`);
* `values`: per field (`category`, `source`, `department`), a value as
  written -> the county's own (`--value "category:土地规划类=土地规划"`), on top
  of the aliases in the county's configuration (`govbiz.profile.CountyProfile.aliases`);
* `defaults`: a field's value when the file has no column for it
  (`--default "source=接待日现场"`);
* `sheet` and `year`: the sheet to read and the year of dates written without one.

`--mapping FILE.toml` keeps them for next time (`ImportSettings.to_toml`,
`ImportSettings.load`).
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from govbiz.errors import ValidationError

__all__ = [
    "DEFAULT_MAPPING", "FIELDS", "HISTORY_FIELDS", "VALUE_FIELDS", "ColumnMapping", "ImportSettings",
    "header_key",
]  # fmt: skip

#: The fields an imported row fills: field -> (the header it is reported under, required).
FIELDS: dict[str, tuple[str, bool]] = {
    "enterprise_name": ("企业名称", True),
    "credit_code": ("统一社会信用代码", False),
    "title": ("问题", True),
    "description": ("问题描述", False),
    "category": ("问题类别", True),
    "source": ("来源", True),
    "collected_on": ("收集日期", True),
    "lead_department": ("责任单位", False),
    "co_departments": ("配合单位", False),
    # The history a clerk's ledger holds (`govbiz.reports.import_history`): read when it has a 交办 column.
    "assigned_on": ("交办时间", False),
    "progress": ("办理进度", False),
    "progress_on": ("进展时间", False),
    "result": ("办理结果", False),
    "completed_on": ("办结时间", False),
    "closure": ("是否办结", False),
    "satisfaction": ("满意度", False),
    "visited_on": ("回访时间", False),
}

#: The fields of a row's handling history, read only when the file has a 交办 column (`assigned_on`).
HISTORY_FIELDS = (
    "assigned_on", "progress", "progress_on", "result", "completed_on", "closure", "satisfaction",
    "visited_on",
)  # fmt: skip

#: The fields whose values may be given aliases (`--value FIELD:AS WRITTEN=OURS`).
VALUE_FIELDS = ("category", "source", "department")

_VARIANTS: dict[str, tuple[str, ...]] = {
    "enterprise_name": ("企业名称", "企业", "单位名称", "企业全称", "企业名称（全称）", "企业（单位）名称",
                        "反映企业", "市场主体名称", "企业名字"),
    "credit_code": ("统一社会信用代码", "社会信用代码", "信用代码", "统一信用代码", "企业信用代码",
                    "统一社会信用代码（纳税人识别号）"),
    "title": ("问题", "问题标题", "问题名称", "反映问题", "企业反映问题", "企业反映的问题", "存在问题",
              "主要问题", "问题简述", "企业诉求", "诉求", "问题及诉求", "反映的问题"),
    "description": ("问题描述", "问题内容", "具体问题", "问题详情", "详细描述", "具体内容", "问题具体描述"),
    "category": ("问题类别", "类别", "问题类型", "问题分类", "类型", "分类"),
    "source": ("来源", "问题来源", "收集渠道", "反映渠道", "渠道", "收集方式"),
    "collected_on": ("收集日期", "收集时间", "反映日期", "反映时间", "登记日期", "登记时间", "提出时间",
                     "收集日期（年月日）", "日期"),
    "lead_department": ("责任单位", "承办单位", "主办单位", "主办部门", "责任部门", "牵头单位", "牵头部门",
                        "承办部门", "交办单位", "责任单位（部门）"),
    "co_departments": ("协办部门", "协办单位", "配合单位", "配合部门"),
    "assigned_on": ("交办时间", "交办日期", "交办时间（年月日）"),
    "progress": ("办理进度", "进展情况", "办理进展", "推进情况", "落实情况", "工作进展", "进展"),
    "progress_on": ("进展时间", "进展日期", "进度时间", "反馈时间", "反馈日期", "更新时间"),
    "result": ("办理结果", "办结情况", "处理结果", "办理结果（答复意见）"),
    "completed_on": ("办结时间", "办结日期", "完成时间", "完成日期", "销号时间", "销号日期"),
    "closure": ("是否办结", "办结与否", "是否完成", "办结状态"),
    "satisfaction": ("满意度", "回访", "回访情况", "回访结果", "企业满意度", "企业评价", "回访满意度",
                     "满意度回访"),
    "visited_on": ("回访时间", "回访日期"),
}  # fmt: skip

#: Headers offices use, mapped to fields (the first of each field is govbiz's own export header).
DEFAULT_MAPPING: dict[str, str] = {header: field for field, names in _VARIANTS.items() for header in names}

_BRACKETS = re.compile(r"[(\[【][^)\]】]*[)\]】]")


def header_key(header: str) -> str:
    """A header as compared: full-width forms as ASCII, no spaces, no `*` or trailing colon."""
    text = unicodedata.normalize("NFKC", header)
    return re.sub(r"[\s*:：]+", "", text)


@attrs.frozen(slots=True)
class ColumnMapping:
    """Which header fills which field (`FIELDS`); headers compare by `header_key`.

    A header not known as written is tried without its bracketed part:
    企业名称（全称） and 收集时间(年月日) are 企业名称 and 收集时间.
    """

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
        return (base or cls()).with_headers(_pairs(specs, "column", "HEADER=FIELD"))

    def field_of(self, header: str) -> str | None:
        """The field of a header cell, or `None` if the header is not mapped."""
        known = self._normalised()
        key = header_key(header)
        return known.get(key) or known.get(_BRACKETS.sub("", key) or key)

    def _normalised(self) -> dict[str, str]:
        return {header_key(h): f for h, f in self.headers.items()}

    def headers_of(self, field: str) -> list[str]:
        """The headers mapped to `field`."""
        return [h for h, f in self.headers.items() if f == field]


def _pairs(specs: Iterable[str], option: str, shape: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for spec in specs:
        left, sep, right = spec.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise ValidationError(option, spec, f"write it as {shape}")
        found[left.strip()] = right.strip()
    return found


@attrs.frozen(slots=True)
class ImportSettings:
    """A county's own way of keeping its ledger: extra headers, value aliases, defaults, sheet, year."""

    columns: Mapping[str, str] = attrs.field(factory=dict)
    values: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)
    defaults: Mapping[str, str] = attrs.field(factory=dict)
    sheet: str | None = None
    year: int | None = None

    def __attrs_post_init__(self) -> None:
        ColumnMapping(dict(self.columns))  # refuses an unknown field
        for field in self.values:
            if field not in VALUE_FIELDS:
                raise ValidationError("value", field, f"aliases are for {', '.join(VALUE_FIELDS)}")
        for field in self.defaults:
            if field not in FIELDS or field in ("enterprise_name", "title", "credit_code"):
                raise ValidationError("default", field, "a default is for a column every row shares "
                                      "(category, source, collected_on, lead_department ...)")  # fmt: skip
        if self.year is not None and not 2000 <= self.year <= 2100:
            raise ValidationError("year", self.year, "must be a year from 2000 to 2100")

    @classmethod
    def parse(
        cls,
        *,
        columns: Iterable[str] = (),
        values: Iterable[str] = (),
        defaults: Iterable[str] = (),
        sheet: str | None = None,
        year: int | None = None,
    ) -> ImportSettings:
        """Settings from command-line specs: `HEADER=FIELD`, `FIELD:AS WRITTEN=OURS`, `FIELD=VALUE`."""
        aliases: dict[str, dict[str, str]] = {}
        for spec in values:
            field, colon, rest = spec.partition(":")
            pair = _pairs([rest], "value", "FIELD:AS WRITTEN=OURS") if colon else {}
            if not pair:
                raise ValidationError(
                    "value", spec, "write it as FIELD:AS WRITTEN=OURS, e.g. category:土地规划类=土地规划"
                )
            aliases.setdefault(field.strip(), {}).update(pair)
        return cls(
            _pairs(columns, "column", "HEADER=FIELD"), aliases, _pairs(defaults, "default", "FIELD=VALUE"),
            sheet, year,
        )  # fmt: skip

    def over(self, base: ImportSettings) -> ImportSettings:
        """These settings laid over `base` (a saved mapping): each given value wins."""
        values = {
            f: {**base.values.get(f, {}), **self.values.get(f, {})} for f in {*base.values, *self.values}
        }
        return ImportSettings(
            {**base.columns, **self.columns}, values, {**base.defaults, **self.defaults},
            self.sheet if self.sheet is not None else base.sheet,
            self.year if self.year is not None else base.year,
        )  # fmt: skip

    def mapping(self) -> ColumnMapping:
        """The default headers plus the county's own."""
        return ColumnMapping().with_headers(self.columns)

    def alias(self, field: str, value: str) -> str:
        """The county's own value for `value` as written in a `field` column (itself if no alias)."""
        return self.values.get(field, {}).get(value, value)

    # --- the mapping file ------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path) -> ImportSettings:
        """The settings kept in a mapping file (TOML); a missing file is no settings."""
        if not path.exists():
            return cls()
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
            raise ValidationError("mapping", str(path), f"is not a readable TOML file: {error}") from None
        try:
            year = data.get("year")
            return cls(
                {str(k): str(v) for k, v in data.get("columns", {}).items()},
                {str(f): {str(k): str(v) for k, v in t.items()} for f, t in data.get("values", {}).items()},
                {str(k): str(v) for k, v in data.get("defaults", {}).items()},
                str(data["sheet"]) if "sheet" in data else None,
                int(year) if year is not None else None,
            )  # fmt: skip
        except (AttributeError, TypeError, ValueError) as error:
            if isinstance(error, ValidationError):
                raise
            raise ValidationError("mapping", str(path), f"has a value of the wrong shape: {error}") from None

    def to_toml(self) -> str:
        """The settings as a mapping file, to keep beside the ledger for next year's import."""
        lines = ["# govbiz import mapping: how this county's ledger file maps onto govbiz", ""]
        if self.sheet is not None:
            lines.append(f"sheet = {_quoted(self.sheet)}")
        if self.year is not None:
            lines.append(f"year = {self.year}")
        for table, pairs in (("columns", self.columns), ("defaults", self.defaults)):
            if pairs:
                lines += ["", f"[{table}]", *(f"{_quoted(k)} = {_quoted(v)}" for k, v in pairs.items())]
        for field, aliases in self.values.items():
            if aliases:
                lines += [
                    "",
                    f"[values.{field}]",
                    *(f"{_quoted(k)} = {_quoted(v)}" for k, v in aliases.items()),
                ]
        return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    # A JSON string is a TOML basic string (same escapes), Chinese kept as written.
    return json.dumps(text, ensure_ascii=False)
