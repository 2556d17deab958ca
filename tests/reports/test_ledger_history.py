"""A clerk's ledger brings its history along (issue 23): 交办, 办理进度, 办结, 回访, dated as it dates them.

A 2023 ledger with its handling columns is imported years later; its 2023
figures (`govbiz report --as-of 2023-12-31`) are computed here from the rows
themselves, not from what govbiz printed.  Impossible histories are refused
in the file's own words; a re-imported row that differs is reported, and
nothing changes.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import govbiz
from govbiz import commands as c
from govbiz.cli import main
from govbiz.cli.options import as_of_instant
from govbiz.clock import ManualClock, beijing
from govbiz.domain import Actor, Role
from govbiz.ledger import Ledger
from govbiz.metrics.asof import LedgerProblems
from govbiz.plugins import make_plugin_manager
from tests.reports.history_ledgers import HistoryRow, history_rows, history_workbook

CITY = "430800"
ADMIN = Actor(id="admin", role=Role.ADMINISTRATOR, county=CITY)
VIEWER = Actor(id="viewer", role=Role.VIEWER, county=CITY)
DEPARTMENTS = (
    ("430800-zgj", "张家界市自然资源和规划局", "市自规局"),
    ("430800-zjj", "张家界市住房和城乡建设局", "市住建局"),
    ("430800-rsj", "张家界市人力资源和社会保障局", "市人社局"),
    ("430800-jrb", "张家界市地方金融监督管理局", "市金融办"),
    ("430800-spj", "张家界市行政审批服务局", "市行政审批局"),
)
TODAY = datetime(2026, 12, 3, 10, 0, tzinfo=beijing())


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = _open(url)
    ledger.handle(ADMIN, c.RegisterDivision(code=CITY, name="张家界市", level="city"))
    for key, name, short in DEPARTMENTS:
        ledger.handle(ADMIN, c.RegisterDepartment(code=key, name=name, short_name=short, county=CITY))
    return url


def _open(url: str) -> Ledger:
    return govbiz.open(
        url, clock=ManualClock(TODAY), plugin_manager=make_plugin_manager(load_entry_points=False)
    )


def _book(tmp_path: Path, rows: list[HistoryRow], name: str = "2023年问题台账.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(history_workbook(rows))
    return path


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def _figures(db: str, as_of: str) -> dict[str, int]:
    metrics = [
        a
        for m in ("assigned", "completed", "in_progress", "solved", "satisfaction_rate")
        for a in ("--metric", m)
    ]
    status, output = run(
        "report", "--db", db, "--county", CITY, "--as-of", as_of, "--format", "json", *metrics
    )
    assert status == 0, output
    figures = json.loads(output)["overall"]["total"]["figures"]
    wanted = ("assigned", "completed", "in_progress", "solved", "satisfaction_rate")
    found = {f["metric"]: len(f["numerator"]) for f in figures if f["metric"] in wanted}
    found["visited"] = next(len(f["denominator"]) for f in figures if f["metric"] == "satisfaction_rate")
    source = LedgerProblems(_open(db), VIEWER, county=CITY)
    found["long_term"] = sum(
        1 for p in source.problems_as_of(as_of_instant(as_of)) if p.state.value == "long_term"
    )
    return found


def _expected(rows: list[HistoryRow], end: date) -> dict[str, int]:
    """The figures as of the end of `end`, from what each row says (the metric definitions, by hand)."""
    assigned = [r for r in rows if r.assigned is not None and r.assigned <= end]
    # 不满意 at the visit (on the 办结 day) sends the problem back to be redone (重办): in progress again.
    redone = [r for r in assigned if r.satisfaction == "不满意" and r.completed and r.completed <= end]
    completed = [
        r for r in assigned if r.closure == "是" and r.completed and r.completed <= end and r not in redone
    ]
    long_term = [r for r in assigned if r.closure == "长期" and r.progress_on and r.progress_on <= end]
    visited = [r for r in assigned if r.satisfaction and r.completed and r.completed <= end]
    return {
        "assigned": len(assigned), "completed": len(completed), "in_progress": len(assigned) - len(completed),
        "long_term": len(long_term), "solved": sum(1 for r in completed if r.result.startswith("已解决")),
        "satisfaction_rate": sum(1 for r in visited if r.satisfaction == "满意"), "visited": len(visited),
    }  # fmt: skip


def test_a_2023_ledger_gives_its_2023_figures(db: str, tmp_path: Path) -> None:
    rows = history_rows()
    status, output = run("import", _book(tmp_path, rows), "--db", db, "--county", CITY)
    assert status == 0, output
    assert "with their history: 30 assigned (18 completed, 6 long-term, 6 open)" in output
    ends = (date(2023, 3, 31), date(2023, 6, 30), date(2023, 12, 31), date(2024, 12, 31))
    figures = {end: _figures(db, end.isoformat()) for end in ends}
    assert figures == {end: _expected(rows, end) for end in ends}
    year = figures[date(2023, 12, 31)]
    assert 0 < year["completed"] < _expected(rows, date(2024, 12, 31))["completed"]  # some completed in 2024
    assert _figures(db, "2022-12-31") == dict.fromkeys(year, 0)


def test_each_step_is_recorded_now_by_the_importer_naming_file_sheet_and_row(db: str, tmp_path: Path) -> None:
    rows = history_rows(6)
    book = _book(tmp_path, rows)
    status, output = run("import", book, "--db", db, "--county", CITY, "--actor", "tzb-clerk")
    assert status == 0, output
    ledger = _open(db)
    problem = next(p for p in ledger.problems(VIEWER) if p.title == rows[3].title)  # 是, 满意
    events = ledger.history(VIEWER, problem.id)
    assert [e.kind for e in events] == [
        "collect",
        "triage",
        "assign",
        "sign",
        "report_result",
        "return_visit",
    ]
    assert problem.state.value == "closed"
    for event in events[1:]:
        assert event.actor_id == "tzb-clerk" and event.occurred_at.year == 2026  # recorded now, not backdated
        assert {k: event.payload["imported"][k] for k in ("file", "sheet", "row")} == {
            "file": book.name,
            "sheet": "2023年台账",
            "row": 6,
        }  # title row, header, then rows[3]
    assert problem.assignment is not None and problem.result is not None
    assert problem.assignment.assigned_at.date() == rows[3].assigned
    assert problem.result.reported_at.date() == rows[3].completed
    assert problem.result.outcome.value == "partially_solved"  # 部分解决…
    # Nobody is told of a 交办 of 2023 on the day of the import: the import queues no notification.
    assert ledger.store.outbox().entries() == []
    status, output = run("verify", "--db", db)
    assert status == 3, output  # intact (unanchored: no checkpoint key here); snapshots equal their replay


def test_imported_deadlines_are_the_county_policy_from_the_imported_assignment(
    db: str, tmp_path: Path
) -> None:
    rows = history_rows(2)
    status, output = run("import", _book(tmp_path, rows), "--db", db, "--county", CITY)
    assert status == 0, output
    ledger = _open(db)
    problem = next(p for p in ledger.problems(VIEWER) if p.title == rows[1].title)  # 否: still open
    assert problem.assignment is not None and rows[1].assigned is not None
    policy = ledger.profile(CITY).policy()
    assigned_at = problem.assignment.assigned_at
    assert assigned_at.date() == rows[1].assigned
    for clock in ("progress", "result"):
        due = problem.assignment.deadline(clock)
        assert due is not None and due.last_day == policy.deadline(clock, assigned_at).last_day
    assert problem.assignment.lead == "430800-zjj" and problem.assignment.co_handlers == ("430800-zgj",)


def _rejected(db: str, tmp_path: Path, rows: list[HistoryRow]) -> list[str]:
    status, output = run("import", _book(tmp_path, rows), "--db", db, "--county", CITY, "--json")
    assert status == 1, output
    return [e["message"] for e in json.loads(output)["errors"]]


def test_impossible_histories_are_refused_naming_row_column_and_header(db: str, tmp_path: Path) -> None:
    import attrs

    rows = history_rows(6)
    rows[0] = attrs.evolve(rows[0], completed=date(2023, 1, 1))  # 办结 before 交办 (2023-01-05)
    rows[1] = attrs.evolve(rows[1], closure="是")  # 是 without a 办结时间
    rows[2] = attrs.evolve(rows[2], assigned=date(2022, 12, 30))  # 交办 before 收集
    rows[3] = attrs.evolve(rows[3], closure="差不多")
    rows[4] = attrs.evolve(rows[4], satisfaction="满意")  # a visit of a problem never assigned
    messages = _rejected(db, tmp_path, rows)
    assert "第3行 M列「办结时间」：'2023-01-01' 早于H列「交办时间」 2023-01-05，不可能" in messages
    no_day = "是办结，但没有办结时间（M列「办结时间」为空）：办结要有日期才能计入当年数字"
    assert f"第4行 L列「是否办结」：'是' {no_day}" in messages
    assert "第5行 H列「交办时间」：'2022.12.30' 早于G列「收集时间」 2023-03-05，不可能" in messages
    assert "第6行 L列「是否办结」：'差不多' 不是「是否办结」的值；可写 是、否 或 长期（长期推进）" in messages
    assert (
        "第7行 O列「满意度」：'满意' 有办理情况，但H列「交办时间」为空：交办时间是办理经过的起点" in messages
    )
    assert len(_open(db).problems(VIEWER)) == 0  # nothing stored


def _edited(book: Path) -> Path:
    """The file as the clerk changed it since: row 4 (否) now 是 on 2024-01-10, row 3 another category."""
    workbook = load_workbook(book)
    sheet = workbook.active
    assert sheet is not None
    sheet["L4"], sheet["M4"] = "是", "2024-01-10"
    sheet["E3"] = "融资"
    out = book.with_name("2023年问题台账（更新）.xlsx")
    buffer = io.BytesIO()
    workbook.save(buffer)
    out.write_bytes(buffer.getvalue())
    return out


def test_a_reimported_row_that_differs_is_reported_and_nothing_changes(db: str, tmp_path: Path) -> None:
    rows = history_rows(6)
    book = _book(tmp_path, rows)
    assert run("import", book, "--db", db, "--county", CITY)[0] == 0
    before = {p.id: (p.state, p.category, p.version) for p in _open(db).problems(VIEWER)}
    edited = _edited(book)
    for dry in (["--dry-run"], []):
        status, output = run("import", edited, "--db", db, "--county", CITY, *dry, "--json")
        assert status == 0, output
        data = json.loads(output)
        assert data["created"] == [] and len(data["matched"]) == 6
        found = {(d["row"], d["letter"], d["column"], d["old"], d["new"]) for d in data["differences"]}
        assert found == {
            (3, "E", "问题类别", "土地规划", "融资"),
            (4, "L", "是否办结", "否", "是"),
            (4, "M", "办结时间", "", "2024-01-10"),
        }
        status, text = run("import", edited, "--db", db, "--county", CITY, *dry)
        assert "与已导入内容不同 3 处（2 行；未更改）：" in text
        assert "第4行 L列「是否办结」：已导入为 '否'，文件现为 '是'" in text
    assert {p.id: (p.state, p.category, p.version) for p in _open(db).problems(VIEWER)} == before
    status, output = run("import", book, "--db", db, "--county", CITY, "--json")
    assert json.loads(output)["differences"] == []  # the file as imported: nothing differs


def test_a_ledger_without_an_assignment_column_lists_its_handling_columns_as_not_imported(
    db: str, tmp_path: Path
) -> None:
    workbook = load_workbook(_book(tmp_path, history_rows(6)))
    sheet = workbook.active
    assert sheet is not None
    sheet.delete_cols(8)  # 交办时间
    path = tmp_path / "no-assignment.xlsx"
    workbook.save(path)
    status, output = run("import", path, "--db", db, "--county", CITY, "--dry-run")
    assert status == 0, output
    assert "ignored columns: 序号、办理进度、进展时间、是否办结、办结时间、办理结果、满意度" in output


def test_the_dry_run_says_which_rows_bring_a_history_and_stores_nothing(db: str, tmp_path: Path) -> None:
    book = _book(tmp_path, history_rows(6))
    status, output = run("import", book, "--db", db, "--county", CITY, "--dry-run")
    assert status == 0, output
    said = "would import 6 problem(s), with their history: 5 assigned (3 completed, 1 long-term, 1 open)"
    assert said in output
    status, output = run("import", book, "--db", db, "--county", CITY, "--dry-run", "--json")
    histories = json.loads(output)["histories"]
    assert histories == [
        {"row": 3, "closure": "completed"}, {"row": 4, "closure": "open"}, {"row": 5, "closure": "long_term"},
        {"row": 6, "closure": "completed"}, {"row": 8, "closure": "completed"},
    ]  # fmt: skip
    assert _open(db).problems(VIEWER) == []


def test_only_a_problem_just_collected_takes_an_imported_history_from_an_importer(
    db: str, tmp_path: Path
) -> None:
    from govbiz.errors import PermissionDeniedError, ValidationError

    rows = history_rows(2)
    assert run("import", _book(tmp_path, rows), "--db", db, "--county", CITY)[0] == 0
    ledger = _open(db)
    problem = next(p for p in ledger.problems(VIEWER) if p.title == rows[1].title)
    noon = datetime(2023, 2, 6, 12, tzinfo=beijing())
    command = c.RecordImportedHistory(
        problem_id=problem.id, imported_file="again.xlsx", imported_row=4, assigned_at=noon, lead="430800-zgj"
    )
    collector = Actor(id="tzb", role=Role.COLLECTOR, county=CITY)
    with pytest.raises(ValidationError, match="has a history already"):
        ledger.handle(collector, command)
    with pytest.raises(PermissionDeniedError):
        ledger.handle(VIEWER, command)
    with pytest.raises(PermissionDeniedError):
        ledger.handle(Actor(id="other", role=Role.COLLECTOR, county="430802"), command)
    with pytest.raises(ValidationError, match="is before assigned_at"):
        c.RecordImportedHistory(
            problem_id=problem.id, imported_file="x.xlsx", imported_row=4, assigned_at=noon,
            lead="430800-zgj", closure="completed", completed_at=datetime(2023, 2, 1, 12, tzinfo=beijing()),
        )  # fmt: skip
    assert _open(db).problem(VIEWER, problem.id).version == problem.version  # nothing recorded
