"""`govbiz report`, `govbiz export` and `govbiz import` through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import govbiz
from govbiz.cli import main
from govbiz.metrics.article import build_article_ledger

AS_OF = "2025-11-10T18:00"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'article.db'}"
    build_article_ledger(govbiz.open(url))
    return url


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_report_writes_the_format_its_suffix_names(runner: CliRunner, db: str, tmp_path: Path) -> None:
    out = tmp_path / "报表.md"
    result = runner.invoke(main, ["report", "--db", db, "--as-of", AS_OF, "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "| 土地规划 | 64.3% | 9/14 |" in text
    assert "> 口径：办结件数占交办件数的比例" in text


def test_report_to_stdout_as_json_with_a_circular(runner: CliRunner, db: str) -> None:
    args = ["report", "--db", db, "--county", "430800", "--as-of", AS_OF, "--format", "json",
            "--group-by", "department", "--metric", "assigned", "--circular-since", "2025-03-01"]  # fmt: skip
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [s["grouping"] for s in data["sections"]] == ["department"]
    assert data["circular"]["title"].startswith("关于2025年03月01日至2025年11月10日")
    assert {d["name"] for d in data["overall"]["definitions"]} >= {"assigned", "completion_rate", "overdue"}


def test_an_unknown_format_lists_the_registered_ones(runner: CliRunner, db: str) -> None:
    result = runner.invoke(main, ["report", "--db", db, "--format", "pdf"])
    assert result.exit_code == 2
    assert "unknown format 'pdf'; registered formats: csv, " in result.output
    assert all(f in result.output for f in ("html, json, markdown", "csv"))  # plugins' formats fall between


def test_a_bad_grouping_is_a_one_line_error(runner: CliRunner, db: str) -> None:
    result = runner.invoke(main, ["report", "--db", db, "--group-by", "colour"])
    assert result.exit_code == 1
    assert "unknown grouping" in result.output and "Traceback" not in result.output


def test_export_then_import_round_trips_and_is_idempotent(runner: CliRunner, db: str, tmp_path: Path) -> None:
    exported = tmp_path / "问题台账.csv"
    result = runner.invoke(main, ["export", "--db", db, "--as-of", AS_OF, "--out", str(exported)])
    assert result.exit_code == 0, result.output
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert runner.invoke(main, ["county", "setup", "--db", fresh, "--county", "430800"]).exit_code == 0
    first = runner.invoke(main, ["import", str(exported), "--db", fresh, "--json"])
    assert first.exit_code == 0, first.output
    data = json.loads(first.output)
    assert len(data["created"]) == 59 and len(data["enterprises_registered"]) == 20
    assert data["header_row"] == 1 and "办理状态" in data["ignored_columns"]
    again = runner.invoke(main, ["import", str(exported), "--db", fresh])
    assert again.exit_code == 0, again.output
    assert "imported 0 problem(s), 59 already in the ledger (unchanged)" in again.output


def test_import_of_a_bad_file_names_each_row_and_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert runner.invoke(main, ["county", "setup", "--db", fresh, "--county", "430800"]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "企业名称,统一社会信用代码,问题,问题类别,来源,收集日期\n"
        "甲公司,123,问题一,土地规划,调研走访,2025-03-01\n"
        "乙公司,,问题二,土地规划,调研走访,not a date\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["import", str(bad), "--db", fresh])
    assert result.exit_code == 1
    assert "bad.csv：1 处错误，未导入任何内容" in result.output
    assert "第3行 F列「收集日期」：'not a date' 不是日期" in result.output
    strict = runner.invoke(main, ["import", str(bad), "--db", fresh, "--strict-codes"])
    assert "bad.csv：3 处错误，未导入任何内容" in strict.output
    assert "第2行 B列「统一社会信用代码」：'123' 统一社会信用代码应为 18 位，此处为 3 位（--strict-codes）" in strict.output  # noqa: E501
    assert "第3行 B列「统一社会信用代码」：未填写统一社会信用代码（--strict-codes）" in strict.output


def test_import_of_a_file_that_is_no_table_says_so(runner: CliRunner, tmp_path: Path) -> None:
    odd = tmp_path / "ledger.ods"
    odd.write_bytes(b"")  # the content, not the name, says what a file is
    result = runner.invoke(main, ["import", str(odd), "--db", "memory://", "--county", "430800"])
    assert result.exit_code == 1
    assert "不是表格文件" in result.output and "Traceback" not in result.output


def test_a_cross_grouping_adds_up_to_its_first_grouping(runner: CliRunner, db: str) -> None:
    args = ["report", "--db", db, "--county", "430800", "--as-of", AS_OF, "--format", "json",
            "--group-by", "category,category*month", "--metric", "assigned"]  # fmt: skip
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    by_category, crossed = json.loads(result.output)["sections"]
    assert (crossed["grouping"], crossed["then_by"]) == ("category", "month")
    assert crossed["title"] == "按问题类别 × 交办月份统计"

    def assigned(group: dict[str, object]) -> int:
        [figure] = [f for f in group["figures"] if f["metric"] == "assigned"]  # type: ignore[attr-defined]
        return len(figure["numerator"])

    land_months = [g for g in crossed["result"]["groups"] if g["key"].startswith("土地规划 × ")]
    assert len(land_months) > 1  # the article's land problems were assigned over several months
    [land] = [g for g in by_category["result"]["groups"] if g["key"] == "土地规划"]
    assert sum(map(assigned, land_months)) == assigned(land) == 14


@pytest.mark.parametrize(
    ("group_by", "message"),
    [("department*department", "crossed with itself"), ("category*month*county", "at most two")],
)
def test_a_bad_cross_grouping_is_a_one_line_error(
    runner: CliRunner, db: str, group_by: str, message: str
) -> None:
    result = runner.invoke(main, ["report", "--db", db, "--group-by", group_by])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
