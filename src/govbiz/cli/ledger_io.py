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
    from govbiz.ports.report_format import TableReader
    from govbiz.reports.ledger_import import ImportRejected

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
    "--column",
    "columns",
    metavar="HEADER=FIELD",
    multiple=True,
    help="Map another header to a field (repeat), e.g. 反映问题=title. Fields: "
    "enterprise_name, credit_code, title, description, category, source, collected_on.",
)
@click.option(
    "--dry-run", is_flag=True, help="Check every row and say what would be imported; store nothing."
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
    columns: tuple[str, ...],
    dry_run: bool,
    actor: str,
    as_json: bool,
) -> None:
    """Import an existing ledger (.xlsx or .csv): all rows or none, and again changes nothing.

    Every bad row is reported with its row number and reason, and then
    nothing is stored (exit status 1).  Rows already imported are matched
    (same enterprise, problem, description and collection day) and left alone.
    """
    import govbiz
    from govbiz.domain import Actor, Role
    from govbiz.reports.ledger_import import ColumnMapping, ImportRejected, import_ledger

    reader = _reader(file)
    ledger = open_existing(db) if dry_run else govbiz.open(db)  # a dry run stores nothing, nor a file
    county = resolve_county(ledger, county)
    try:
        result = import_ledger(
            ledger, Actor(id=actor, role=Role.COLLECTOR, county=county), reader.read_rows(file.read_bytes()),
            county=county, mapping=ColumnMapping.parse(columns), source=file.name, dry_run=dry_run,
        )  # fmt: skip
    except ImportRejected as rejected:
        if not as_json:
            raise
        _echo_rejected(rejected, dry_run)
        raise SystemExit(1) from None
    if as_json:
        echo_json({
            "source": result.source, "dry_run": result.dry_run, "header_row": result.header_row,
            "created": [{"row": r, "problem_id": p} for r, p in result.created],
            "matched": [{"row": r, "problem_id": p} for r, p in result.matched],
            "enterprises_registered": list(result.enterprises_registered),
            "ignored_columns": list(result.ignored_columns), "warnings": [str(w) for w in result.warnings],
            "errors": [],
        })  # fmt: skip
        return
    click.echo(result.summary())
    if result.ignored_columns:
        click.echo(f"ignored columns: {'、'.join(result.ignored_columns)}")
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)


def _echo_rejected(rejected: ImportRejected, dry_run: bool) -> None:
    """The refusal as JSON (a script reading `--json` gets the reasons, not an empty output)."""
    echo_json({
        "source": rejected.source, "dry_run": dry_run, "imported": False, "created": [], "matched": [],
        "errors": [{"row": e.row, "column": e.column, "reason": e.reason} for e in rejected.errors],
    })  # fmt: skip


def _reader(file: Path) -> TableReader:
    """The registered format that reads files with FILE's suffix."""
    from govbiz.plugins import report_formats
    from govbiz.ports.report_format import TableReader

    readers = {f.suffix: f for f in report_formats().values() if isinstance(f, TableReader)}
    suffix = file.suffix.lower()
    if suffix not in readers:
        known = ", ".join(sorted(readers)) or "none"
        hint = " (install the govbiz-xlsx plugin)" if suffix in (".xlsx", ".xlsm") else ""
        raise click.BadParameter(
            f"no installed format reads {suffix or 'files without a suffix'}{hint}; readable: {known}",
            param_hint="FILE",
        )
    return readers[suffix]
