"""月度考核 in `govbiz report`: the 红黑榜 and each point with its problems, in every built-in format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import govbiz
from govbiz.cli import main
from govbiz.errors import ValidationError
from govbiz.plugins import make_plugin_manager, report_formats
from govbiz.reports import MetricsReport, ReportFormat, build_metrics_report
from tests.conftest import CITY, World, build_world
from tests.practice.test_scores import april


@pytest.fixture(scope="module")
def formats() -> dict[str, ReportFormat]:
    return report_formats(make_plugin_manager(load_entry_points=False))


def _report(world: World, ids: dict[str, str]) -> MetricsReport:
    world.at("2025-05-06 10:00")
    return build_metrics_report(
        world.ledger, world.supervisor, as_of=world.clock.now(), county=CITY, groupings=(),
        metrics=("assigned",), score_month="2025-04",
    )  # fmt: skip


def test_the_report_carries_the_months_scores(world: World) -> None:
    ids = april(world)
    report = _report(world, ids)
    assert report.scores is not None
    assert report.scores.as_of.isoformat() == "2025-05-01T00:00:00+08:00"  # the month's end, not the report's
    assert [s.department for s in report.scores.red_list()] == ["430800-zgj"]
    assert report.department_name("430800-zgj") == "市自规局"


def test_markdown_prints_the_rule_the_boards_and_each_point(
    world: World, formats: dict[str, ReportFormat]
) -> None:
    ids = april(world)
    text = formats["markdown"].render(_report(world, ids)).decode("utf-8")
    assert "、月度考核红黑榜（2025-04）\n" in text and "\n## " in text
    assert "当月交办不少于3件的部门参加排名" in text
    assert "- 红榜：市自规局（69.5分）" in text and "- 黑榜：无" in text
    assert "- 不参加排名：市住建局（1件，70.0分）" in text  # a higher score, but one case: not ranked
    assert f"| 退单率 | +3.3 | 1/3 = 33.3%，权重5 | {ids['refused']} |" in text


def test_json_has_the_scores_as_the_score_command_gives_them(
    world: World, formats: dict[str, ReportFormat]
) -> None:
    ids = april(world)
    data = json.loads(formats["json"].render(_report(world, ids)))
    assert data["scores"]["month"] == "2025-04" and data["scores"]["red_list"] == ["430800-zgj"]
    [zgj] = [s for s in data["scores"]["scores"] if s["department"] == "430800-zgj"]
    assert zgj["score"] == 69.5


def test_csv_has_a_row_per_board_and_per_score_line(
    world: World, formats: dict[str, ReportFormat]
) -> None:
    ids = april(world)
    rows = list(csv.reader(io.StringIO(formats["csv"].render(_report(world, ids)).decode("utf-8-sig"))))
    scored = [r for r in rows if r[0] == "月度考核2025-04"]
    boards = {r[2]: r[4] for r in scored if r[2] in ("red_list", "black_list", "unranked")}
    assert boards == {"red_list": "市自规局（69.5分）", "black_list": "无", "unranked": "市住建局（70.0分）"}
    refused = next(r for r in scored if r[1] == "市自规局（430800-zgj）" and r[3] == "退单率")
    assert refused[4] == "3.3" and refused[7] == f"名次：1；1/3 = 33.3%，权重5；问题：{ids['refused']}"
    total = next(r for r in scored if r[1] == "市自规局（430800-zgj）" and r[3] == "合计")
    assert total[4] == "69.5" and "交办3件" in total[7]


def test_html_shows_the_boards_and_the_lines(
    world: World, formats: dict[str, ReportFormat]
) -> None:
    ids = april(world)
    page = formats["html"].render(_report(world, ids)).decode("utf-8")
    assert "月度考核红黑榜（2025-04）" in page and "红榜：市自规局（69.5分）" in page
    assert f'title="{ids["refused"]}">3.3</td>' in page


def test_scores_need_a_county_and_a_real_month(world: World) -> None:
    april(world)
    with pytest.raises(ValidationError) as no_county:
        build_metrics_report(world.ledger, world.supervisor, as_of=world.clock.now(), score_month="2025-04")
    assert no_county.value.field == "county"
    with pytest.raises(ValidationError) as bad:
        build_metrics_report(
            world.ledger, world.supervisor, as_of=world.clock.now(), county=CITY, score_month="2025-13"
        )
    assert bad.value.field == "month"


def test_govbiz_report_score_month(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ledger.db"
    world = build_world(govbiz.open(url))
    april(world)
    args = ["report", "--db", url, "--county", CITY, "--as-of", "2025-05-06T10:00", "--format", "json",
            "--group-by", "department", "--metric", "assigned", "--score-month", "2025-04"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["scores"]["unranked"] == ["430800-zjj"]
    bad = CliRunner().invoke(main, [*args[:-1], "April"])
    assert bad.exit_code == 1 and "month" in bad.output
