"""The registry of named metrics (指标库): standard definitions plus a county's own.

A registry is an immutable value: `with_metric` returns a new one, so
registering a county's variant never changes what another caller sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

from govbiz.errors import ValidationError
from govbiz.metrics.definitions import MetricDefinition
from govbiz.metrics.standard import STANDARD_METRICS

__all__ = ["MetricRegistry", "standard_registry"]


def _definitions(values: Iterable[MetricDefinition]) -> tuple[MetricDefinition, ...]:
    return tuple(values)


def _unique(_: object, __: object, definitions: tuple[MetricDefinition, ...]) -> None:
    names = [d.name for d in definitions]
    for name in names:
        if names.count(name) > 1:
            raise ValidationError("name", name, "two metrics have this code name")


@attrs.frozen(slots=True)
class MetricRegistry:
    """Named metric definitions (指标库), in the order reports print them."""

    definitions: tuple[MetricDefinition, ...] = attrs.field(converter=_definitions, validator=_unique)

    def __iter__(self) -> Iterator[MetricDefinition]:
        return iter(self.definitions)

    def __len__(self) -> int:
        return len(self.definitions)

    def __contains__(self, name: object) -> bool:
        return any(d.name == name for d in self.definitions)

    def names(self) -> tuple[str, ...]:
        """The code names, in order."""
        return tuple(d.name for d in self.definitions)

    def get(self, name: str) -> MetricDefinition:
        """The definition named `name`; a `ValidationError` listing the names if unknown."""
        for definition in self.definitions:
            if definition.name == name:
                return definition
        raise ValidationError("metric", name, f"unknown metric; choose one of {', '.join(self.names())}")

    def select(self, metrics: Iterable[str | MetricDefinition] | None) -> tuple[MetricDefinition, ...]:
        """Definitions for names (or definitions as they are); all of them for `None`."""
        if metrics is None:
            return self.definitions
        chosen = tuple(m if isinstance(m, MetricDefinition) else self.get(m) for m in metrics)
        if not chosen:
            raise ValidationError("metrics", [], "name at least one metric")
        return chosen

    def with_metric(self, definition: MetricDefinition, *, replace: bool = False) -> MetricRegistry:
        """A registry with `definition` added (a county's own variant, 自定义口径).

        A name already taken is refused unless `replace` is true, so a
        variant cannot silently change what a standard name means.
        """
        if definition.name in self and not replace:
            raise ValidationError(
                "name",
                definition.name,
                "already registered; pick a new name for a variant or pass replace=True",
            )
        kept = tuple(d for d in self.definitions if d.name != definition.name)
        return MetricRegistry((*kept, definition))


def standard_registry() -> MetricRegistry:
    """The standard metrics (`govbiz.metrics.standard.STANDARD_METRICS`)."""
    return MetricRegistry(STANDARD_METRICS)
