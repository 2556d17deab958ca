"""The plugin manager: discovery, validation, error naming and conflicts."""

from __future__ import annotations

import types
from datetime import date, datetime
from zoneinfo import ZoneInfo

import attrs
import pluggy
import pytest

import govbiz
from govbiz import commands as c
from govbiz import plugins
from govbiz.audit import SM3
from govbiz.calendar import LocalDays
from govbiz.clock import ManualClock
from govbiz.deadlines import DeadlinePolicy
from govbiz.domain import Actor, Role
from govbiz.errors import ValidationError
from govbiz.plugins import PluginConflictError, PluginError, make_plugin_manager, register_plugin
from govbiz.profile import CountyProfile
from tests.plugins.fakes import plugin


def test_builtin_plugins_are_ordinary_plugins(pm: pluggy.PluginManager) -> None:
    names = {info.name for info in plugins.describe_plugins(pm)}
    assert set(plugins.DEFAULT_PLUGINS) <= names
    memory = next(i for i in plugins.describe_plugins(pm) if i.name == "govbiz.builtin.memory")
    assert memory.hooks == ("govbiz_storage",)
    assert memory.source == "built-in"


def test_a_misspelled_hook_fails_loudly_with_its_name(pm: pluggy.PluginManager) -> None:
    def govbiz_storag(url: str) -> None:
        return None

    with pytest.raises(PluginError, match="govbiz_storag") as info:
        register_plugin(pm, plugin("typo_plugin", govbiz_storag=govbiz_storag))
    assert info.value.plugin == "typo_plugin"
    assert info.value.hook == "validate"


def test_a_wrong_signature_fails_validation(pm: pluggy.PluginManager) -> None:
    def govbiz_storage(url: str, password: str) -> None:
        return None

    with pytest.raises(PluginError, match="password"):
        register_plugin(pm, plugin("bad_args", govbiz_storage=govbiz_storage))


def test_an_exception_inside_a_plugin_names_the_plugin(pm: pluggy.PluginManager) -> None:
    def govbiz_storage(url: str) -> None:
        raise RuntimeError("database on fire")

    register_plugin(pm, plugin("flaky_store", govbiz_storage=govbiz_storage))
    with pytest.raises(PluginError, match="database on fire") as info:
        plugins.storage_for("memory://", pm)
    assert (info.value.plugin, info.value.hook) == ("flaky_store", "govbiz_storage")


def test_an_unknown_url_scheme_names_the_scheme(pm: pluggy.PluginManager) -> None:
    with pytest.raises(ValidationError, match="'mongodb'") as info:
        plugins.storage_for("mongodb://localhost/ledger", pm)
    assert info.value.field == "url"


def test_two_plugins_claiming_one_countys_policy_is_an_error(pm: pluggy.PluginManager) -> None:
    def govbiz_deadline_policy(county: str, default: DeadlinePolicy) -> DeadlinePolicy | None:
        return attrs.evolve(default, approaching_working_days=3) if county == "430800" else None

    register_plugin(pm, plugin("zhangjiajie_rules", govbiz_deadline_policy=govbiz_deadline_policy))
    profile = plugins.county_profile("430800", pm)
    assert profile is not None
    assert profile.policy().approaching_working_days == 3
    assert plugins.county_profile("430100", pm).policy().approaching_working_days == 2  # type: ignore[union-attr]
    register_plugin(pm, plugin("copycat_rules", govbiz_deadline_policy=govbiz_deadline_policy))
    with pytest.raises(
        PluginConflictError,
        match=r"'(zhangjiajie|copycat)_rules' and '(zhangjiajie|copycat)_rules' both answer for county",
    ):
        plugins.county_profile("430800", pm)


def test_local_rest_days_compose_with_the_national_calendar(pm: pluggy.PluginManager) -> None:
    # 桑植县 (a Tujia-Bai area) rests on a local festival day; others do not.
    festival = date(2025, 4, 9)

    def govbiz_local_days(county: str) -> list[LocalDays]:
        if county != "430822":
            return []
        return [LocalDays(name="白族三月街（示例）", rest=(festival,), working=())]

    register_plugin(pm, plugin("sangzhi_days", govbiz_local_days=govbiz_local_days))
    local = plugins.county_profile("430822", pm).policy()  # type: ignore[union-attr]
    national = plugins.county_profile("430800", pm).policy()  # type: ignore[union-attr]
    assert not local.calendar.is_working_day(festival)
    assert national.calendar.is_working_day(festival)
    start = datetime(2025, 3, 31, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert national.deadline("progress", start).last_day == date(2025, 4, 10)
    assert local.deadline("progress", start).last_day == date(2025, 4, 11)


def test_open_wires_plugins_into_the_ledger(pm: pluggy.PluginManager) -> None:
    seen: list[str] = []

    def govbiz_events_committed(events: list[object]) -> None:
        seen.extend(e.kind for e in events)  # type: ignore[attr-defined]

    def govbiz_county_profile(county: str) -> CountyProfile | None:
        return (
            CountyProfile(categories=("土地规划", "旅游"), sources=("座谈会",))
            if county == "430800"
            else None
        )

    register_plugin(pm, plugin("observer", govbiz_events_committed=govbiz_events_committed))
    register_plugin(pm, plugin("profile", govbiz_county_profile=govbiz_county_profile))
    clock = ManualClock(datetime(2025, 3, 31, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    ledger = govbiz.open("memory://", clock=clock, plugin_manager=pm)
    admin = Actor(id="admin", role=Role.ADMINISTRATOR, county="430800")
    ledger.handle(admin, c.RegisterDivision(code="430800", name="张家界市", level="city"))
    enterprise = ledger.handle(
        admin, c.RegisterEnterprise(county="430800", name="某旅游公司", credit_code="91350100M000100Y43")
    )
    collector = Actor(id="tzb", role=Role.COLLECTOR, county="430800")
    with pytest.raises(ValidationError, match="choose one of 土地规划, 旅游"):
        ledger.handle(
            collector,
            c.CollectProblem(enterprise_id=enterprise.id, title="t", category="融资", source="座谈会"),
        )
    ledger.handle(
        collector,
        c.CollectProblem(enterprise_id=enterprise.id, title="景区用地", category="旅游", source="座谈会"),
    )
    assert seen == ["division_registered", "enterprise_registered", "collect"]


def test_a_failing_observer_is_logged_not_raised(
    pm: pluggy.PluginManager, caplog: pytest.LogCaptureFixture
) -> None:
    def govbiz_events_committed(events: list[object]) -> None:
        raise RuntimeError("webhook down")

    register_plugin(pm, plugin("noisy", govbiz_events_committed=govbiz_events_committed))
    ledger = govbiz.open("memory://", plugin_manager=pm)
    admin = Actor(id="admin", role=Role.ADMINISTRATOR, county="430800")
    division = ledger.handle(admin, c.RegisterDivision(code="430800", name="张家界市", level="city"))
    assert division.code == "430800"
    assert "plugin 'noisy' failed in govbiz_events_committed: RuntimeError: webhook down" in caplog.text


def test_unknown_hash_algorithm_is_refused(pm: pluggy.PluginManager) -> None:
    with pytest.raises(ValidationError, match="registered: sha256"):
        govbiz.open("memory://", hash_algorithm="whirlpool", plugin_manager=pm)


def test_allow_list_restricts_installed_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(plugins.LOAD_PLUGINS_ENV, "")
    pm = make_plugin_manager()
    assert {info.name for info in plugins.describe_plugins(pm)} == set(plugins.DEFAULT_PLUGINS)


def test_importing_govbiz_loads_no_plugin_and_opens_nothing() -> None:
    import subprocess
    import sys

    code = (
        "import sys, govbiz, govbiz.cli; "
        "from govbiz import plugins; "
        "assert plugins._process.manager is None; "
        "assert 'govbiz.builtin.memory' not in sys.modules; "
        "assert 'govbiz.ledger' not in sys.modules; "  # loaded at first use of govbiz.Ledger or open()
        "assert govbiz.Ledger.__module__ == 'govbiz.ledger'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_a_plugin_that_fails_to_import_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    broken = importlib.metadata.EntryPoint(
        name="broken_sms", value="govbiz_sms_that_is_not_there", group="govbiz"
    )
    monkeypatch.setattr(
        importlib.metadata, "entry_points", lambda group: [broken] if group == "govbiz" else []
    )
    monkeypatch.delenv(plugins.LOAD_PLUGINS_ENV, raising=False)
    with pytest.raises(PluginError, match="ModuleNotFoundError") as info:
        make_plugin_manager()
    assert (info.value.plugin, info.value.hook) == ("broken_sms", "import")
    # Disabling it keeps it out, so the rest of the deployment still starts.
    monkeypatch.setenv(plugins.DISABLE_PLUGINS_ENV, "broken_sms")
    assert {i.name for i in plugins.describe_plugins(make_plugin_manager())} == set(plugins.DEFAULT_PLUGINS)


def test_installed_plugins_show_their_distribution_and_version() -> None:
    infos = {i.name: i for i in plugins.describe_plugins(make_plugin_manager(allow=["zhangjiajie"]))}
    assert infos["zhangjiajie"].source == "govbiz-zhangjiajie"
    assert infos["zhangjiajie"].version == "0.1.0"


def test_a_misspelt_plugin_name_is_refused_naming_the_installed_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(plugins.LOAD_PLUGINS_ENV, "zhangjiajie,zhangjaijie")
    with pytest.raises(ValidationError) as caught:
        make_plugin_manager()
    assert caught.value.field == plugins.LOAD_PLUGINS_ENV
    assert caught.value.value == "zhangjaijie"
    assert "installed: " in str(caught.value) and "zhangjiajie" in str(caught.value)
    monkeypatch.delenv(plugins.LOAD_PLUGINS_ENV)
    monkeypatch.setenv(plugins.DISABLE_PLUGINS_ENV, "xslx")
    with pytest.raises(ValidationError) as caught:
        make_plugin_manager()
    assert (caught.value.field, caught.value.value) == (plugins.DISABLE_PLUGINS_ENV, "xslx")


def test_one_plugin_can_be_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(plugins.LOAD_PLUGINS_ENV, raising=False)
    monkeypatch.setenv(plugins.DISABLE_PLUGINS_ENV, "zhangjiajie")
    names = {i.name for i in plugins.describe_plugins(make_plugin_manager())}
    assert "zhangjiajie" not in names
    assert "xlsx" in names  # the others still load
    by_argument = make_plugin_manager(disable=["zhangjiajie"])
    assert "zhangjiajie" not in {i.name for i in plugins.describe_plugins(by_argument)}


def test_a_hook_function_without_hookimpl_is_ignored_with_a_warning(pm: pluggy.PluginManager) -> None:
    module = types.ModuleType("forgetful")

    def govbiz_county_profile(county: str) -> CountyProfile:
        return CountyProfile(name="never used")

    module.govbiz_county_profile = govbiz_county_profile  # type: ignore[attr-defined]
    warning = "'forgetful': govbiz_county_profile has no @govbiz.hookimpl"
    with pytest.warns(plugins.PluginWarning, match=warning):
        register_plugin(pm, module, "forgetful")
    assert plugins.county_profile("430800", pm).name == ""


def test_the_historic_hash_hook_is_called_once_per_manager(pm: pluggy.PluginManager) -> None:
    calls: list[str] = []

    def govbiz_hash_algorithms() -> list[object]:
        calls.append("called")
        return []

    for _ in range(3):
        govbiz.open("memory://", plugin_manager=pm)
    register_plugin(pm, plugin("late_sm3", govbiz_hash_algorithms=govbiz_hash_algorithms), "late_sm3")
    for _ in range(3):
        govbiz.open("memory://", plugin_manager=pm)
    assert calls == ["called"]  # replayed once for the late plugin, not once per earlier open
    assert set(plugins.hashers(pm)) == ({"sha256"} if SM3 is None else {"sha256", "sm3"})


def test_wrappers_run_on_the_hooks_only_one_plugin_may_answer(pm: pluggy.PluginManager) -> None:
    seen: list[str] = []

    @govbiz.hookimpl(wrapper=True)
    def govbiz_county_profile(county: str) -> object:
        seen.append(county)
        return (yield)

    @govbiz.hookimpl(wrapper=True)
    def govbiz_deadline_policy(county: str, default: DeadlinePolicy) -> object:
        answer = yield
        seen.append(f"policy {county}")
        return answer

    audit = types.ModuleType("audit")
    audit.govbiz_county_profile = govbiz_county_profile  # type: ignore[attr-defined]
    audit.govbiz_deadline_policy = govbiz_deadline_policy  # type: ignore[attr-defined]
    register_plugin(pm, audit, "audit")
    register_plugin(pm, plugin("county", govbiz_county_profile=lambda county: CountyProfile(name="永定区")))
    assert plugins.county_profile("430802", pm).name == "永定区"
    assert seen == ["430802", "policy 430802"]
