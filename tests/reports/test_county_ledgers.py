"""Importing ledgers as county clerks keep them, without editing them (issue 23).

The workbooks are built by `county_ledgers` the way clerks build them: a
hidden copy of last year's sheet first, a merged title, a two-row header,
section, 合计 and 填表人 rows, merged cells, eleven date styles, short
department names, mangled credit codes; and the same rows as a GBK CSV.
Each case runs through the library and through the real `govbiz import`.
"""

from __future__ import annotations

import functools
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from govbiz_xlsx.reading import read_workbook
from openpyxl import Workbook

import govbiz
from govbiz import commands as c
from govbiz.cli import main
from govbiz.clock import ManualClock, beijing
from govbiz.domain import Actor, Role
from govbiz.ledger import Ledger
from govbiz.plugins import make_plugin_manager
from govbiz.reports.import_mapping import ImportSettings
from govbiz.reports.import_values import CodeStatus, read_code, read_day
from govbiz.reports.ledger_file import read_text_workbook
from govbiz.reports.ledger_import import ImportRejected, import_workbook
from tests.reports.county_ledgers import (
    CATEGORY_ALIASES,
    PENDING_ENTERPRISES,
    code,
    county_workbook,
    gbk_csv,
    merged_date_rows,
    problems_2023,
)

CITY = "430800"
ADMIN = Actor(id="admin", role=Role.ADMINISTRATOR, county=CITY)
COLLECTOR = Actor(id="tzb-1", role=Role.COLLECTOR, county=CITY)
ALIASES = ImportSettings(values={"category": CATEGORY_ALIASES})
VALUES = [f"category:{k}={v}" for k, v in CATEGORY_ALIASES.items()]
DEPARTMENTS = (
    ("430800-zgj", "张家界市自然资源和规划局", "市自规局"),
    ("430800-zjj", "张家界市住房和城乡建设局", "市住建局"),
    ("430800-rsj", "张家界市人力资源和社会保障局", "市人社局"),
    ("430800-jrb", "张家界市地方金融监督管理局", "市金融办"),
    ("430800-spj", "张家界市行政审批服务局", "市行政审批局"),
)


def _setup(ledger: Ledger) -> Ledger:
    ledger.handle(ADMIN, c.RegisterDivision(code=CITY, name="张家界市", level="city"))
    for key, name, short in DEPARTMENTS:
        ledger.handle(ADMIN, c.RegisterDepartment(code=key, name=name, short_name=short, county=CITY))
    return ledger


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    # 2026-12-03: the product must work on a day of 2026-2030, the 2023 ledger years later.
    clock = ManualClock(datetime(2026, 12, 3, 10, 0, tzinfo=beijing()))
    _setup(govbiz.open(url, clock=clock, plugin_manager=make_plugin_manager(load_entry_points=False)))
    return url


@pytest.fixture
def ledger(db: str) -> Ledger:
    clock = ManualClock(datetime(2026, 12, 3, 10, 0, tzinfo=beijing()))
    return govbiz.open(db, clock=clock, plugin_manager=make_plugin_manager(load_entry_points=False))


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "2023年问题台账.xlsx"
    path.write_bytes(county_workbook())
    return path


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


# --- 1. sheets -----------------------------------------------------------------------------


def test_the_visible_2023_sheet_is_read_not_the_hidden_2022_copy(ledger: Ledger) -> None:
    result = import_workbook(ledger, COLLECTOR, read_workbook(county_workbook(), "台账.xlsx"), county=CITY,
                             settings=ALIASES)  # fmt: skip
    assert (result.sheet, result.other_sheets) == ("2023年台账", ("2022年台账（隐藏）",))
    assert len(result.created) == 40
    titles = {p.title for p in ledger.problems(COLLECTOR)}
    assert titles == {p.title for p in problems_2023()} and not any("2022" in t for t in titles)


def test_a_hidden_sheet_is_read_only_when_named(ledger: Ledger) -> None:
    workbook = read_workbook(county_workbook(), "台账.xlsx")
    by_number = import_workbook(ledger, COLLECTOR, workbook, county=CITY, sheet=1, dry_run=True)
    by_name = import_workbook(ledger, COLLECTOR, workbook, county=CITY, sheet="2022年台账", dry_run=True)
    assert len(by_number.created) == len(by_name.created) == 6
    with pytest.raises(
        ImportRejected, match=r"没有名为「2024年台账」的工作表：1\. 2022年台账（隐藏）、2\. 2023年台账"
    ):
        workbook.choose("2024年台账")


def test_a_sheet_named_by_digits_is_found_by_name_first() -> None:
    from govbiz.reports.ledger_file import Sheet
    from govbiz.reports.ledger_file import Workbook as Book

    book = Book("x.xlsx", (Sheet("2022", ()), Sheet("2023", ())))
    assert (book.choose("2023").name, book.choose("1").name, book.choose(2).name) == ("2023", "2022", "2023")


def test_a_file_over_the_size_limit_is_refused_unread(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import govbiz.reports.ledger_file as files

    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1024 * 1024)
    path = tmp_path / "大.csv"
    path.write_bytes(b"x" * (2 * 1024 * 1024))
    status, output = run("import", path, "--db", db, "--county", CITY, "--dry-run")
    assert status == 1 and "有 2 MB，超过 1 MB 的上限，未读取" in output, output


def test_the_first_visible_sheet_when_the_active_one_is_hidden() -> None:
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "旧"
    book.create_sheet("封面")
    book.create_sheet("台账")
    first.sheet_state = "hidden"
    book.active = 0
    out = io.BytesIO()
    book.save(out)
    assert read_workbook(out.getvalue(), "x.xlsx").choose().name == "封面"


def test_the_cli_names_the_sheet_read_and_the_others(db: str, book: Path) -> None:
    status, output = run("import", book, "--db", db, "--county", CITY, "--dry-run", *_values())
    assert status == 0, output
    assert "读取工作表「2023年台账」（其他工作表：2022年台账（隐藏）），表头在第3–4行" in output
    assert "would import 40 problem(s)" in output
    status, output = run("import", book, "--db", db, "--county", CITY, "--dry-run", "--sheet", "2022年台账")
    assert status == 0 and "would import 6 problem(s)" in output, output


def _values() -> list[str]:
    return [arg for v in VALUES for arg in ("--value", v)]


# --- 2. layout -----------------------------------------------------------------------------


def test_title_section_total_and_signature_rows_are_skipped_and_listed(db: str, book: Path) -> None:
    status, output = run("import", book, "--db", db, "--county", CITY, "--dry-run", *_values())
    assert status == 0, output
    assert "跳过 8 行（不是问题行）：" in output
    for line in ("第1行：标题行", "第5行：分类标题行（一、土地规划类（10件））", "第53行：合计行（合计）",
                 "第54行：落款行（填表人：张三）"):  # fmt: skip
        assert f"  {line}" in output
    assert "ignored columns: 序号、办理结果" in output


def test_merged_enterprise_and_date_cells_fill_down(ledger: Ledger) -> None:
    result = import_workbook(ledger, COLLECTOR, read_workbook(county_workbook(), "台账.xlsx"), county=CITY,
                             settings=ALIASES)  # fmt: skip
    rows = dict(result.created)
    problems = {p.id: p for p in ledger.problems(COLLECTOR)}
    first, second = (problems[str(rows[n])] for n in merged_date_rows())
    assert first.enterprise_id == second.enterprise_id  # the name cell is merged over both
    assert second.collected_at == first.collected_at == datetime(2023, 1, 1, 12, tzinfo=beijing())
    assert len({p.enterprise_id for p in problems.values()}) == 20


def test_the_gbk_csv_imports_the_same_problems(ledger: Ledger) -> None:
    result = import_workbook(ledger, COLLECTOR, read_text_workbook(gbk_csv(), "台账.csv"), county=CITY,
                             settings=ALIASES)  # fmt: skip
    assert result.header_rows == (2,) and len(result.created) == 40
    assert len(result.pending) == 2 * PENDING_ENTERPRISES


# --- 3. headers ----------------------------------------------------------------------------


def test_common_header_variants_and_the_countys_own(ledger: Ledger) -> None:
    rows = (("企业名称（全称）", "信用代码", "问题", "类别", "来源", "反映时间", "承办单位"),
            ("甲公司", code(1), "用地难", "融资", "座谈会", "2023/3/29", "市自规局"))  # fmt: skip
    result = _import(ledger, rows)
    assert result.departments == ((2, "430800-zgj", ()),)
    own = (
        ("单位", "代码", "诉求事项", "类别", "来源", "日期"),
        ("甲公司", code(1), "贷款难", "融资", "座谈会", "2023-03-29"),
    )
    with pytest.raises(ImportRejected, match="找不到含「企业名称」和「问题」的表头行"):
        _import(ledger, own)
    settings = ImportSettings.parse(columns=["单位=enterprise_name", "诉求事项=title"])
    assert len(_import(ledger, own, settings).created) == 1


def _import(ledger: Ledger, rows: tuple[tuple[object, ...], ...], settings: ImportSettings | None = None,
            **kwargs: object) -> object:  # fmt: skip
    from govbiz.reports.ledger_file import Sheet
    from govbiz.reports.ledger_file import Workbook as Book

    book = Book("台账.xlsx", (Sheet("Sheet1", tuple(tuple(r) for r in rows)),))  # type: ignore[misc]
    return import_workbook(ledger, COLLECTOR, book, county=CITY, settings=settings, **kwargs)  # type: ignore[arg-type]


# --- 4. values -----------------------------------------------------------------------------


def test_category_aliases_from_the_option_or_the_countys_configuration(
    db: str, book: Path, tmp_path: Path
) -> None:
    status, output = run("import", book, "--db", db, "--county", CITY, "--dry-run")
    assert status == 1
    first = next(line.strip() for line in output.splitlines() if line.strip().startswith("第6行"))
    assert first.startswith("第6行 E列「问题类别」：'土地规划类' 不是本县的类别；可选 土地规划、融资、审批")
    assert first.endswith('其他，或用 --value "category:土地规划类=…" 设别名')
    assert "Traceback" not in output
    # The county's configuration may keep the aliases instead.
    config = tmp_path / "county.toml"
    entries = ", ".join(f'{{ name = "{v}", aliases = ["{k}"] }}' for k, v in CATEGORY_ALIASES.items())
    config.write_text(f'categories = [{entries}, "其他"]\n\n[[divisions]]\ncode = "430800"\nname = "张家界市"\n',  # noqa: E501
                      encoding="utf-8")  # fmt: skip
    applied = CliRunner().invoke(main, ["county", "apply", str(config), "--db", db])
    if applied.exit_code != 0:
        pytest.fail(applied.output)
    status, output = run("import", book, "--db", db, "--county", CITY, "--dry-run")
    assert status == 0 and "would import 40 problem(s)" in output, output


def test_departments_by_short_name_lead_and_co_handler(ledger: Ledger) -> None:
    result = import_workbook(ledger, COLLECTOR, read_workbook(county_workbook(), "台账.xlsx"), county=CITY,
                             settings=ALIASES, dry_run=True)  # fmt: skip
    handlers = {row: (lead, co) for row, lead, co in result.departments}
    assert handlers[6] == ("430800-zgj", ())
    assert handlers[7] == ("430800-zjj", ("430800-zgj",))  # 市住建局、市自规局
    assert not result.warnings


def test_a_default_for_a_missing_column_and_a_mapping_file_kept(db: str, tmp_path: Path) -> None:
    path = tmp_path / "台账.csv"
    path.write_text(f"企业名称,统一社会信用代码,反映问题,类别,收集日期\n甲公司,{code(1)},用地难,土地规划类,2023.3.31\n",
                    encoding="utf-8")  # fmt: skip
    status, output = run("import", path, "--db", db, "--county", CITY, "--dry-run")
    assert status == 1 and "缺少列 「来源」" in output, output
    mapping = tmp_path / "本县映射.toml"
    status, output = run("import", path, "--db", db, "--county", CITY, "--dry-run", "--default", "source=接待日现场",  # noqa: E501
                         "--value", "category:土地规划类=土地规划", "--mapping", mapping)  # fmt: skip
    assert status == 0 and "would import 1 problem(s)" in output, output
    kept = ImportSettings.load(mapping)
    assert kept.defaults == {"source": "接待日现场"} and kept.values == {
        "category": {"土地规划类": "土地规划"}
    }
    status, output = run("import", path, "--db", db, "--county", CITY, "--mapping", mapping)  # next time
    assert status == 0 and "imported 1 problem(s)" in output, output
    problem = govbiz.open(db).problems(COLLECTOR)[0]
    assert (problem.source, problem.category) == ("接待日现场", "土地规划")


# --- 5. dates ------------------------------------------------------------------------------


def test_eleven_date_styles_are_read(ledger: Ledger) -> None:
    result = import_workbook(ledger, COLLECTOR, read_workbook(county_workbook(), "台账.xlsx"), county=CITY,
                             settings=ALIASES)  # fmt: skip
    by_title = {p.title: p for p in ledger.problems(COLLECTOR)}
    expected = {p.title: p.expected_day for p in problems_2023()}
    expected[problems_2023()[1].title] = problems_2023()[0].expected_day  # the merged date cell
    assert {t: p.collected_at.date() for t, p in by_title.items()} == expected
    assert len(result.created) == 40


@pytest.mark.parametrize(("cell", "day"), [
    ("2023.3.31", date(2023, 3, 31)), ("2023年3月31日", date(2023, 3, 31)), ("2023/3/29", date(2023, 3, 29)),
    ("20230331", date(2023, 3, 31)), ("２０２３年３月３１日", date(2023, 3, 31)), (45016, date(2023, 3, 31)),
    (datetime(2023, 3, 31, 9, 30), date(2023, 3, 31)), ("3月31日", date(2023, 3, 31)), ("23.3.31", date(2023, 3, 31)),  # noqa: E501
    ("2023-03-31 10:00", date(2023, 3, 31)), (20230331, date(2023, 3, 31)),
])  # fmt: skip
def test_a_date_in_every_style(cell: object, day: date) -> None:
    assert read_day(cell, year=2023, latest=date(2023, 12, 31)).day == day  # type: ignore[arg-type]


def test_implausible_dates_are_refused_with_the_cell_shown(ledger: Ledger) -> None:
    rows = (("2023年台账",), ("企业名称", "统一社会信用代码", "问题", "问题类别", "来源", "收集日期"),
            ("甲公司", code(1), "一", "融资", "座谈会", datetime(1900, 1, 14)),
            ("乙公司", code(2), "二", "融资", "座谈会", "1999-12-31"),
            ("丙公司", code(3), "三", "融资", "座谈会", "2024-01-02"),
            ("丁公司", code(4), "四", "融资", "座谈会", "3月32日"))  # fmt: skip
    with pytest.raises(ImportRejected) as caught:
        _import(ledger, rows)
    lines = str(caught.value).splitlines()[1:]
    assert lines == [
        "  第3行 F列「收集日期」：'1900-01-14' 是 Excel 把数字 15 当成日期显示的 1900-01-14，不是收集日期；请填写实际日期",  # noqa: E501
        "  第4行 F列「收集日期」：'1999-12-31' 早于 2000-01-01，不可能是收集日期",
        "  第5行 F列「收集日期」：'2024-01-02' 晚于台账的年份 2023年，不可能是收集日期",
        "  第6行 F列「收集日期」：'3月32日' 没有 2023年3月32日 这一天",
    ]
    without_year = (rows[1], ("甲公司", code(1), "一", "融资", "座谈会", "3月31日"))
    with pytest.raises(ImportRejected, match="没有年份；用 --year 指定"):
        _import(ledger, without_year)
    assert len(_import(ledger, without_year, ImportSettings(year=2023)).created) == 1  # type: ignore[attr-defined]


# --- 6. credit codes -----------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "status"), [
    ("９１４３０８００ＭＡ４Ｍ００００１９", CodeStatus.VALID), ("914308 00MA4M\n00002C", CodeStatus.VALID),
    (code(3).lower(), CodeStatus.VALID), ("无", CodeStatus.MISSING), ("/", CodeStatus.MISSING), (None, CodeStatus.MISSING),  # noqa: E501
    (9.14308009935633e17, CodeStatus.TRUNCATED), ("9.14308E+17", CodeStatus.TRUNCATED),
    ("914308009935630000", CodeStatus.TRUNCATED), (code(7)[:17] + "0", CodeStatus.INVALID),
])  # fmt: skip
def test_credit_codes_normalised_or_named(cell: object, status: CodeStatus) -> None:
    reading = read_code(cell)  # type: ignore[arg-type]
    assert reading.status is status
    if status is CodeStatus.VALID:
        assert len(reading.code) == 18 and reading.code == reading.code.upper()


def test_a_bad_code_registers_the_enterprise_as_pending(ledger: Ledger, db: str, book: Path) -> None:
    result = import_workbook(ledger, COLLECTOR, read_workbook(county_workbook(), "台账.xlsx"), county=CITY,
                             settings=ALIASES)  # fmt: skip
    pending = [e for e in ledger.records(COLLECTOR, "enterprise") if e.pending]
    assert sorted(e.code_as_written for e in pending) == [
        "/",
        "9.14308009935633E+17",
        "91430800MA4M000070",
        "无",
    ]
    assert all(e.credit_code == "" for e in pending)
    assert [str(e) for e in result.pending][4] == (
        "第18行 C列「统一社会信用代码」：'9.14308009935633E+17' 被 Excel 当成数字截断为 15 位有效数字，原代码已丢失；"  # noqa: E501
        "请把该列设为文本后重新填写；企业登记为待核实"
    )
    again = import_workbook(ledger, COLLECTOR, read_workbook(county_workbook(), "台账.xlsx"), county=CITY,
                            settings=ALIASES)  # fmt: skip
    assert again.created == () and len(again.matched) == 40  # 待核实 enterprises matched by name
    status, output = run(
        "import", book, "--db", db, "--county", CITY, "--dry-run", "--strict-codes", *_values()
    )
    assert status == 1 and "8 处错误" in output and "（--strict-codes）" in output, output


# --- 8. long problem texts ----------------------------------------------------------------

LONG = (
    "企业厂房扩建项目用地报批已提交三个月，至今未获批复，影响二期投产；"
    "请求市自规局加快审批并明确时限，协调解决用地指标不足问题"
)


def test_a_long_problem_text_is_kept_whole_with_a_title_cut_at_a_clause(ledger: Ledger) -> None:
    rows = (("企业名称", "统一社会信用代码", "企业反映问题", "问题类别", "来源", "收集日期"),
            ("甲公司", code(1), LONG, "融资", "座谈会", "2023-03-29"),
            ("乙公司", code(2), "贷款难\n抵押物不足", "融资", "座谈会", "2023-03-29"))  # fmt: skip
    _import(ledger, rows)
    again = _import(ledger, rows)
    assert len(again.matched) == 2  # type: ignore[attr-defined]
    problems = {p.title: p for p in ledger.problems(COLLECTOR)}
    assert set(problems) == {"企业厂房扩建项目用地报批已提交三个月，至今未获批复，影响二期投产", "贷款难"}
    assert problems["企业厂房扩建项目用地报批已提交三个月，至今未获批复，影响二期投产"].description == LONG
    assert problems["贷款难"].description == "贷款难\n抵押物不足"


def test_an_imported_problem_exists_from_its_collection_day(db: str, ledger: Ledger, book: Path) -> None:
    status, output = run("import", book, "--db", db, "--county", CITY, *_values())
    assert status == 0, output
    problem = next(p for p in ledger.problems(COLLECTOR) if p.title == problems_2023()[0].title)
    [collected] = [e for e in ledger.history(COLLECTOR, problem.id) if e.kind == "collect"]
    assert collected.occurred_at.year >= 2026  # recorded when imported (today), not backdated
    where = [collected.payload[f"imported_{part}"] for part in ("file", "sheet", "row")]
    assert where == [book.name, "2023年台账", 6]
    rows = {}
    for as_of in ("2022-12-31", "2023-06-30", "2023-12-31"):
        status, text = run("export", "--db", db, "--county", CITY, "--as-of", as_of, "--format", "csv")
        assert status == 0, text
        rows[as_of] = len(text.splitlines()) - 1
    expected = sum(1 for p in problems_2023() if p.expected_day <= date(2023, 6, 30))
    assert rows == {"2022-12-31": 0, "2023-06-30": expected, "2023-12-31": 40}


def test_a_problem_collected_late_by_hand_still_counts_from_when_it_was_entered(ledger: Ledger) -> None:
    from govbiz.metrics.asof import effective_at, problem_as_of

    registered = c.RegisterEnterprise(county=CITY, name="甲公司", credit_code=code(1))
    enterprise = ledger.handle(COLLECTOR, registered)
    problem = ledger.handle(COLLECTOR, c.CollectProblem(
        enterprise_id=enterprise.id, title="用地难", category="融资", source="座谈会",
        collected_at=datetime(2026, 11, 2, tzinfo=beijing())))  # fmt: skip
    [event] = ledger.history(COLLECTOR, problem.id)
    assert effective_at(event) == event.occurred_at  # not imported: figures for past dates do not change
    assert problem_as_of([event], datetime(2026, 11, 30, tzinfo=beijing())) is None


# --- 8. two imports at once ---------------------------------------------------------------


def import_twice_at_once(
    open_ledger: Callable[[], Ledger], workbook: object, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """Two imports of one workbook on two ledgers of one database, each pausing after it matched."""
    import threading
    import time

    import govbiz.reports.ledger_import as importer

    matched = importer._existing

    def slow(*args: object, **kwargs: object) -> object:
        found = matched(*args, **kwargs)  # type: ignore[arg-type]
        time.sleep(0.4)  # the other import reads the ledger meanwhile, unless it waits for this one
        return found

    monkeypatch.setattr(importer, "_existing", slow)
    results: list[str] = []

    def run_one() -> None:
        result = import_workbook(open_ledger(), COLLECTOR, workbook, county=CITY, settings=ALIASES)  # type: ignore[arg-type]
        results.append(result.summary())

    threads = [threading.Thread(target=run_one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(results)


def test_two_imports_at_once_register_nothing_twice(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    workbook = read_workbook(county_workbook(), "台账.xlsx")
    opener = functools.partial(govbiz.open, db, plugin_manager=make_plugin_manager(load_entry_points=False))
    results = import_twice_at_once(opener, workbook, monkeypatch)
    assert results == [
        "台账.xlsx: imported 0 problem(s), 40 already in the ledger (unchanged), 0 new enterprise(s)",
        "台账.xlsx: imported 40 problem(s), 0 already in the ledger (unchanged), 20 new enterprise(s)",
    ]
    ledger = govbiz.open(db)
    assert len(ledger.problems(COLLECTOR)) == 40 and len(ledger.records(COLLECTOR, "enterprise")) == 20


def test_two_govbiz_import_processes_at_once(db: str, book: Path) -> None:
    govbiz_cli = str(Path(sys.executable).with_name("govbiz"))
    command = [govbiz_cli, "import", str(book), "--db", db, "--county", CITY, *_values()]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    runs = [subprocess.Popen(command, text=True, **pipes) for _ in "12"]  # type: ignore[call-overload]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert sorted("imported 40 problem(s)" in out for out, _ in outputs) == [False, True], outputs
    ledger = govbiz.open(db)
    assert len(ledger.problems(COLLECTOR)) == 40 and len(ledger.records(COLLECTOR, "enterprise")) == 20


# --- 7. errors and hostile files -----------------------------------------------------------


def test_errors_as_json(db: str, book: Path) -> None:
    result = CliRunner().invoke(main, ["import", str(book), "--db", db, "--county", CITY, "--json"])
    assert result.exit_code == 1
    errors = json.loads(result.stdout)["errors"]
    assert len(errors) == 40
    assert errors[0] | {"reason": ""} == {
        "row": 6, "letter": "E", "column": "问题类别", "value": "土地规划类", "reason": "", "message": errors[0]["message"],  # noqa: E501
    }  # fmt: skip


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"0" * (1024 * 1024)
            for _ in range(210):
                member.write(chunk)
    return out.getvalue()


@pytest.mark.parametrize(("name", "content", "said"), [
    ("台账.txt", "企业名称\t问题\r\n甲公司\t用地难\r\n".encode("utf-16"), "缺少列"),  # Excel's Unicode text
    ("台账.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "不是表格文件"),  # a renamed picture
    ("台账.xlsx", b"PK\x03\x04" + b"\x00" * 100, "zip 已损坏"),
    ("台账.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "不是可读的xls 工作簿"),
    ("台账.xlsx", _zip_bomb(), "超过 24 MB 的上限"),
    ("台账.csv", ("企业名称,问题,问题类别,来源,收集日期\n甲公司," + "长" * 40000 + ",融资,座谈会,2023-3-1\n").encode(),  # noqa: E501
     "超过单元格上限 32767"),
])  # fmt: skip
def test_no_file_gives_a_traceback(db: str, tmp_path: Path, name: str, content: bytes, said: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = CliRunner().invoke(main, ["import", str(path), "--db", db, "--county", CITY, "--dry-run"])
    assert result.exit_code == 1, result.output
    assert said in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_xls_and_ods_are_read(tmp_path: Path) -> None:
    source = tmp_path / "台账.xlsx"
    source.write_bytes(county_workbook())
    for suffix in ("xls", "ods"):
        subprocess.run(["libreoffice", "--headless", "--convert-to", suffix, "--outdir", str(tmp_path), str(source)],  # noqa: E501
                       check=True, capture_output=True, timeout=180)  # fmt: skip
        workbook = read_workbook((tmp_path / f"台账.{suffix}").read_bytes(), f"台账.{suffix}")
        assert [(s.name, s.hidden) for s in workbook.sheets] == [("2022年台账", True), ("2023年台账", False)]
        rows = workbook.sheets[1].rows
        assert rows[6][1] == "张家界01号有限公司"  # row 7: filled down from the merged cell
        assert rows[6][6] == date(2023, 1, 1)  # the merged date cell
        assert rows[4][3] == "一、土地规划类（10件）"  # the section row, merged across
