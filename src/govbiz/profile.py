"""County profiles (区县配置): what differs from one county to the next.

A profile holds the problem categories and sources a county uses, its
deadline policy, and (when a county plugin provides them) its name, its
functional departments and the leaders who chair reception days.  The
defaults follow the source article and common practice; a county plugin
contributes its own profile through the `govbiz_county_profile` hook.

A profile is built in layers (`ProfileLayer`): govbiz's defaults, then
what the city gives its counties (the base), then what the county gives
itself, part by part (`ProfilePart`).  `layer_profile` lays the answers
over each other and says where each part came from; two answers for one
part at one layer are a `ProfileConflictError`, never a silent pick.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any

import attrs

from govbiz.domain.session import Chair
from govbiz.domain.tenancy import Department
from govbiz.errors import GovbizError, ValidationError
from govbiz.notify.notifier import NotificationSettings

if TYPE_CHECKING:
    from govbiz.deadlines import DeadlinePolicy
    from govbiz.metrics.score import ScorePolicy

__all__ = [
    "DEFAULT_CATEGORIES",
    "DEFAULT_SOURCES",
    "CountyProfile",
    "LayeredProfile",
    "PartOrigin",
    "ProfileAnswer",
    "ProfileConflictError",
    "ProfileLayer",
    "ProfilePart",
    "ProfileParts",
    "layer_profile",
]

#: Problem categories (问题类别) seen in the article and comparable mechanisms.
DEFAULT_CATEGORIES: tuple[str, ...] = (
    "土地规划",
    "融资",
    "审批",
    "用工",
    "政策兑现",
    "基础设施",
    "市场监管",
    "公益广告",
    "装饰装修",
    "其他",
)

#: How problems reach the ledger (问题来源): the article's collection channels.
DEFAULT_SOURCES: tuple[str, ...] = (
    "调研走访",
    "恳谈会",
    "座谈会",
    "晚餐例会",
    "商协会",
    "企业自报",
    "接待日现场",
)


@attrs.frozen(slots=True)
class CountyProfile:
    """A county's configuration: categories, sources, deadline policy, departments, leaders.

    `deadline_policy` `None` means the default policy
    (`govbiz.deadlines.DeadlinePolicy.default`), built when first used.
    `departments` are the functional departments (职能部门) that take
    assignments and `leaders` the chairs of reception days (接待领导); both
    are empty unless a county plugin provides them (see
    `govbiz.provision.provision_county`).  `notifications` says who is
    told what over which channel (default: the built-in rules, printed on
    the console).  `aliases` maps another name a spreadsheet uses for a
    category or a source (别名: `土地` for `土地规划`) to the county's own; the
    ledger import reads them through `canonical`.  `score_policy` is the
    county's assessment rules (考核办法, `scores()`); `None` means govbiz's.
    """

    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    sources: tuple[str, ...] = DEFAULT_SOURCES
    deadline_policy: DeadlinePolicy | None = None
    name: str = ""
    departments: tuple[Department, ...] = ()
    leaders: tuple[Chair, ...] = ()
    notifications: NotificationSettings = attrs.field(factory=NotificationSettings)
    aliases: Mapping[str, str] = attrs.field(factory=dict)
    score_policy: ScorePolicy | None = None

    def canonical(self, name: str) -> str:
        """The county's own name for a category or source `name` (itself unless it is an alias)."""
        return self.aliases.get(name, name)

    def check_category(self, category: str) -> str:
        """Return `category` if this county uses it, else a ValidationError listing the choices."""
        if category not in self.categories:
            choices = ", ".join(self.categories)
            raise ValidationError("category", category, f"unknown category; choose one of {choices}")
        return category

    def check_source(self, source: str) -> str:
        """Return `source` if this county uses it, else a ValidationError listing the choices."""
        if source not in self.sources:
            choices = ", ".join(self.sources)
            raise ValidationError("source", source, f"unknown source; choose one of {choices}")
        return source

    def policy(self) -> DeadlinePolicy:
        """The deadline policy in force (the default one unless configured)."""
        if self.deadline_policy is not None:
            return self.deadline_policy
        return _default_policy()

    def scores(self) -> ScorePolicy:
        """The assessment rules in force (考核办法, `govbiz.metrics.score.ScorePolicy`); govbiz's if unset."""
        from govbiz.metrics.score import ScorePolicy  # deferred: the profile stays below the metrics

        return self.score_policy if self.score_policy is not None else ScorePolicy()


@functools.cache
def _default_policy() -> DeadlinePolicy:
    """The default policy, built once: it is immutable, and building it (validators included) on
    every command that computes a deadline was a visible part of the command's time."""
    from govbiz.deadlines import DeadlinePolicy  # deferred: loads the calendar data

    return DeadlinePolicy.default()


# --- layers ------------------------------------------------------------------------------


class ProfilePart(StrEnum):
    """A named part of a county profile (区县配置的一项); the value is the `CountyProfile` field."""

    NAME = "name"
    CATEGORIES = "categories"
    SOURCES = "sources"
    DEADLINE_POLICY = "deadline_policy"
    DEPARTMENTS = "departments"
    LEADERS = "leaders"
    NOTIFICATIONS = "notifications"
    ALIASES = "aliases"
    SCORE_POLICY = "score_policy"


class ProfileLayer(IntEnum):
    """Who gives a part of a county's profile, lowest first: a higher layer refines a lower one.

    `DEFAULT` is govbiz's own (`CountyProfile()`); `CITY` what the city (市)
    gives each of its counties, the base; `COUNTY` what the county (区县)
    gives itself; `FILE` what a county configuration file applied to the
    ledger gives (`govbiz county apply`), refining the plugins.
    """

    DEFAULT = 0
    CITY = 1
    COUNTY = 2
    FILE = 3

    @property
    def label(self) -> str:
        """`default`, `city`, `county` or `file`."""
        return self.name.lower()


def _optional_tuple(value: Iterable[Any] | None) -> tuple[Any, ...] | None:
    return None if value is None else tuple(value)


@attrs.frozen(slots=True)
class ProfileParts:
    """Some parts of a county's profile (区县配置的部分内容), laid over the layer below.

    A part left `None` is not given: the layer below keeps it.  A county
    plugin returns this from `govbiz_county_profile` to refine only its
    departments and notifications, say, over the profile its city's plugin
    gives.  A whole `CountyProfile` gives every part (`ProfileParts.of`).
    """

    name: str | None = None
    categories: tuple[str, ...] | None = attrs.field(default=None, converter=_optional_tuple)
    sources: tuple[str, ...] | None = attrs.field(default=None, converter=_optional_tuple)
    deadline_policy: DeadlinePolicy | None = None
    departments: tuple[Department, ...] | None = attrs.field(default=None, converter=_optional_tuple)
    leaders: tuple[Chair, ...] | None = attrs.field(default=None, converter=_optional_tuple)
    notifications: NotificationSettings | None = None
    aliases: Mapping[str, str] | None = None
    score_policy: ScorePolicy | None = None

    @classmethod
    def of(cls, profile: CountyProfile) -> ProfileParts:
        """Every part of `profile`; its deadline policy only if it has one of its own."""
        return cls(**{part.value: getattr(profile, part.value) for part in ProfilePart})

    def given(self) -> tuple[ProfilePart, ...]:
        """The parts this gives, in `ProfilePart` order."""
        return tuple(part for part in ProfilePart if getattr(self, part.value) is not None)

    def over(self, base: CountyProfile) -> CountyProfile:
        """`base` with the parts this gives replaced."""
        return attrs.evolve(base, **{part.value: getattr(self, part.value) for part in self.given()})


def _as_parts(parts: CountyProfile | ProfileParts) -> ProfileParts:
    """What an answer gives: every part of a whole profile, or the parts it names."""
    return ProfileParts.of(parts) if isinstance(parts, CountyProfile) else parts


@attrs.frozen(slots=True)
class ProfileAnswer:
    """One answer for a county's profile: who gives it (`source`), at which layer, which parts.

    `source` is the plugin's name (or, for a profile read from a file, the
    file's path).
    """

    source: str
    layer: ProfileLayer
    parts: ProfileParts = attrs.field(converter=_as_parts)


@attrs.frozen(slots=True)
class PartOrigin:
    """Where one part of a county's profile comes from: its source and layer.

    `over` names the sources of lower layers that give the part too and
    were refined (lowest first); `source` `"govbiz"` at the `DEFAULT`
    layer means nobody gives it.
    """

    part: ProfilePart
    source: str
    layer: ProfileLayer
    over: tuple[str, ...] = ()


@attrs.frozen(slots=True)
class LayeredProfile:
    """A county's profile with the origin of each part (what `govbiz county show` prints).

    `local_days` names the sources of local rest and working days on the
    deadline policy's calendar (`govbiz_local_days`).
    """

    county: str
    profile: CountyProfile
    origins: tuple[PartOrigin, ...]
    local_days: tuple[str, ...] = ()

    def origin(self, part: ProfilePart | str) -> PartOrigin:
        """Where `part` comes from."""
        wanted = ProfilePart(part)
        return next(origin for origin in self.origins if origin.part is wanted)


class ProfileConflictError(GovbizError):
    """Two sources give the same part of one county's profile at the same layer (配置冲突).

    `county` is the division code, `parts` the parts they both give,
    `layer` the layer, and `sources` the plugins (or files) that give them.
    Neither answer is picked: uninstall or disable one, or have one of them
    give other parts.
    """

    def __init__(
        self, county: str, parts: Sequence[ProfilePart], layer: ProfileLayer, sources: Sequence[str]
    ) -> None:
        self.county = county
        self.parts = tuple(parts)
        self.layer = layer
        self.sources = tuple(sources)
        names = " and ".join(repr(source) for source in self.sources)
        what = " and ".join(", ".join(p.value for p in self.parts).rsplit(", ", 1))
        super().__init__(
            f"{names} both give the {what} of county {county} at the {layer.label} layer; "
            f"uninstall or disable one"
        )


_DEFAULT_SOURCE = "govbiz"


def layer_profile(
    county: str, answers: Iterable[ProfileAnswer], base: CountyProfile | None = None
) -> LayeredProfile:
    """Lay `answers` over `base` (the default profile), part by part, the higher layer winning.

    Two answers that give the same part at the same layer raise
    `ProfileConflictError` naming both sources and every part they both
    give, whichever layer would win.
    """
    given = list(answers)
    profile = base or CountyProfile()
    origins: list[PartOrigin] = []
    conflicts: list[tuple[ProfilePart, ProfileLayer, tuple[str, ...]]] = []
    for part in ProfilePart:
        givers = sorted((a for a in given if part in a.parts.given()), key=lambda a: a.layer)
        for layer in sorted({a.layer for a in givers}):
            sources = tuple(a.source for a in givers if a.layer is layer)
            if len(sources) > 1:
                conflicts.append((part, layer, sources))
        if not givers:
            origins.append(PartOrigin(part, _DEFAULT_SOURCE, ProfileLayer.DEFAULT))
            continue
        top = givers[-1]
        profile = attrs.evolve(profile, **{part.value: getattr(top.parts, part.value)})
        origins.append(PartOrigin(part, top.source, top.layer, over=tuple(a.source for a in givers[:-1])))
    if conflicts:
        _part, layer, sources = conflicts[0]
        parts = [part for part, other_layer, other in conflicts if (other_layer, other) == (layer, sources)]
        raise ProfileConflictError(county, parts, layer, sources)
    return LayeredProfile(county=county, profile=profile, origins=tuple(origins))
