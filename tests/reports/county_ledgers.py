"""Ledgers built the way county clerks keep them (test helper; the workbooks are made here, not committed).

`county_workbook()` is a 2023 ledger as a county office keeps it in Excel:

* first sheet: a hidden copy of last year's ledger (6 rows, 2022);
* second sheet, the active one: a title row merged across, a line for the
  filling unit, a two-row header with merged group headers (企业信息 over
  企业名称（全称） and 统一社会信用代码, 办理情况 over 责任单位 and 办理结果),
  section rows (一、土地规划类（10件）), spacer rows, a 合计 row and a
  填表人/审核人 row; an enterprise's cell merged over its consecutive
  problems, and a date cell merged over two rows; eleven date styles;
  categories written 土地规划类 (aliases needed); short department names,
  "市自规局、市住建局" for a lead and a co-handler; credit codes full-width,
  with spaces and line breaks, in lower case, one 无, one /, one cut by Excel
  to 15 digits, one with a wrong check character.

`gbk_csv()` is the same 40 problems as Excel on Chinese Windows saves a CSV (GBK, CRLF, no BOM).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import attrs
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from govbiz.domain.credit_code import check_character

CATEGORIES = (("土地规划类", 10), ("融资类", 10), ("审批服务类", 10), ("用工类", 10))
#: The aliases the file's categories need.
CATEGORY_ALIASES = {"土地规划类": "土地规划", "融资类": "融资", "审批服务类": "审批", "用工类": "用工"}
SOURCES = ("调研走访", "座谈会", "企业自报", "恳谈会")
DEPARTMENTS = ("市自规局", "市住建局、市自规局", "市人社局", "市金融办", "市行政审批局")


def code(n: int) -> str:
    """A valid credit code (the n-th enterprise's)."""
    body = f"91430800MA4M{n:05d}"
    return body + check_character(body)


@attrs.frozen
class Problem:
    """One problem row as the clerk typed it (the cell values, not what govbiz reads)."""

    enterprise: str
    code_cell: object
    title: str
    category: str
    source: str
    date_cell: object
    department: str
    expected_day: date


def _date_styles(n: int, day: date) -> object:
    """The n-th of the eleven styles a clerk types a date in."""
    full = str.maketrans("0123456789.", "０１２３４５６７８９．")
    styles: list[object] = [
        datetime(day.year, day.month, day.day),  # a date cell
        (day - date(1899, 12, 30)).days,  # an Excel serial number
        f"{day.year}.{day.month}.{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}{day.month:02d}{day.day:02d}",
        f"{day.year}.{day.month}.{day.day}".translate(full),
        f"{day.month}月{day.day}日",  # no year: the title's 2023年
        f"{day.isoformat()} 09:30",
        f"{day.year}-{day.month}-{day.day}",
        f"{day.month}.{day.day}",  # no year, dotted
    ]
    return styles[n % len(styles)]


def _code_cell(n: int) -> object:
    """The enterprise's code cell: mostly valid, some as clerks mistype or Excel mangles them."""
    good = code(n)
    odd: dict[int, object] = {
        1: good.translate(str.maketrans("0123456789MA", "０１２３４５６７８９ＭＡ")),  # full-width
        2: f"{good[:6]} {good[6:12]}\n{good[12:]}",  # spaces and an Alt+Enter
        3: good.lower(),
        4: "无",
        5: "/",
        6: 9.14308009935633e17,  # typed as a number: Excel kept 15 significant digits
        7: good[:17] + ("0" if good[17] != "0" else "1"),  # a wrong check character
    }
    return odd.get(n, good)


def problems_2023() -> list[Problem]:
    """The 40 problems of the 2023 sheet, in order."""
    found = []
    n = 0
    for category, count in CATEGORIES:
        for _ in range(count):
            enterprise = n // 2 + 1  # two problems per enterprise: its name cell is merged over both
            day = date(2023, 1 + n % 12, 1 + (n * 7) % 28)
            found.append(Problem(
                f"张家界{enterprise:02d}号有限公司", _code_cell(enterprise), f"{category}问题{n + 1:02d}",
                category, SOURCES[n % len(SOURCES)], _date_styles(n, day), DEPARTMENTS[n % len(DEPARTMENTS)], day,  # noqa: E501
            ))  # fmt: skip
            n += 1
    return found


PENDING_ENTERPRISES = 4  # 无, /, cut by Excel, wrong check character (enterprises 4 to 7)

HEADER_TOP = (
    "序号",
    "企业信息",
    "企业信息",
    "企业反映问题",
    "问题类别",
    "问题来源",
    "收集时间",
    "办理情况",
    "办理情况",
)
HEADER_SUB = ("序号", "企业名称（全称）", "统一社会信用代码", "企业反映问题", "问题类别", "问题来源", "收集时间",  # noqa: E501
              "责任单位", "办理结果")  # fmt: skip


def _write_2023(sheet: Worksheet) -> None:
    width = len(HEADER_SUB)
    sheet.append(["2023年张家界市政企面对面暨企业家接待日问题台账"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.append(["填报单位：市委统战部（盖章）", None, None, None, None, None, "填报时间：2024年1月5日"])
    sheet.append(list(HEADER_TOP))
    sheet.append(list(HEADER_SUB))
    for col in (1, 4, 5, 6, 7):  # single-column headers span both header rows
        sheet.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    sheet.merge_cells("B3:C3")
    sheet.merge_cells("H3:I3")
    problems = problems_2023()
    number = 0
    for category, count in CATEGORIES:
        sheet.append([f"{'一二三四'[CATEGORIES.index((category, count))]}、{category}（{count}件）"])
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=width)
        for problem in problems[number : number + count]:
            first_of_enterprise = number % 2 == 0
            sheet.append([
                number + 1, problem.enterprise if first_of_enterprise else None,
                problem.code_cell if first_of_enterprise else None, problem.title, problem.category,
                problem.source, problem.date_cell, problem.department, "办理中",
            ])  # fmt: skip
            if not first_of_enterprise:  # the enterprise's name and code are merged over its two problems
                row = sheet.max_row
                sheet.merge_cells(start_row=row - 1, start_column=2, end_row=row, end_column=2)
                sheet.merge_cells(start_row=row - 1, start_column=3, end_row=row, end_column=3)
            number += 1
        sheet.append([])  # a spacer row
    # Two problems heard on one day: the clerk merged their date cells.
    first, second = merged_date_rows()
    sheet.cell(row=second, column=7).value = None
    sheet.merge_cells(start_row=first, start_column=7, end_row=second, end_column=7)
    sheet.append(["合计", None, None, f"{len(problems)}件"])
    sheet.append(["填表人：张三", None, None, "审核人：李四", None, None, "联系电话：0744-8223456"])


def merged_date_rows() -> tuple[int, int]:
    """The rows whose date cells are merged (the second shows the first's date)."""
    return (6, 7)  # title, unit, two header rows, a section row: the first two problems


def _write_2022(sheet: Worksheet) -> None:
    sheet.append(["企业名称", "统一社会信用代码", "问题", "问题类别", "来源", "收集日期"])
    for n in range(6):
        sheet.append(
            [
                f"张家界旧{n}号公司",
                code(500 + n),
                f"2022年问题{n}",
                "融资",
                "座谈会",
                datetime(2022, 5, n + 1),
            ]
        )


def county_workbook() -> bytes:
    """The 2023 ledger workbook: a hidden 2022 sheet first, the 2023 sheet active."""
    book = Workbook()
    old = book.active
    assert old is not None
    old.title = "2022年台账"
    _write_2022(old)
    current = book.create_sheet("2023年台账")
    _write_2023(current)
    old.sheet_state = "hidden"
    book.active = 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def gbk_csv() -> bytes:
    """The 40 problems as a CSV saved by Excel on Chinese Windows: GBK, CRLF, a title row, no BOM."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["2023年问题台账"])
    writer.writerow(HEADER_SUB)
    for n, problem in enumerate(problems_2023(), start=1):
        day = problem.date_cell
        if isinstance(day, datetime):
            day = f"{day.year}/{day.month}/{day.day}"  # Excel writes a date cell as shown
        cell = problem.code_cell
        if isinstance(cell, float):
            cell = "9.14308E+17"  # what Excel writes for the number it shows so
        writer.writerow([n, problem.enterprise, cell, problem.title, problem.category, problem.source, day,
                         problem.department, ""])  # fmt: skip
    return out.getvalue().encode("gbk")
