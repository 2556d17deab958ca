"""Rankings (排名) of departments, counties or any groups by one metric.

Ties are handled the way sports tables do (standard competition ranking):
equal values share a rank and the next rank skips, "1, 2, 2, 4".  Values are
compared as printed (rounded by the metric's rule), so two departments that a
reader sees at 80.0% are never ranked apart.  Groups without a value (nothing
in the denominator) get no rank and are listed last.  Every `Ranking`
carries that rule in words (`method_zh`, `method_en`) for the report.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from govbiz.metrics.definitions import MetricDefinition
from govbiz.metrics.figures import Figure, MetricsResult

__all__ = ["METHOD_EN", "METHOD_ZH", "RankRow", "Ranking", "rank"]

METHOD_ZH = (
    "按口径舍入后的数值排名；数值相同者名次并列，其后名次顺延（如1、2、2、4）；"
    "无数据（分母为0）者不排名，列于末尾。"
)
METHOD_EN = (
    "ranked on the value as printed (after rounding); equal values share a rank and the next "
    "rank is skipped (1, 2, 2, 4); groups with no value (empty denominator) are unranked and listed last"
)


@attrs.frozen(slots=True)
class RankRow:
    """One group in a ranking: its rank (`None` if unranked), key, label and figure."""

    rank: int | None
    key: str
    label: str
    figure: Figure


@attrs.frozen(slots=True)
class Ranking:
    """Groups ordered by one metric, best first (higher or lower is better per the definition)."""

    definition: MetricDefinition
    rows: tuple[RankRow, ...]
    method_zh: str = METHOD_ZH
    method_en: str = METHOD_EN

    def rank_of(self, key: str) -> int | None:
        """The rank of group `key` (`None` when unranked)."""
        return next(row.rank for row in self.rows if row.key == key)

    def ties(self) -> dict[int, tuple[str, ...]]:
        """Ranks shared by more than one group, with their keys (并列)."""
        shared: dict[int, list[str]] = {}
        for row in self.rows:
            if row.rank is not None:
                shared.setdefault(row.rank, []).append(row.key)
        return {r: tuple(keys) for r, keys in shared.items() if len(keys) > 1}


def rank(result: MetricsResult, metric: str) -> Ranking:
    """Rank the groups of a grouped `result` by `metric` (ties share a rank: 1, 2, 2, 4)."""
    rows = [(g.key or "", g.label, g.figure(metric)) for g in result.groups]
    definition = result.total.figure(metric).definition
    valued = [(k, lbl, f, v) for k, lbl, f in rows if (v := f.value) is not None]
    empty = [(k, lbl, f) for k, lbl, f in rows if f.value is None]
    sign = Decimal(-1) if definition.higher_is_better else Decimal(1)
    valued.sort(key=lambda row: (sign * row[3], row[0]))
    ranked: list[RankRow] = []
    for position, (key, label, figure, value) in enumerate(valued, start=1):
        previous = ranked[-1] if ranked else None
        same = previous is not None and previous.figure.value == value
        ranked.append(RankRow(previous.rank if same and previous else position, key, label, figure))
    ranked += [RankRow(None, key, label, figure) for key, label, figure in sorted(empty, key=lambda r: r[0])]
    return Ranking(definition, tuple(ranked))
