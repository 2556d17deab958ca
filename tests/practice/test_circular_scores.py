"""The month's 红黑榜 in the supervision circular draft: the minimum rule, each point explained."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner

import govbiz
from govbiz.cli import main
from govbiz.documents import DocumentSettings, circular_document
from govbiz.documents.model import Heading, Paragraph, Table
from govbiz.metrics import GroupContext, LedgerProblems
from govbiz.metrics.score import ScorePolicy
from govbiz.supervision import circular_markdown, circular_to_json, generate_circular, publish_command
from tests.conftest import CITY, World, build_world
from tests.practice.test_scores import april


def _draft(world: World, **kwargs: object):  # type: ignore[no-untyped-def]
    world.at("2025-05-06 10:00")
    return generate_circular(
        LedgerProblems(world.ledger, world.supervisor), county=CITY, period_start=date(2025, 4, 1),
        period_end=date(2025, 5, 6), as_of=world.clock.now(),
        context=GroupContext.from_ledger(world.ledger, world.supervisor), **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


def test_without_a_month_the_circular_is_as_before(world: World) -> None:
    april(world)
    draft = _draft(world)
    assert draft.scores is None
    text = circular_markdown(draft)
    assert "红黑榜" not in text and "## 五、工作要求" in text
    assert json.loads(circular_to_json(draft))["scores"] is None


def test_the_circular_names_the_boards_with_the_minimum_and_each_point(world: World) -> None:
    ids = april(world)
    draft = _draft(world, score_month="2025-04")
    assert draft.scores is not None and draft.scores.as_of.isoformat() == "2025-05-01T00:00:00+08:00"
    text = circular_markdown(draft)
    section = text[text.index("## 五、月度考核红黑榜（2025-04）") : text.index("## 六、工作要求")]
    assert "当月交办不少于3件的部门参加排名" in section and "不足3件的部门只计分、不排名" in section
    assert "- 红榜：市自规局（69.5分）" in section
    assert "- 不参加排名：市住建局（1件，70.0分）" in section  # never ranked on one case
    assert f"| 退单率 | +3.3 | 1/3 = 33.3%，权重5 | {ids['refused']} |" in section
    assert f"| 形成长效机制 | +2.0 | 1件 × 2.0分，上限6.0分 | {ids['good']} |" in section
    data = json.loads(circular_to_json(draft))
    assert data["scores"]["red_list"] == ["430800-zgj"] and data["scores"]["unranked"] == ["430800-zjj"]
    assert publish_command(draft).body == text.strip()  # what is published is what was drafted


def test_the_county_minimum_decides_who_is_ranked(world: World) -> None:
    april(world)
    draft = _draft(world, score_month="2025-04", score_policy=ScorePolicy(min_assigned=1))
    assert draft.scores is not None
    assert [s.department for s in draft.scores.ranked()] == ["430800-zjj", "430800-zgj"]
    assert "当月交办不少于1件的部门参加排名" in circular_markdown(draft)


def test_the_official_document_has_the_boards(world: World) -> None:
    ids = april(world)
    draft = _draft(world, score_month="2025-04")
    document = circular_document(draft, DocumentSettings.default("张家界市", date(2025, 5, 6)))
    headings = [b.text for b in document.body if isinstance(b, Heading)]
    assert "五、2025年4月考核红黑榜" in headings and headings[-1] == "六、工作要求"
    paragraphs = [b.text for b in document.body if isinstance(b, Paragraph)]
    assert "红榜：市自规局（69.5分）。" in paragraphs
    [table] = [b for b in document.body if isinstance(b, Table) and "部门及项目" in b.headers]
    refused = next(row for row in table.rows if row[1] == "市自规局\n退单率")
    assert refused == ("1", "市自规局\n退单率", "3.3", "1/3 = 33.3%，权重5", ids["refused"])


def test_govbiz_document_circular_score_month(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ledger.db"
    world = build_world(govbiz.open(url))
    april(world)
    out = tmp_path / "通报.html"
    args = ["document", "circular", "--db", url, "--county", CITY, "--since", "2025-04-01",
            "--as-of", "2025-05-06", "--score-month", "2025-04", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "2025年4月考核红黑榜" in page and "红榜：市自规局（69.5分）" in page
