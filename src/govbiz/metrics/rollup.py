"""Rolling county figures up to their city (区县汇总到市).

A city's figure is computed over its own problems and all its counties'
problems together: the ids are merged, and every rate, mean and median is
computed again from them (never an average of averages).  Grouping by
`Grouping.CITY` does the same in the streaming pass; this function does it
from a result already grouped by county, and both agree.
"""

from __future__ import annotations

from collections.abc import Iterable

from govbiz.domain.tenancy import Division
from govbiz.errors import ValidationError
from govbiz.metrics.figures import GroupFigures, MetricsResult
from govbiz.metrics.grouping import Grouping

__all__ = ["roll_up"]


def roll_up(result: MetricsResult, divisions: Iterable[Division]) -> MetricsResult:
    """The county-grouped `result` regrouped by city, each city including its counties."""
    if result.grouping is not Grouping.COUNTY or result.then_by is not None:
        raise ValidationError("grouping", result.grouping, "roll up a result grouped by county")
    known = {d.code: d for d in divisions}
    cities: dict[str, GroupFigures] = {}
    for row in result.groups:
        county = known.get(row.key or "")
        city = county.parent if county is not None and county.parent else row.key or ""
        label = known[city].name if city in known else city
        merged = cities.get(city)
        figures = (
            row.figures
            if merged is None
            else tuple(a.merge(b) for a, b in zip(merged.figures, row.figures, strict=True))
        )
        cities[city] = GroupFigures(city, label, figures)
    groups = tuple(cities[k] for k in sorted(cities))
    return MetricsResult(
        result.as_of, result.definitions, result.total, Grouping.CITY, groups, result.filters
    )
