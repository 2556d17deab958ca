"""County profiles in layers: the city's plugin gives the base, a county's own plugin refines parts."""

from __future__ import annotations

import types

import attrs
import pluggy
import pytest

import govbiz
from govbiz import plugins
from govbiz.deadlines import DeadlinePolicy
from govbiz.domain import Department
from govbiz.domain.tenancy import city_code
from govbiz.errors import ValidationError
from govbiz.notify.notifier import NotificationSettings
from govbiz.plugins import PluginConflictError, PluginError, register_plugin
from govbiz.profile import (
    CountyProfile,
    ProfileAnswer,
    ProfileConflictError,
    ProfileLayer,
    ProfilePart,
    ProfileParts,
    layer_profile,
)
from tests.plugins.fakes import plugin

CITY, YONGDING, CILI = "430800", "430802", "430821"
CITY_DEPARTMENTS = (Department(code="430800-zgj", name="张家界市自然资源和规划局", county=CITY),)
YONGDING_DEPARTMENTS = (Department(code="430802-zrzy", name="永定区自然资源局", county=YONGDING),)
QUIET = NotificationSettings(enabled=False)


def city_plugin(county: str) -> CountyProfile | None:
    """Like the bundled city plugin: answers for the city and for each of its counties."""
    if county == CITY:
        return CountyProfile(name="张家界市", categories=("土地规划", "旅游"), departments=CITY_DEPARTMENTS)
    if county in (YONGDING, CILI):
        return CountyProfile(name=f"county {county}", categories=("土地规划", "旅游"), sources=("座谈会",))
    return None


def yongding_plugin(county: str) -> ProfileParts | None:
    """A vendor's plugin for 永定区 alone: its departments and notifications."""
    return ProfileParts(departments=YONGDING_DEPARTMENTS, notifications=QUIET) if county == YONGDING else None


def test_the_parts_are_the_profiles_fields() -> None:
    fields = {f.name for f in attrs.fields(CountyProfile)}
    assert {part.value for part in ProfilePart} == fields
    assert {f.name for f in attrs.fields(ProfileParts)} == fields


def test_a_countys_city_is_its_first_four_digits_and_00() -> None:
    assert city_code(YONGDING) == CITY
    assert city_code(CITY) == CITY
    with pytest.raises(ValidationError):
        city_code("4308")


def test_parts_give_only_what_they_name_and_lists_become_tuples() -> None:
    parts = ProfileParts(categories=["融资"], notifications=QUIET)
    assert parts.categories == ("融资",)
    assert parts.given() == (ProfilePart.CATEGORIES, ProfilePart.NOTIFICATIONS)
    laid = parts.over(CountyProfile(name="永定区"))
    assert (laid.name, laid.categories, laid.notifications) == ("永定区", ("融资",), QUIET)
    whole = ProfileParts.of(CountyProfile()).given()
    assert ProfilePart.DEADLINE_POLICY not in whole  # without a policy of its own: the default's
    assert ProfilePart.SCORE_POLICY not in whole  # nor scoring rules: govbiz's defaults
    assert len(whole) == len(ProfilePart) - 2


def test_the_county_layer_refines_the_city_layer_part_by_part() -> None:
    laid = layer_profile(
        YONGDING,
        [
            ProfileAnswer("vendor", ProfileLayer.COUNTY, ProfileParts(departments=YONGDING_DEPARTMENTS)),
            ProfileAnswer("city", ProfileLayer.CITY, CountyProfile(name="永定区", sources=("座谈会",))),
        ],
    )
    assert laid.profile.name == "永定区"
    assert laid.profile.sources == ("座谈会",)
    assert laid.profile.departments == YONGDING_DEPARTMENTS
    departments = laid.origin(ProfilePart.DEPARTMENTS)
    assert (departments.source, departments.layer) == ("vendor", ProfileLayer.COUNTY)
    assert departments.over == ("city",)
    assert laid.origin("name").source == "city"
    assert laid.origin("deadline_policy") == attrs.evolve(
        laid.origin("deadline_policy"), source="govbiz", layer=ProfileLayer.DEFAULT
    )


def test_two_answers_for_one_part_at_one_layer_conflict_naming_both_and_the_parts() -> None:
    answers = [
        ProfileAnswer("vendor_a", ProfileLayer.COUNTY, ProfileParts(departments=(), categories=("融资",))),
        ProfileAnswer("vendor_b", ProfileLayer.COUNTY, ProfileParts(departments=(), categories=("融资",))),
        ProfileAnswer("vendor_c", ProfileLayer.COUNTY, ProfileParts(leaders=())),
    ]
    with pytest.raises(ProfileConflictError) as info:
        layer_profile(YONGDING, answers)
    error = info.value
    assert error.parts == (ProfilePart.CATEGORIES, ProfilePart.DEPARTMENTS)
    assert (error.county, error.layer) == (YONGDING, ProfileLayer.COUNTY)
    assert error.sources == ("vendor_a", "vendor_b")
    assert str(error) == (
        "'vendor_a' and 'vendor_b' both give the categories and departments of county 430802 at the "
        "county layer; uninstall or disable one"
    )


def test_a_conflict_in_the_base_is_an_error_even_when_the_county_refines_that_part() -> None:
    answers = [
        ProfileAnswer("city_a", ProfileLayer.CITY, ProfileParts(name="甲")),
        ProfileAnswer("city_b", ProfileLayer.CITY, ProfileParts(name="乙")),
        ProfileAnswer("county", ProfileLayer.COUNTY, ProfileParts(name="丙")),
    ]
    with pytest.raises(ProfileConflictError, match="'city_a' and 'city_b' both give the name"):
        layer_profile(YONGDING, answers)


def test_the_city_plugin_and_a_county_plugin_merge(pm: pluggy.PluginManager) -> None:
    register_plugin(pm, plugin("city", govbiz_county_profile=city_plugin))
    register_plugin(pm, plugin("yongding", govbiz_county_profile=yongding_plugin))
    profile = plugins.county_profile(YONGDING, pm)
    assert profile.name == "county 430802"  # the city's
    assert profile.categories == ("土地规划", "旅游")  # the city's
    assert profile.departments == YONGDING_DEPARTMENTS  # the county's own
    assert profile.notifications == QUIET  # the county's own
    assert plugins.county_profile(CILI, pm).departments == ()  # the vendor answers for 永定区 only
    assert plugins.county_profile(CITY, pm).departments == CITY_DEPARTMENTS


def test_the_merge_is_explained_part_by_part(pm: pluggy.PluginManager) -> None:
    register_plugin(pm, plugin("city", govbiz_county_profile=city_plugin))
    register_plugin(pm, plugin("yongding", govbiz_county_profile=yongding_plugin))
    laid = plugins.explain_county_profile(YONGDING, pm)
    assert laid.profile == plugins.county_profile(YONGDING, pm)
    origins = {o.part.value: (o.source, o.layer.label, o.over) for o in laid.origins}
    assert origins == {
        "name": ("city", "city", ()),
        "categories": ("city", "city", ()),
        "sources": ("city", "city", ()),
        "deadline_policy": ("govbiz", "default", ()),
        "departments": ("yongding", "county", ("city",)),
        "leaders": ("city", "city", ()),
        "notifications": ("yongding", "county", ("city",)),
        "aliases": ("city", "city", ()),  # a whole profile gives every part
        "score_policy": ("govbiz", "default", ()),  # but rules it leaves out
    }


def test_two_county_plugins_giving_one_part_conflict(pm: pluggy.PluginManager) -> None:
    register_plugin(pm, plugin("city", govbiz_county_profile=city_plugin))
    register_plugin(pm, plugin("yongding", govbiz_county_profile=yongding_plugin))
    register_plugin(pm, plugin("other_vendor", govbiz_county_profile=yongding_plugin))
    with pytest.raises(ProfileConflictError) as info:
        plugins.county_profile(YONGDING, pm)
    assert info.value.sources == ("yongding", "other_vendor")
    assert info.value.parts == (ProfilePart.DEPARTMENTS, ProfilePart.NOTIFICATIONS)
    assert plugins.county_profile(CILI, pm).name == "county 430821"  # other counties are unaffected


def test_county_plugins_giving_different_parts_do_not_conflict(pm: pluggy.PluginManager) -> None:
    register_plugin(pm, plugin("yongding", govbiz_county_profile=yongding_plugin))
    def leaders(county: str) -> ProfileParts | None:
        return ProfileParts(leaders=()) if county == YONGDING else None

    register_plugin(pm, plugin("leaders", govbiz_county_profile=leaders))
    assert plugins.county_profile(YONGDING, pm).departments == YONGDING_DEPARTMENTS


def test_two_plugins_answering_for_a_city_itself_conflict(pm: pluggy.PluginManager) -> None:
    register_plugin(pm, plugin("city", govbiz_county_profile=city_plugin))
    register_plugin(pm, plugin("copy", govbiz_county_profile=city_plugin))
    expected = "'city' and 'copy' both give the name, categories"
    with pytest.raises(ProfileConflictError, match=expected) as info:
        plugins.county_profile(CITY, pm)
    assert info.value.layer is ProfileLayer.CITY


def test_an_answer_that_is_not_a_profile_names_its_plugin(pm: pluggy.PluginManager) -> None:
    register_plugin(pm, plugin("dicty", govbiz_county_profile=lambda county: {"name": "永定区"}))
    with pytest.raises(PluginError, match="returned a dict, not a CountyProfile or ProfileParts") as info:
        plugins.county_profile(YONGDING, pm)
    assert info.value.plugin == "dicty"
    register_plugin(pm, plugin("fine", govbiz_county_profile=yongding_plugin))
    with pytest.raises(PluginError) as info:
        plugins.county_profile(YONGDING, pm)
    assert info.value.plugin == "dicty"


def test_a_wrapper_sees_one_call_when_several_plugins_answer(pm: pluggy.PluginManager) -> None:
    seen: list[str] = []

    @govbiz.hookimpl(wrapper=True)
    def govbiz_county_profile(county: str) -> object:
        seen.append(county)
        return (yield)

    audit = types.ModuleType("audit")
    audit.govbiz_county_profile = govbiz_county_profile  # type: ignore[attr-defined]
    register_plugin(pm, audit, "audit")
    register_plugin(pm, plugin("city", govbiz_county_profile=city_plugin))
    register_plugin(pm, plugin("yongding", govbiz_county_profile=yongding_plugin))
    assert plugins.county_profile(YONGDING, pm).departments == YONGDING_DEPARTMENTS
    assert seen == [YONGDING]


# --- the deadline policy hook, layered the same way ------------------------------------------


def city_policy(county: str, default: DeadlinePolicy) -> DeadlinePolicy | None:
    return attrs.evolve(default, approaching_working_days=3) if county[:4] == "4308" else None


def yongding_policy(county: str, default: DeadlinePolicy) -> DeadlinePolicy | None:
    return attrs.evolve(default, seriously_overdue_working_days=8) if county == YONGDING else None


def test_a_county_policy_is_derived_from_the_citys(pm: pluggy.PluginManager) -> None:
    register_plugin(pm, plugin("yongding_rules", govbiz_deadline_policy=yongding_policy))
    register_plugin(pm, plugin("city_rules", govbiz_deadline_policy=city_policy))
    policy = plugins.county_profile(YONGDING, pm).policy()
    assert (policy.approaching_working_days, policy.seriously_overdue_working_days) == (3, 8)
    other = plugins.county_profile(CILI, pm).policy()
    assert (other.approaching_working_days, other.seriously_overdue_working_days) == (3, 5)
    origin = plugins.explain_county_profile(YONGDING, pm).origin(ProfilePart.DEADLINE_POLICY)
    assert (origin.source, origin.layer) == ("yongding_rules", ProfileLayer.COUNTY)
    assert origin.over == ("city_rules",)


def test_the_profiles_own_policy_is_what_the_overrides_refine(pm: pluggy.PluginManager) -> None:
    strict = DeadlinePolicy.default(calendar=plugins.national_calendar(pm))
    strict = attrs.evolve(strict, seriously_overdue_working_days=3)
    own = plugin("own", govbiz_county_profile=lambda county: ProfileParts(deadline_policy=strict))
    register_plugin(pm, own)
    register_plugin(pm, plugin("city_rules", govbiz_deadline_policy=city_policy))
    policy = plugins.county_profile(YONGDING, pm).policy()
    assert (policy.approaching_working_days, policy.seriously_overdue_working_days) == (3, 3)
    origin = plugins.explain_county_profile(YONGDING, pm).origin(ProfilePart.DEADLINE_POLICY)
    assert (origin.source, origin.layer, origin.over) == ("city_rules", ProfileLayer.CITY, ("own",))


def test_two_county_policies_conflict_naming_the_layer(pm: pluggy.PluginManager) -> None:
    register_plugin(pm, plugin("city_rules", govbiz_deadline_policy=city_policy))
    register_plugin(pm, plugin("yongding_rules", govbiz_deadline_policy=yongding_policy))
    register_plugin(pm, plugin("copycat_rules", govbiz_deadline_policy=yongding_policy))
    expected = "'yongding_rules' and 'copycat_rules' both answer for county 430802 at the county layer"
    with pytest.raises(PluginConflictError, match=expected):
        plugins.county_profile(YONGDING, pm)
