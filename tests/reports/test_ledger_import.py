"""Importing an existing ledger: every bad row named, all rows or none, and again changes nothing."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest

import govbiz
from govbiz import commands as c
from govbiz.clock import ManualClock, beijing
from govbiz.domain import Actor, Role
from govbiz.domain.credit_code import check_character
from govbiz.ledger import Ledger
from govbiz.plugins import make_plugin_manager
from govbiz.reports.csv_format import CsvFormat
from govbiz.reports.ledger_import import ColumnMapping, ImportRejected, import_ledger

CITY = "430800"
HEADER = [
    "序号",
    "企业名称",
    "统一社会信用代码",
    "问题",
    "问题描述",
    "问题类别",
    "来源",
    "收集日期",
    "办理状态",
]
COLLECTOR = Actor(id="tzb-1", role=Role.COLLECTOR, county=CITY)
ADMIN = Actor(id="admin", role=Role.ADMINISTRATOR, county=CITY)


def code(n: int) -> str:
    body = f"91430800MA4M{n:05d}"
    return body + check_character(body)


GOOD = [
    [
        "1",
        "张家界甲公司",
        code(1),
        "用地报批慢",
        "厂房扩建用地报批",
        "土地规划",
        "调研走访",
        "2025-03-26",
        "办理中",
    ],
    ["2", "张家界乙公司", code(2), "贷款难", "", "融资", "座谈会", "2025/4/2", "已办结"],
    [
        "3",
        "张家界甲公司",
        code(1),
        "用地报批慢",
        "厂房扩建用地报批",
        "土地规划",
        "调研走访",
        "2025年3月26日",
        "",
    ],
    ["4", '\'=HYPERLINK("x")公司', code(3), "招工难", "", "用工", "企业自报", "2025-05-06", ""],
]


def table(*rows: list[str], header: list[str] = HEADER, title: str | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    if title:
        writer.writerow([title])
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def read(data: bytes) -> list[tuple[object, ...]]:
    return CsvFormat().read_rows(data)  # type: ignore[return-value]


@pytest.fixture(params=["memory", "sqlite"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Ledger:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'ledger.db'}"
    clock = ManualClock(datetime(2025, 6, 2, 10, 0, tzinfo=beijing()))
    opened = govbiz.open(url, clock=clock, plugin_manager=make_plugin_manager(load_entry_points=False))
    opened.handle(ADMIN, c.RegisterDivision(code=CITY, name="张家界市", level="city"))
    return opened


def counts(ledger: Ledger) -> tuple[int, int, int]:
    with ledger.store.unit_of_work() as uow:
        events = len(uow.events())
    return len(ledger.problems(COLLECTOR)), len(ledger.records(COLLECTOR, "enterprise")), events


def test_rows_become_collected_problems_with_their_enterprises(ledger: Ledger) -> None:
    result = import_ledger(ledger, COLLECTOR, read(table(*GOOD)), county=CITY, source="台账.csv")
    assert [row for row, _ in result.created] == [2, 3, 4, 5]
    assert result.enterprises_registered == (code(1), code(2), code(3))
    assert result.ignored_columns == ("序号", "办理状态")
    problems = ledger.problems(COLLECTOR)
    assert [p.state.value for p in problems] == ["collected"] * 4
    first = problems[0]
    assert (first.title, first.category, first.source) == ("用地报批慢", "土地规划", "调研走访")
    assert first.collected_at == datetime(2025, 3, 26, 12, tzinfo=beijing())  # the day, at noon
    names = {e.name for e in ledger.records(COLLECTOR, "enterprise")}
    assert '=HYPERLINK("x")公司' in names  # the export's formula guard is taken off again


def test_importing_the_same_file_again_changes_nothing(ledger: Ledger) -> None:
    data = read(table(*GOOD))
    import_ledger(ledger, COLLECTOR, data, county=CITY)
    before = counts(ledger)
    again = import_ledger(ledger, COLLECTOR, data, county=CITY)
    assert again.created == () and [row for row, _ in again.matched] == [2, 3, 4, 5]
    assert counts(ledger) == before
    # Rows 2 and 4 are alike: they matched the two problems in order, not the same one twice.
    assert len({pid for _, pid in again.matched}) == 4


def test_a_grown_file_adds_only_its_new_rows(ledger: Ledger) -> None:
    import_ledger(ledger, COLLECTOR, read(table(*GOOD[:2])), county=CITY)
    grown = import_ledger(ledger, COLLECTOR, read(table(*GOOD)), county=CITY)
    assert [row for row, _ in grown.created] == [4, 5]
    assert [row for row, _ in grown.matched] == [2, 3]
    assert counts(ledger)[0] == 4


def test_every_bad_row_is_reported_and_nothing_is_stored(ledger: Ledger) -> None:
    bad = [
        GOOD[0],
        ["2", "", code(2), "贷款难", "", "融资", "座谈会", "2025-04-02", ""],
        ["3", "丙公司", "91430800MA4M00009X", "招工难", "", "用工", "座谈会", "2025-04-02", ""],
        ["4", "丁公司", code(4), "问题", "", "不存在的类别", "路边", "明天", ""],
        ["5", "戊公司", code(5), "问题", "", "用工", "座谈会", "2025-12-31", ""],
        ["6", "张家界另一公司", code(1), "问题", "", "用工", "座谈会", "2025-04-02", ""],
    ]
    before = counts(ledger)
    with pytest.raises(ImportRejected) as caught:
        import_ledger(ledger, COLLECTOR, read(table(*bad)), county=CITY, source="bad.csv")
    errors = {(e.row, e.column) for e in caught.value.errors}
    assert errors == {
        (3, "企业名称"), (5, "问题类别"), (5, "来源"), (5, "收集日期"), (6, "收集日期"), (7, "企业名称"),
    }  # fmt: skip
    message = str(caught.value)
    assert "bad.csv：6 处错误，未导入任何内容" in message
    assert "第3行 B列「企业名称」：为空" in message
    assert "第6行 H列「收集日期」：'2025-12-31' 在今天（2025-06-02）之后，不可能是收集日期" in message
    assert "第7行 B列「企业名称」：'张家界另一公司' 与第2行的「张家界甲公司」统一社会信用代码相同，企业名称却不同" in message  # noqa: E501
    assert counts(ledger) == before
    # A wrong check character (row 4) does not block the row, except with strict_codes.
    with pytest.raises(ImportRejected) as strict:
        import_ledger(ledger, COLLECTOR, read(table(*bad)), county=CITY, source="bad.csv", strict_codes=True)
    assert "第4行 C列「统一社会信用代码」：'91430800MA4M00009X' 校验位（第18位）应为" in str(strict.value)


def test_a_missing_column_or_header_is_named(ledger: Ledger) -> None:
    with pytest.raises(ImportRejected, match=r"第1行：缺少列 「来源」、「收集日期」"):
        import_ledger(ledger, COLLECTOR, read(table(header=HEADER[:6])), county=CITY)
    with pytest.raises(ImportRejected, match="找不到含「企业名称」和「问题」的表头行"):
        import_ledger(ledger, COLLECTOR, [("甲", "乙")], county=CITY)


def test_the_header_may_sit_under_a_title_and_use_other_names(ledger: Ledger) -> None:
    header = ["单位名称", "信用代码", "反映问题", "问题类型", "问题来源", "反映日期"]
    rows = read(table(["张家界甲公司", code(1), "用地报批慢", "土地规划", "调研走访", "2025-03-26"],
                      header=header, title="2025年问题台账"))  # fmt: skip
    mapping = ColumnMapping.parse(["反映问题=title"])
    result = import_ledger(ledger, COLLECTOR, rows, county=CITY, mapping=mapping)
    assert result.header_row == 2 and [row for row, _ in result.created] == [3]
    with pytest.raises(Exception, match="unknown field"):
        ColumnMapping.parse(["反映问题=titel"])


def test_gbk_csv_from_older_excel_is_read() -> None:
    data = "企业名称,问题\r\n张家界甲公司,用地报批慢\r\n".encode("gb18030")
    assert CsvFormat().read_rows(data)[1] == ("张家界甲公司", "用地报批慢")


def test_a_failure_while_storing_keeps_nothing(ledger: Ledger) -> None:
    # An administrator may register enterprises but not collect problems: the first
    # enterprise is staged, then its problem fails, and the enterprise must go too.
    before = counts(ledger)
    with pytest.raises(ImportRejected, match=r"第2行：administrator admin \(430800\) may not collect"):
        import_ledger(ledger, ADMIN, read(table(*GOOD)), county=CITY)
    assert counts(ledger) == before


def test_a_dry_run_stores_nothing(ledger: Ledger) -> None:
    before = counts(ledger)
    result = import_ledger(ledger, COLLECTOR, read(table(*GOOD)), county=CITY, dry_run=True)
    assert result.dry_run and len(result.created) == 4 and "would import 4" in result.summary()
    assert counts(ledger) == before


def test_an_unregistered_county_is_refused(ledger: Ledger) -> None:
    with pytest.raises(ImportRejected, match="本账本没有登记区县 430802"):
        import_ledger(
            ledger, Actor(id="x", role=Role.COLLECTOR, county="430802"), read(table(*GOOD)), county="430802"
        )


def test_a_year_one_date_and_an_alt_enter_title_are_named_per_row(ledger: Ledger) -> None:
    # An empty date cell read as 0001-01-01 crashed every later export; Excel's Alt+Enter put a
    # line break into a title, and every e-mail about the problem failed (issue 19).
    hostile = [
        GOOD[0],
        ["2", "张家界乙公司", code(2), "贷款难", "", "融资", "座谈会", "0001-01-01", ""],
        [
            "3",
            "张家界丙公司",
            code(3),
            "招工难\n技工缺",
            "第一行\n第二行",
            "用工",
            "座谈会",
            "2025-04-02",
            "",
        ],
    ]
    before = counts(ledger)
    with pytest.raises(ImportRejected) as caught:
        import_ledger(ledger, COLLECTOR, read(table(*hostile)), county=CITY, source="hostile.csv")
    assert {(e.row, e.column) for e in caught.value.errors} == {(3, "收集日期")}
    message = str(caught.value)
    assert "第3行 H列「收集日期」：'0001-01-01' 早于 2000-01-01，不可能是收集日期" in message
    assert counts(ledger) == before
    # The title of several lines is cut to its first line, the whole text kept as the description.
    import_ledger(ledger, COLLECTOR, read(table(GOOD[0], hostile[2])), county=CITY)
    cut = next(p for p in ledger.problems(COLLECTOR) if p.title == "招工难")
    assert cut.description == "招工难\n技工缺\n第一行\n第二行"
