"""A vendor's county plugin refines what the bundled city plugin gives one of its counties."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pluggy
import pytest
from click.testing import CliRunner

from govbiz import hookimpl
from govbiz import plugins as govbiz_plugins
from govbiz.cli import main
from govbiz.domain import Department
from govbiz.notify.notifier import NotificationSettings
from govbiz.plugins import county_profile, explain_county_profile
from govbiz.profile import ProfileConflictError, ProfileLayer, ProfilePart, ProfileParts

YONGDING = "430802"
OWN_DEPARTMENTS = (
    Department(code="430802-zrzy", name="永定区自然资源局", short_name="区自然资源局", county=YONGDING),
    Department(code="430802-lyj", name="永定区旅游局", short_name="区旅游局", county=YONGDING),
)
QUIET = NotificationSettings(enabled=False)


class YongdingVendor:
    """What a vendor ships for 永定区 alone: its own departments and notification settings."""

    @hookimpl
    def govbiz_county_profile(self, county: str) -> ProfileParts | None:
        if county != YONGDING:
            return None
        return ProfileParts(departments=OWN_DEPARTMENTS, notifications=QUIET)


def test_the_vendor_refines_departments_and_notifications_over_the_city_plugin(
    govbiz_plugin_manager: pluggy.PluginManager, register_plugin: Callable[..., str]
) -> None:
    city_only = county_profile(YONGDING, govbiz_plugin_manager)
    register_plugin(YongdingVendor(), name="yongding-vendor")
    merged = county_profile(YONGDING, govbiz_plugin_manager)
    assert merged.departments == OWN_DEPARTMENTS
    assert merged.notifications == QUIET
    # Everything else is still the city plugin's.
    assert (merged.name, merged.categories, merged.leaders) == (
        city_only.name, city_only.categories, city_only.leaders
    )
    assert "营商环境" in merged.categories
    # Other counties of the city are untouched.
    assert county_profile("430821", govbiz_plugin_manager).departments[0].code == "430821-zrzy"


def test_which_plugin_gave_which_part(
    govbiz_plugin_manager: pluggy.PluginManager, register_plugin: Callable[..., str]
) -> None:
    register_plugin(YongdingVendor(), name="yongding-vendor")
    laid = explain_county_profile(YONGDING, govbiz_plugin_manager)
    given = {o.part: (o.source, o.layer, o.over) for o in laid.origins}
    assert given[ProfilePart.DEPARTMENTS] == ("yongding-vendor", ProfileLayer.COUNTY, ("zhangjiajie",))
    assert given[ProfilePart.NOTIFICATIONS] == ("yongding-vendor", ProfileLayer.COUNTY, ("zhangjiajie",))
    assert given[ProfilePart.CATEGORIES] == ("zhangjiajie", ProfileLayer.CITY, ())


def test_two_vendors_for_the_same_part_conflict(
    govbiz_plugin_manager: pluggy.PluginManager, register_plugin: Callable[..., str]
) -> None:
    register_plugin(YongdingVendor(), name="yongding-vendor")
    register_plugin(YongdingVendor(), name="second-vendor")
    with pytest.raises(ProfileConflictError) as info:
        county_profile(YONGDING, govbiz_plugin_manager)
    assert info.value.sources == ("yongding-vendor", "second-vendor")
    assert "both give the departments and notifications of county 430802" in str(info.value)


@pytest.fixture
def process_vendor() -> Iterator[None]:
    """The vendor plugin on the process's plugin manager, which the `govbiz` command uses."""
    govbiz_plugins.reset_plugin_manager()
    govbiz_plugins.register_plugin(govbiz_plugins.plugin_manager(), YongdingVendor(), "yongding-vendor")
    yield
    govbiz_plugins.reset_plugin_manager()


@pytest.mark.usefixtures("process_vendor")
def test_county_show_says_where_each_part_comes_from() -> None:
    result = CliRunner().invoke(main, ["county", "show", "--county", YONGDING, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [d["code"] for d in data["departments"]] == ["430802-zrzy", "430802-lyj"]
    vendors = {"source": "yongding-vendor", "layer": "county", "over": ["zhangjiajie"]}
    assert data["parts"]["departments"] == vendors
    assert data["parts"]["leaders"] == {"source": "zhangjiajie", "layer": "city", "over": []}
    text = CliRunner().invoke(main, ["county", "show", "--county", YONGDING])
    assert text.exit_code == 0, text.output
    assert "yongding-vendor" in text.output
