"""County profiles (区县配置): what differs from one county to the next.

A profile holds the problem categories and sources a county uses, its
deadline policy, and (when a county plugin provides them) its name, its
functional departments and the leaders who chair reception days.  The
defaults follow the source article and common practice; a county plugin
contributes its own profile through the `govbiz_county_profile` hook.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import attrs

from govbiz.domain.session import Chair
from govbiz.domain.tenancy import Department
from govbiz.errors import ValidationError
from govbiz.notify.notifier import NotificationSettings

if TYPE_CHECKING:
    from govbiz.deadlines import DeadlinePolicy

__all__ = ["DEFAULT_CATEGORIES", "DEFAULT_SOURCES", "CountyProfile"]

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
    the console).
    """

    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    sources: tuple[str, ...] = DEFAULT_SOURCES
    deadline_policy: DeadlinePolicy | None = None
    name: str = ""
    departments: tuple[Department, ...] = ()
    leaders: tuple[Chair, ...] = ()
    notifications: NotificationSettings = attrs.field(factory=NotificationSettings)

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


@functools.cache
def _default_policy() -> DeadlinePolicy:
    """The default policy, built once: it is immutable, and building it (validators included) on
    every command that computes a deadline was a visible part of the command's time."""
    from govbiz.deadlines import DeadlinePolicy  # deferred: loads the calendar data

    return DeadlinePolicy.default()
