"""County configuration files: validated with file/line/key, applied atomically and idempotently,
kept in the ledger and laid above the plugins in every `govbiz.open()` ledger."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import govbiz
from govbiz.cli import main
from govbiz.config import ConfigFileError, parse_county_file, read_county_file
from govbiz.config.apply import apply_county_file, plan_county_file
from govbiz.config.check import check_county_file
from govbiz.config.file import line_of
from govbiz.domain import Actor, Role
from govbiz.errors import ValidationError
from govbiz.ports.storage import RecordKind
from govbiz.profile import ProfileLayer

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "county" / "yongding.toml"

SMALL = """\
categories = ["土地规划", "其他"]

[[divisions]]
code = "430800"
name = "张家界市"

[[divisions]]
code = "430802"
name = "永定区"
parent = "430800"
leaders = [{ title = "区委书记", name = "某某" }]

[[divisions.departments]]
code = "430802-zrzy"
name = "永定区自然资源局"
short_name = "区自然资源局"
contacts = { email = ["zrzy@example.gov.cn"] }

[deadlines]
approaching_working_days = 4

[[local_days]]
name = "某民族传统节日"
rest = [2025-05-08]
"""


def _write(tmp_path: Path, text: str, name: str = "county.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


def _stored(ledger: govbiz.Ledger) -> dict[str, int]:
    with ledger.store.unit_of_work() as uow:
        return {kind.value: len(uow.list_records(kind)) for kind in RecordKind}


# --- applying ----------------------------------------------------------------------------


def test_applying_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    file = parse_county_file(SMALL, "yongding.toml")
    with govbiz.open(_url(tmp_path)) as ledger:
        first = apply_county_file(ledger, file)
        assert [d.code for d in first.divisions] == ["430800", "430802"]
        assert [d.code for _, d in first.departments] == ["430802-zrzy"]
        assert first.keep
        after_first = _stored(ledger)
        second = apply_county_file(ledger, file)
        assert not second.changes
        assert second.lines() == ["nothing to change: the ledger already has this file"]
        assert _stored(ledger) == after_first
    assert after_first["division"] == 2 and after_first["department"] == 1
    assert after_first["county_config"] == 1


def test_a_changed_file_is_kept_again_and_wins(tmp_path: Path) -> None:
    with govbiz.open(_url(tmp_path)) as ledger:
        apply_county_file(ledger, parse_county_file(SMALL, "v1.toml"))
        five = SMALL.replace("approaching_working_days = 4", "approaching_working_days = 5")
        changed = parse_county_file(five)
        plan = apply_county_file(ledger, changed)
        assert plan.keep and not plan.divisions and not plan.departments
        assert ledger.profile("430802").policy().approaching_working_days == 5
        assert _stored(ledger)["county_config"] == 2


def test_the_files_profile_is_in_force_in_a_new_open_ledger(tmp_path: Path) -> None:
    with govbiz.open(_url(tmp_path)) as ledger:
        apply_county_file(ledger, parse_county_file(SMALL, "yongding.toml"))
    with govbiz.open(_url(tmp_path)) as ledger:
        profile = ledger.profile("430802")
        assert profile.name == "永定区"
        assert profile.categories == ("土地规划", "其他")
        assert [d.code for d in profile.departments] == ["430802-zrzy"]
        assert [leader.title for leader in profile.leaders] == ["区委书记"]
        book = profile.notifications.address_book
        assert book.addresses("430802-zrzy", "email") == ("zrzy@example.gov.cn",)
        assert ledger.policy("430802").approaching_working_days == 4
        assert not ledger.policy("430802").calendar.is_working_day(date(2025, 5, 8))  # the local rest day
        # A category the file leaves out is refused now.
        with pytest.raises(ValidationError):
            profile.check_category("融资")


def test_a_failing_command_stores_nothing(tmp_path: Path) -> None:
    # 430802 is registered as a county: a county under it is refused by the ledger itself,
    # after the city and the first county were staged in the same unit.
    text = SMALL + '\n[[divisions]]\ncode = "430811"\nname = "某区"\nparent = "430802"\n'
    with govbiz.open(_url(tmp_path)) as ledger:
        before = _stored(ledger)
        with pytest.raises(ValidationError):
            apply_county_file(ledger, parse_county_file(text))
        assert _stored(ledger) == before


def test_a_county_whose_city_is_neither_registered_nor_listed_is_refused(tmp_path: Path) -> None:
    text = '[[divisions]]\ncode = "430802"\nname = "永定区"\nparent = "430800"\n'
    with govbiz.open(_url(tmp_path)) as ledger:
        with pytest.raises(ConfigFileError) as caught:
            plan_county_file(ledger, parse_county_file(text, "y.toml"))
        assert (caught.value.line, caught.value.key) == (4, "divisions[0].parent")
        assert _stored(ledger)["division"] == 0


def test_only_an_administrator_of_the_file_keeps_it() -> None:
    from govbiz import commands as c
    from govbiz.errors import PermissionDeniedError

    ledger = govbiz.Ledger()
    other = Actor(id="x", role=Role.ADMINISTRATOR, county="430821")
    with pytest.raises(PermissionDeniedError):
        ledger.handle(other, c.KeepCountyConfig(text=SMALL, source="y.toml"))


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        (SMALL.replace('short_name = "区', 'short_nam = "区'), 16, "divisions[1].departments[0].short_nam"),
        (SMALL.replace('code = "430802"', 'code = "4308"'), 8, "divisions[1].code"),
        (SMALL.replace("approaching_working_days = 4", "approaching_working_days = -1"), 20,
         "deadlines.approaching_working_days"),
        (SMALL + '\n[notifications]\nlanguage = "fr"\n', 27, "notifications.language"),
        (SMALL + "\n[notifications.templates]\noverdue = \"{{ x\"\n", 27, "notifications.templates.overdue"),
        (SMALL.replace("[deadlines]", "[deadline]"), 19, "deadline"),
        ('[[divisions]]\ncode = "430802"\n', 1, "divisions[0].name"),  # the table that lacks it
        ("[[divisions]\n", 1, "file"),
    ],
)  # fmt: skip
def test_a_mistake_names_the_file_the_line_and_the_key(
    tmp_path: Path, text: str, line: int, key: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigFileError) as caught:
        read_county_file(path)
    error = caught.value
    assert (error.file, error.line, error.key) == (str(path), line, key)
    assert str(error).startswith(f"{path}:{line}: {key}:" if line else f"{path}: {key}:")


def test_a_bad_file_stores_nothing_through_the_command_line(tmp_path: Path) -> None:
    path = _write(tmp_path, SMALL.replace("[deadlines]", "[deadline]"))
    result = CliRunner().invoke(main, ["county", "apply", str(path), "--db", _url(tmp_path)])
    assert result.exit_code == 1
    assert f"{path}:19: deadline:" in result.output
    with govbiz.open(_url(tmp_path)) as ledger:
        assert sum(_stored(ledger).values()) == 0


@pytest.mark.parametrize("key", ["password", "token", "secret", "api_key", "smtp_password"])
def test_a_secret_written_in_the_file_is_refused(key: str) -> None:
    text = SMALL + f'\n[channels.email]\nhost = "smtp.example.gov.cn"\n{key} = "hunter2"\n'
    with pytest.raises(ConfigFileError) as caught:
        parse_county_file(text, "y.toml")
    assert caught.value.key == f"channels.email.{key}"
    assert caught.value.line == 28
    assert "hunter2" not in str(caught.value)
    assert f"{key}_env" in str(caught.value)


def test_a_secret_named_by_environment_variable_is_accepted() -> None:
    text = SMALL + '\n[channels.email]\nhost = "smtp.example.gov.cn"\npassword_env = "YD_SMTP_PASSWORD"\n'
    file = parse_county_file(text)
    assert file.channels["email"].variables() == {"password_env": "YD_SMTP_PASSWORD"}
    with pytest.raises(ConfigFileError, match="environment variable"):
        parse_county_file(text.replace('"YD_SMTP_PASSWORD"', '"not a name"'))


def test_line_of_finds_keys_in_nested_arrays_of_tables() -> None:
    assert line_of(SMALL, "divisions[1].departments[0].contacts") == 17
    assert line_of(SMALL, "divisions[1].leaders[0].title") == 11  # an inline array: its line
    assert line_of(SMALL, "local_days[0].rest") == 24
    assert line_of(SMALL, "notifications") == 0


# --- show and check ----------------------------------------------------------------------


def test_county_show_names_the_file_each_part_comes_from(tmp_path: Path) -> None:
    path = _write(tmp_path, SMALL, "yongding.toml")
    runner = CliRunner()
    assert runner.invoke(main, ["county", "apply", str(path), "--db", _url(tmp_path)]).exit_code == 0
    again = runner.invoke(main, ["county", "apply", str(path), "--db", _url(tmp_path)])
    assert "nothing to change" in again.output
    import json

    result = runner.invoke(main, ["county", "show", "--county", "430802", "--db", _url(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    parts = json.loads(result.output)["parts"]
    assert parts["categories"] == {"source": str(path), "layer": "file", "over": ["zhangjiajie"]}
    assert parts["deadline_policy"]["source"] == str(path)
    assert parts["sources"]["source"] == "zhangjiajie"  # the file leaves it to the plugin
    from_config = runner.invoke(main, ["county", "show", "--county", "430802", "--config", str(path)])
    assert "file" in from_config.output and "区委书记某某" in from_config.output


def test_explain_lays_a_file_above_the_county_plugin() -> None:
    from govbiz.config.layer import file_answers
    from govbiz.plugins import explain_county_profile, make_plugin_manager

    files = file_answers([parse_county_file(SMALL, "y.toml")], "430802")
    laid = explain_county_profile("430802", make_plugin_manager(allow=["zhangjiajie"]), files)
    assert laid.origin("departments").layer is ProfileLayer.FILE
    assert laid.origin("departments").over == ("zhangjiajie",)
    assert laid.local_days == ("y.toml",)


def test_config_check_finds_a_broken_template_without_sending(tmp_path: Path) -> None:
    broken = SMALL + '\n[notifications.templates]\noverdue = "【超期】{{ problem.titel }}\\n\\n{{ lead }}"\n'
    path = _write(tmp_path, broken)
    findings = check_county_file(parse_county_file(broken, str(path)))
    assert [(f.level, f.key, f.line) for f in findings] == [("error", "notifications.templates.overdue", 27)]
    result = CliRunner().invoke(main, ["config", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:27: error: notifications.templates.overdue" in result.output
    assert "titel" in result.output
    assert "【超期】" not in result.output  # rendered with sample data, never sent or printed


def test_config_check_names_unknown_channels_and_unset_variables() -> None:
    text = SMALL + (
        '\n[[notifications.rules]]\ntrigger = "overdue"\nrecipients = ["lead"]\nchannels = ["wechat"]\n'
        '\n[channels.email]\npassword_env = "UNSET_FOR_THE_TEST"\n'
    )
    findings = check_county_file(parse_county_file(text, "y.toml"), channels={"console"}, environ={})
    found = {(f.level, f.key) for f in findings}
    assert ("error", "notifications.rules[0].channels") in found
    assert ("warning", "channels.email.password_env") in found


def test_the_example_file_checks_and_applies(tmp_path: Path) -> None:
    file = read_county_file(EXAMPLE)
    findings = check_county_file(file, channels={"console", "email"}, environ={})
    assert [f.key for f in findings] == ["channels.email.password_env"]  # a warning: unset here
    with govbiz.open(_url(tmp_path)) as ledger:
        apply_county_file(ledger, file)
        assert not apply_county_file(ledger, file).changes
    with govbiz.open(_url(tmp_path)) as ledger:
        assert ledger.policy("430802").rule("progress").amount == 5
        assert ledger.policy("430802").escalation.criticism_after_working_days == 3  # [escalation]
        assert {d.code for d in ledger.profile("430802").departments} == {"430802-zrzy", "430802-fgj"}


# --- setup --------------------------------------------------------------------------------


def test_county_setup_from_a_file(tmp_path: Path) -> None:
    path = _write(tmp_path, SMALL.replace("430802", "430821").replace("永定区", "慈利县"))
    args = ["county", "setup", "--county", "430821", "--parent", "430800", "--db", _url(tmp_path)]
    result = CliRunner().invoke(main, [*args, "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert "register division 430821 慈利县" in result.output
    again = CliRunner().invoke(main, args)  # the file is kept: setup needs it no more
    assert again.exit_code == 0, again.output
    assert "registered 0 division(s) and 0 department(s)" in again.output


def test_county_setup_without_plugin_or_file_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["county", "setup", "--county", "990101", "--db", _url(tmp_path)])
    assert result.exit_code == 1
    assert "govbiz county apply FILE" in result.output


# --- aliases ----------------------------------------------------------------------------


def test_aliases_let_the_import_read_a_spreadsheets_own_names(tmp_path: Path) -> None:
    from datetime import datetime

    from govbiz.clock import ManualClock, beijing
    from govbiz.domain.credit_code import check_character
    from govbiz.reports.ledger_import import import_ledger

    text = SMALL.replace(
        'categories = ["土地规划", "其他"]',
        'categories = [{ name = "土地规划", aliases = ["土地", "用地"] }, "其他"]\n'
        'sources = ["调研走访", { name = "企业自报", aliases = ["自报"] }]',
    )
    file = parse_county_file(text, "y.toml")
    assert file.categories == ("土地规划", "其他") and file.aliases == {
        "土地": "土地规划",
        "用地": "土地规划",
        "自报": "企业自报",
    }
    clock = ManualClock(datetime(2025, 6, 2, 10, 0, tzinfo=beijing()))
    with govbiz.open(_url(tmp_path), clock=clock) as ledger:
        apply_county_file(ledger, file)
        body = "91430802MA4M00001"
        rows = [
            ("企业名称", "统一社会信用代码", "问题", "问题类别", "来源", "收集日期"),
            ("永定甲公司", body + check_character(body), "用地报批慢", "用地", "自报", "2025-05-06"),
        ]
        collector = Actor(id="c-1", role=Role.COLLECTOR, county="430802")
        import_ledger(ledger, collector, rows, county="430802")
        [problem] = ledger.problems(collector)
        assert (problem.category, problem.source) == ("土地规划", "企业自报")


def test_an_alias_that_is_already_a_name_is_refused() -> None:
    text = SMALL.replace(
        'categories = ["土地规划", "其他"]',
        'categories = [{ name = "土地规划", aliases = ["其他"] }, "其他"]',
    )
    with pytest.raises(ConfigFileError) as caught:
        parse_county_file(text, "y.toml")
    assert (caught.value.key, caught.value.line) == ("categories[0].aliases[0]", 1)
