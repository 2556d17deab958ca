"""Reports people can read: Markdown and JSON of a metrics result (统计报表).

Every figure is printed with its definition (口径) right above it, in
Chinese and English, and with its numerator and denominator, so 75% can never
be printed without saying what it is 75% of.  JSON is produced through
pydantic models (`MetricsResultRecord`), the project's boundary type.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from govbiz.metrics.definitions import MetricDefinition, MetricKind
from govbiz.metrics.figures import Figure, GroupFigures, MetricsResult
from govbiz.metrics.ranking import Ranking

__all__ = [
    "DefinitionRecord",
    "FigureRecord",
    "GroupRecord",
    "MetricsResultRecord",
    "render_markdown",
    "render_ranking_markdown",
    "to_json",
    "to_record",
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class DefinitionRecord(_Out):
    """A metric definition (统计口径) as JSON."""

    name: str
    name_zh: str
    kind: str
    numerator: str
    denominator: str | None
    exclusions: list[str]
    measure: str | None
    buckets: list[int]
    rounding: dict[str, object]
    description_zh: str
    description_en: str
    statement_zh: str
    statement_en: str


class FigureRecord(_Out):
    """A figure as JSON: the printed value (text, exact decimal), its counts and problem ids.

    A summary figure (汇总数) has empty id lists and `numerator_count` and
    `denominator_count` instead; `to_json` leaves those out of figures with ids.
    """

    metric: str
    value: Decimal | None
    text: str
    numerator: list[str]
    denominator: list[str]
    buckets: dict[str, list[str]] | None = None
    numerator_count: int | None = None
    denominator_count: int | None = None


class GroupRecord(_Out):
    """A group's figures as JSON (`key` `None` for the total)."""

    key: str | None
    label: str
    figures: list[FigureRecord]


class MetricsResultRecord(_Out):
    """A whole metrics result as JSON (`then_by`: the second grouping of a cross grouping)."""

    as_of: str
    grouping: str | None
    filters: list[str]
    definitions: list[DefinitionRecord]
    total: GroupRecord
    groups: list[GroupRecord]
    then_by: str | None = None


def _definition(d: MetricDefinition) -> DefinitionRecord:
    return DefinitionRecord(
        name=d.name, name_zh=d.name_zh, kind=d.kind.value, numerator=d.numerator.value,
        denominator=d.denominator.value if d.denominator else None,
        exclusions=sorted(f.value for f in d.exclusions), measure=d.measure.value if d.measure else None,
        buckets=list(d.buckets),
        rounding={"places": d.rounding.places, "percent": d.rounding.percent, "mode": "half_up"},
        description_zh=d.description_zh, description_en=d.description_en,
        statement_zh=d.statement_zh(), statement_en=d.statement_en(),
    )  # fmt: skip


def _figure(f: Figure) -> FigureRecord:
    buckets = None
    if f.definition.kind is MetricKind.DISTRIBUTION:
        buckets = {b.label: list(b.problems) for b in f.buckets()}
    counts = {"numerator_count": f.numerator_count, "denominator_count": f.denominator_count}
    return FigureRecord(
        metric=f.definition.name, value=f.value, text=f.text(),
        numerator=list(f.numerator), denominator=list(f.denominator), buckets=buckets,
        **(counts if f.summary else {}),
    )  # fmt: skip


def _group(g: GroupFigures) -> GroupRecord:
    return GroupRecord(key=g.key, label=g.label, figures=[_figure(f) for f in g.figures])


def to_record(result: MetricsResult) -> MetricsResultRecord:
    """The result as a pydantic model (for an HTTP response or a file)."""
    return MetricsResultRecord(
        as_of=result.as_of.isoformat(),
        grouping=result.grouping.value if result.grouping else None,
        filters=list(result.filters),
        definitions=[_definition(d) for d in result.definitions],
        total=_group(result.total),
        groups=[_group(g) for g in result.groups],
        **({"then_by": result.then_by.value} if result.then_by else {}),
    )


def to_json(result: MetricsResult, *, indent: int | None = 2) -> str:
    """The result as JSON text (UTF-8, Chinese kept readable), with every definition and problem id."""
    # Unset fields are the summary counts and the second grouping: left out, so the JSON of an
    # ordinary result stays what it always was.
    return to_record(result).model_dump_json(indent=indent, exclude_unset=True)


def render_markdown(result: MetricsResult) -> str:
    """The result as a Markdown report: a section per metric, its definition above its table."""
    lines = [f"# 统计结果（截至 {result.as_of.isoformat()}）", ""]
    lines.append(f"- 统计时点：{result.as_of.isoformat()}（该时点及以前发生的事件，按当时状态计算）")
    if result.grouping_label_zh is not None:
        lines.append(f"- 分组：{result.grouping_label_zh}")
    lines += [f"- 范围：{f}" for f in result.filters]
    rows = [result.total, *result.groups]
    for definition in result.definitions:
        lines += ["", *_section(definition, rows)]
    return "\n".join(lines) + "\n"


def _section(definition: MetricDefinition, rows: list[GroupFigures]) -> list[str]:
    lines = [
        f"## {definition.name_zh}（{definition.name}）",
        "",
        f"> 口径：{definition.statement_zh()}",
        ">",
        f"> Definition: {definition.statement_en()}",
        "",
    ]
    if definition.kind is MetricKind.DISTRIBUTION:
        labels = [b.label for b in rows[0].figure(definition.name).buckets()]
        lines += [f"| 分组 | 合计 | {' | '.join(labels)} |", "| --- | ---: |" + " ---: |" * len(labels)]
        for row in rows:
            figure = row.figure(definition.name)
            counts = " | ".join(str(len(b.problems)) for b in figure.buckets())
            lines.append(f"| {row.label} | {figure.text()} | {counts} |")
        return lines
    lines += ["| 分组 | 数值 | 分子/分母 |", "| --- | ---: | ---: |"]
    for row in rows:
        figure = row.figure(definition.name)
        lines.append(f"| {row.label} | {figure.text()} | {figure.fraction_text() or '—'} |")
    return lines


def render_ranking_markdown(ranking: Ranking) -> str:
    """A ranking as a Markdown table, with the metric's definition and the tie rule stated."""
    d = ranking.definition
    lines = [
        f"### {d.name_zh}排名",
        "",
        f"> 口径：{d.statement_zh()}",
        f"> 排名规则：{ranking.method_zh}",
        "",
        "| 名次 | 分组 | 数值 | 分子/分母 |",
        "| ---: | --- | ---: | ---: |",
    ]
    for row in ranking.rows:
        place = str(row.rank) if row.rank is not None else "—"
        lines.append(f"| {place} | {row.label} | {row.figure.text()} | {row.figure.fraction_text() or '—'} |")
    return "\n".join(lines) + "\n"
