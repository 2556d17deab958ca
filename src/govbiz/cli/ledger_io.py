"""`govbiz import` and `govbiz export`: the problem ledger (问题台账) in and out of spreadsheets."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from govbiz.cli.options import (
    as_of_option,
    county_option,
    db_option,
    echo_json,
    govbiz_errors,
    json_option,
    open_existing,
)
from govbiz.cli.report import format_option, out_option, pick_format, resolve_county, write_output

if TYPE_CHECKING:
    from govbiz.reports.ledger_file import Workbook
    from govbiz.reports.ledger_import import ImportRejected, ImportResult

__all__ = ["export_command", "import_command"]


@click.command("export")
@format_option("xlsx")
@out_option
@db_option
@county_option
@as_of_option
@govbiz_errors
def export_command(
    *, format_name: str | None, out: str | None, db: str | None, county: str | None, as_of: datetime | None
) -> None:
    """Write the problem ledger: a row per problem, with a summary by department and category.

    xlsx needs the govbiz-xlsx plugin; csv, json, markdown and html are built in.
    """
    from govbiz.domain import Actor, Role
    from govbiz.reports.ledger_table import build_ledger_report

    fmt = pick_format(format_name, out, "xlsx")
    ledger = open_existing(db)
    county = resolve_county(ledger, county)
    actor = Actor(id="cli-export", role=Role.VIEWER, county=county)
    report = build_ledger_report(ledger, actor, as_of=as_of or ledger.clock.now(), county=county)
    write_output(fmt, report, out)
    if fmt.name == "csv":
        from govbiz.reports.csv_format import digit_only_warning

        warning = digit_only_warning(report)
        if warning:
            click.echo(warning, err=True)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
@county_option
@click.option(
    "--sheet", metavar="NAME|N", default=None,
    help="The sheet to read (its name, or its number from 1). Default: the active sheet if visible, "
    "else the first visible one; a hidden sheet is read only when named.",
)  # fmt: skip
@click.option(
    "--column",
    "columns",
    metavar="HEADER=FIELD",
    multiple=True,
    help="Map another header to a field (repeat), e.g. 反映问题=title. Fields: "
    "enterprise_name, credit_code, title, description, category, source, collected_on, "
    "lead_department, co_departments; history: assigned_on, progress, progress_on, result, "
    "completed_on, closure, satisfaction, visited_on.",
)
@click.option(
    "--value", "values", metavar="FIELD:AS WRITTEN=OURS", multiple=True,
    help="An alias for a value (repeat), e.g. category:土地规划类=土地规划; "
    "fields category, source, department.",
)  # fmt: skip
@click.option(
    "--default", "defaults", metavar="FIELD=VALUE", multiple=True,
    help="A value for a column the file lacks (repeat), e.g. source=接待日现场.",
)  # fmt: skip
@click.option("--year", type=int, default=None, help="The year of dates written without one (3月31日).")
@click.option(
    "--mapping", "mapping_file", metavar="FILE.toml", type=click.Path(dir_okay=False, path_type=Path),
    help="Read the county's mapping (columns, values, defaults, sheet, year) from FILE, and keep the "
    "options given here in it for next time.",
)  # fmt: skip
@click.option(
    "--strict-codes", is_flag=True,
    help="Refuse a row whose credit code is missing or wrong (default: register the enterprise as 待核实).",
)  # fmt: skip
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check every row and say what would be imported and skipped; store nothing.",
)
@click.option(
    "--actor", default="cli-import", show_default=True, help="Collector id recorded in the audit trail."
)
@json_option
@govbiz_errors
def import_command(
    *,
    file: Path,
    db: str | None,
    county: str | None,
    sheet: str | None,
    columns: tuple[str, ...],
    values: tuple[str, ...],
    defaults: tuple[str, ...],
    year: int | None,
    mapping_file: Path | None,
    strict_codes: bool,
    dry_run: bool,
    actor: str,
    as_json: bool,
) -> None:
    """Import an existing ledger (.xlsx, .xls, .ods or .csv) as the county keeps it: all rows or none.

    The sheet a clerk sees is read; title, section, 合计 and 填表人 rows are
    skipped, merged cells filled.  Every bad cell is reported with its row,
    column letter, header and value, and then nothing is stored (exit
    status 1).  With a 交办时间 column, each row's 交办, 办理进度, 是否办结
    (是/否/长期), 办结时间 and 回访 become the problem's history, dated as the
    file dates them.  Rows already imported are matched (same enterprise,
    problem, description and collection day) and left alone; each cell of
    theirs that differs from what was imported is listed (nothing changes).
    """
    import govbiz
    from govbiz.domain import Actor, Role
    from govbiz.reports.import_mapping import ImportSettings
    from govbiz.reports.ledger_import import ImportRejected, import_workbook

    given = ImportSettings.parse(columns=columns, values=values, defaults=defaults, sheet=sheet, year=year)
    settings = given.over(ImportSettings.load(mapping_file)) if mapping_file else given
    try:
        workbook = _workbook(file)
        ledger = open_existing(db) if dry_run else govbiz.open(db)  # a dry run stores nothing, nor a file
        county = resolve_county(ledger, county)
        result = import_workbook(
            ledger, Actor(id=actor, role=Role.COLLECTOR, county=county), workbook, county=county,
            settings=settings, dry_run=dry_run, strict_codes=strict_codes,
        )  # fmt: skip
    except ImportRejected as rejected:
        if not as_json:
            raise
        _echo_rejected(rejected, dry_run)
        raise SystemExit(1) from None
    if mapping_file is not None and settings != ImportSettings.load(mapping_file):
        mapping_file.write_text(settings.to_toml(), encoding="utf-8")
        if not as_json:
            click.echo(f"映射已保存到 {mapping_file}（下次用 --mapping {mapping_file.name}）", err=True)
    if as_json:
        echo_json({
            "source": result.source, "sheet": result.sheet, "other_sheets": list(result.other_sheets),
            "dry_run": result.dry_run, "header_row": result.header_row,
            "header_rows": list(result.header_rows),
            "created": [{"row": r, "problem_id": p} for r, p in result.created],
            "matched": [{"row": r, "problem_id": p} for r, p in result.matched],
            "enterprises_registered": list(result.enterprises_registered),
            "ignored_columns": list(result.ignored_columns),
            "skipped": [{"row": s.row, "reason": s.reason} for s in result.skipped],
            "pending": [e.to_dict() for e in result.pending],
            "departments": [
                {"row": r, "lead": lead, "co_handlers": list(co)} for r, lead, co in result.departments
            ],
            "histories": [{"row": r, "closure": closure} for r, closure in result.histories],
            "differences": [d.to_dict() for d in result.differences],
            "warnings": [str(w) for w in result.warnings], "errors": [],
        })  # fmt: skip
        return
    _echo_result(result)


def _echo_result(result: ImportResult) -> None:
    others = f"（其他工作表：{'、'.join(result.other_sheets)}）" if result.other_sheets else ""
    rows = "–".join(str(n) for n in (result.header_rows[0], result.header_rows[-1])) if len(
        result.header_rows) > 1 else str(result.header_row)  # fmt: skip
    click.echo(f"读取工作表「{result.sheet}」{others}，表头在第{rows}行")
    click.echo(result.summary())
    if result.ignored_columns:
        click.echo(f"ignored columns: {'、'.join(result.ignored_columns)}")
    if result.skipped:
        click.echo(f"跳过 {len(result.skipped)} 行（不是问题行）" + ("：" if result.dry_run else ""))
        for skipped in result.skipped if result.dry_run else ():
            click.echo(f"  {skipped}")
    if result.pending:
        click.echo(f"待核实企业 {len(result.pending)} 行（统一社会信用代码需补正）：")
        for pending in result.pending:
            click.echo(f"  {pending}")
    if result.differences:
        rows_differing = len({d.row for d in result.differences})
        click.echo(f"与已导入内容不同 {len(result.differences)} 处（{rows_differing} 行；未更改）：")
        for difference in result.differences:
            click.echo(f"  {difference}")
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)


def _echo_rejected(rejected: ImportRejected, dry_run: bool) -> None:
    """The refusal as JSON (a script reading `--json` gets the reasons, not an empty output)."""
    echo_json({
        "source": rejected.source, "dry_run": dry_run, "imported": False, "created": [], "matched": [],
        "errors": [e.to_dict() for e in rejected.errors],
    })  # fmt: skip


def _workbook(file: Path) -> Workbook:
    """FILE's sheets, told by content (a renamed file is read for what it is), or `ImportRejected`."""
    from govbiz.plugins import report_formats
    from govbiz.ports.report_format import WorkbookReader
    from govbiz.reports.import_errors import ImportRejected, RowError
    from govbiz.reports.ledger_file import MAX_FILE_BYTES, file_kind, read_text_workbook

    size = file.stat().st_size
    if size > MAX_FILE_BYTES:
        reason = f"有 {size // (1024 * 1024)} MB，超过 {MAX_FILE_BYTES // (1024 * 1024)} MB 的上限，未读取"
        raise ImportRejected(file.name, [RowError(None, "", reason)])
    data = file.read_bytes()
    kind = file_kind(data)
    if kind == "text":
        return read_text_workbook(data, file.name)
    readers = [f for f in report_formats().values() if isinstance(f, WorkbookReader)]
    if not readers:
        reason = f"是 {kind} 工作簿，需要 govbiz-xlsx 插件才能读取（pip install govbiz-xlsx），或另存为 CSV"
        raise ImportRejected(file.name, [RowError(None, "", reason)])
    return readers[0].read_workbook(data, file.name)
