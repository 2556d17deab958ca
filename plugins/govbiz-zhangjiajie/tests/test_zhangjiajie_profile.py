"""The Zhangjiajie profile, loaded the way a deployment loads it: as an installed plugin."""

from __future__ import annotations

import attrs
import pluggy
import pytest

from govbiz import commands as c
from govbiz.domain import Actor, Department, Role
from govbiz.errors import NotFoundError, PermissionDeniedError, ValidationError
from govbiz.ledger import Ledger
from govbiz.plugins import county_profile, describe_plugins
from govbiz.ports.storage import RecordKind
from govbiz.provision import provision_county


def test_the_plugin_is_found_through_its_entry_point(govbiz_plugin_manager: pluggy.PluginManager) -> None:
    [info] = [i for i in describe_plugins(govbiz_plugin_manager) if i.name == "zhangjiajie"]
    assert info.source == "govbiz-zhangjiajie"
    assert info.hooks == ("govbiz_county_profile",)


def test_the_city_profile_has_the_articles_departments_and_leaders(
    govbiz_plugin_manager: pluggy.PluginManager,
) -> None:
    profile = county_profile("430800", govbiz_plugin_manager)
    short_names = {d.short_name for d in profile.departments}
    assert {"市自规局", "市住建局", "市委宣传部"} <= short_names
    assert profile.leaders[0].title == "市委书记"
    assert profile.leaders[0].name == "刘革安"
    assert "土地规划" in profile.categories
    assert county_profile("430100", govbiz_plugin_manager).name == ""  # not ours: the default


def test_provisioning_registers_the_city_and_its_departments_once(govbiz_ledger: Ledger) -> None:
    admin = Actor(id="admin", role=Role.ADMINISTRATOR, county="430800")
    first = provision_county(govbiz_ledger, admin, "430800")
    assert first.divisions == ("430800",)
    assert "430800-zgj" in first.departments
    again = provision_county(govbiz_ledger, admin, "430800")
    assert again.divisions == ()
    assert again.departments == ()
    county_admin = Actor(id="yd", role=Role.ADMINISTRATOR, county="430802")
    yongding = provision_county(govbiz_ledger, county_admin, "430802", parent="430800")
    assert yongding.departments == ("430802-zrzy", "430802-zjj", "430802-fgj", "430802-spj")


def test_the_profiles_categories_are_enforced(govbiz_ledger: Ledger) -> None:
    admin = Actor(id="admin", role=Role.ADMINISTRATOR, county="430800")
    provision_county(govbiz_ledger, admin, "430800")
    enterprise = govbiz_ledger.handle(
        admin, c.RegisterEnterprise(county="430800", name="张家界某公司", credit_code="91350100M000100Y43")
    )
    collector = Actor(id="tzb", role=Role.COLLECTOR, county="430800")
    problem = govbiz_ledger.handle(
        collector,
        c.CollectProblem(
            enterprise_id=enterprise.id, title="营商环境投诉", category="营商环境", source="座谈会"
        ),
    )
    assert problem.category == "营商环境"
    with pytest.raises(ValidationError) as info:
        govbiz_ledger.handle(
            collector,
            c.CollectProblem(enterprise_id=enterprise.id, title="x", category="天气", source="座谈会"),
        )
    assert info.value.field == "category"


def _registered(ledger: Ledger, actor: Actor, kind: RecordKind, key: str) -> bool:
    try:
        ledger.record(actor, kind, key)
    except NotFoundError:
        return False
    return True


def test_the_citys_administrator_sets_a_county_up_and_another_citys_cannot(govbiz_ledger: Ledger) -> None:
    city_admin = Actor(id="admin", role=Role.ADMINISTRATOR, county="430800")
    provision_county(govbiz_ledger, city_admin, "430800")
    stranger = Actor(id="cs-admin", role=Role.ADMINISTRATOR, county="430100")  # 长沙市
    with pytest.raises(PermissionDeniedError):
        provision_county(govbiz_ledger, stranger, "430802", parent="430800")
    assert not _registered(govbiz_ledger, city_admin, RecordKind.DIVISION, "430802")
    yongding = provision_county(govbiz_ledger, city_admin, "430802", parent="430800")  # as the docstring says
    assert yongding.divisions == ("430802",)
    assert yongding.departments == ("430802-zrzy", "430802-zjj", "430802-fgj", "430802-spj")
    assert _registered(govbiz_ledger, city_admin, RecordKind.DEPARTMENT, "430802-spj")


def test_a_department_of_another_citys_county_is_refused_to_a_city_admin(govbiz_ledger: Ledger) -> None:
    def department(code: str) -> c.RegisterDepartment:
        return c.RegisterDepartment(code=code, name="某局", county="430802")

    city_admin = Actor(id="admin", role=Role.ADMINISTRATOR, county="430800")
    provision_county(govbiz_ledger, city_admin, "430800")
    provision_county(govbiz_ledger, city_admin, "430802", parent="430800")
    other_city = Actor(id="yy-admin", role=Role.ADMINISTRATOR, county="430600")  # 岳阳市
    with pytest.raises(PermissionDeniedError):
        govbiz_ledger.handle(other_city, department("430802-x"))
    county_admin = Actor(id="cl-admin", role=Role.ADMINISTRATOR, county="430821")  # a sister county
    with pytest.raises(PermissionDeniedError):
        govbiz_ledger.handle(county_admin, department("430802-y"))
    made = govbiz_ledger.handle(city_admin, department("430802-z"))
    assert made.county == "430802"


def test_provisioning_is_all_or_nothing(govbiz_ledger: Ledger) -> None:
    city, yongding = govbiz_ledger.profile("430800"), govbiz_ledger.profile("430802")
    foreign = Department(code="430821-zrzy", name="慈利县自然资源局", county="430821", short_name="慈利局")
    ledger = Ledger(profiles={  # Yongding's profile, wrongly listing a department of 慈利县 last
        "430800": city, "430802": attrs.evolve(yongding, departments=(*yongding.departments, foreign)),
    })  # fmt: skip
    city_admin = Actor(id="admin", role=Role.ADMINISTRATOR, county="430800")
    provision_county(ledger, city_admin, "430800")
    county_admin = Actor(id="yd", role=Role.ADMINISTRATOR, county="430802")
    with pytest.raises(PermissionDeniedError):  # the county's admin may not register another county's
        provision_county(ledger, county_admin, "430802", parent="430800")
    assert not _registered(ledger, city_admin, RecordKind.DIVISION, "430802")  # not half a county
    assert not _registered(ledger, city_admin, RecordKind.DEPARTMENT, "430802-zrzy")
