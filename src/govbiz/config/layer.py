"""A county configuration file as a layer of a county's profile (配置文件层).

A file refines what the plugins give: its answer is laid above the county
plugin's (`govbiz.profile.ProfileLayer.FILE`), part by part, and its
`[deadlines]` overrides and `[[local_days]]` go on the deadline policy the
plugins make, last.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from govbiz.calendar import LocalDays
from govbiz.deadlines.config import policy_kwargs
from govbiz.domain.session import Chair
from govbiz.domain.tenancy import Department
from govbiz.profile import ProfileAnswer, ProfileLayer, ProfileParts

if TYPE_CHECKING:
    from govbiz.config.file import CountyFile
    from govbiz.deadlines import DeadlinePolicy
    from govbiz.metrics.score import ScorePolicy

__all__ = ["FileAnswer", "file_answers"]


@attrs.frozen(slots=True)
class FileAnswer:
    """What one configuration file (`source`) gives for one county.

    `parts` are the profile parts it gives (never the deadline policy, which
    it refines instead: `deadlines` are the overrides, `local_days` the
    county's own days, both laid on the policy the plugins make).
    """

    source: str
    county: str
    parts: ProfileParts
    deadlines: Mapping[str, Any] | None = None
    local_days: tuple[LocalDays, ...] = ()

    def answer(self) -> ProfileAnswer:
        """The answer `govbiz.profile.layer_profile` lays, at the `FILE` layer."""
        return ProfileAnswer(self.source, ProfileLayer.FILE, self.parts)

    @property
    def refines_policy(self) -> bool:
        """True when the file changes the deadline policy (overrides or local days)."""
        return bool(self.deadlines) or bool(self.local_days)

    def policy(self, base: DeadlinePolicy) -> DeadlinePolicy:
        """`base` with the file's local days on its calendar, then its overrides."""
        policy = base
        for local in self.local_days:
            calendar = policy.calendar.with_local_days(
                rest=local.rest, working=local.working, name=local.name, source=local.source
            )
            policy = attrs.evolve(policy, calendar=calendar)
        if self.deadlines:
            policy = attrs.evolve(policy, **policy_kwargs(self.deadlines, policy.clocks))
        return policy


def _score_policy(file: CountyFile) -> ScorePolicy | None:
    """The file's `[score]` table over govbiz's defaults (a plugin's score policy is replaced whole)."""
    if file.score is None:
        return None
    from govbiz.metrics.score_config import score_policy_from_dict  # deferred: files stay below the metrics

    return score_policy_from_dict(file.score)


def file_answers(files: Iterable[CountyFile], county: str) -> list[FileAnswer]:
    """What each of `files` gives for `county` (files that do not list it give nothing)."""
    found = []
    for file in files:
        division = file.division(county)
        if division is None:
            continue
        departments = tuple(
            Department(code=d.code, name=d.name, county=county, short_name=d.short_name)
            for d in division.departments
        )
        leaders = tuple(Chair(title=x.title, name=x.name) for x in division.leaders)
        parts = ProfileParts(
            name=division.name,
            categories=file.categories,
            sources=file.sources,
            departments=departments or None,
            leaders=leaders or None,
            notifications=file.notifications,
            aliases=file.aliases,
            score_policy=_score_policy(file),
        )
        local = tuple(
            LocalDays(name=d.name, rest=tuple(d.rest), working=tuple(d.working), source=d.source)
            for d in file.local_days
        )
        found.append(FileAnswer(file.source, county, parts, file.deadlines, local))
    return found
