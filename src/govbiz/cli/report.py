"""`govbiz report`: the metrics report (统计报表) in any registered format."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from govbiz.cli.options import as_of_option, county_option, db_option, govbiz_errors, open_existing, parse_day

if TYPE_CHECKING:
    from govbiz.ledger import Ledger
    from govbiz.ports.report_format import Report, ReportFormat

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "FormatOption",
    "format_option",
    "out_option",
    "pick_format",
    "report_command",
    "resolve_county",
    "stdout_is_terminal",
    "write_output",
]


class FormatOption(click.Option):
    """`--format`, whose help lists the formats the installed plugins register."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        if record is None:
            return None
        try:
            from govbiz.plugins import report_formats

            names = ", ".join(sorted(report_formats()))
        except Exception:  # a broken plugin must not break --help; `govbiz plugins` names it
            return record
        return record[0], f"{record[1]} Registered: {names}."


#: Suffixes a bundled plugin writes, and that plugin: named when it is not installed.
_PROVIDERS = {".xlsx": "govbiz-xlsx", ".xlsm": "govbiz-xlsx", ".docx": "govbiz-docx"}


def pick_format(name: str | None, out: str | None, default: str) -> ReportFormat:
    """The format called `name`, else the one whose suffix `out` has, else `default`.

    An unknown name is a `click.BadParameter` listing the registered formats;
    so is an `out` whose suffix no installed format writes (naming the plugin
    that would, for a known one).
    """
    from govbiz.plugins import report_formats

    formats = report_formats()
    if name is None and out not in (None, "-"):
        suffix = Path(str(out)).suffix.lower()
        name = next((f.name for f in formats.values() if f.suffix == suffix), None)
        if name is None and suffix:  # Markdown in a .pdf would exit 0 and open as garbage
            hint = f" (install the {_PROVIDERS[suffix]} plugin)" if suffix in _PROVIDERS else ""
            known = ", ".join(sorted(f.suffix for f in formats.values()))
            raise click.BadParameter(
                f"no installed format writes {suffix} files{hint}; installed: {known}; or name one with "
                "--format",
                param_hint="--out",
            )
    name = name or default
    if name not in formats:
        registered = ", ".join(sorted(formats))
        raise click.BadParameter(
            f"unknown format {name!r}; registered formats: {registered}", param_hint="--format"
        )
    return formats[name]


def resolve_county(ledger: Ledger, county: str | None) -> str:
    """`county`, which must be registered, or the ledger's only top-level division when none is given.

    An unregistered county (`--county 999999`) is a usage error naming the
    registered ones, not a report with nothing in it.
    """
    from govbiz.domain.tenancy import Division
    from govbiz.ports.storage import RecordKind

    with ledger.store.unit_of_work() as uow:
        divisions = [d for d in uow.list_records(RecordKind.DIVISION) if isinstance(d, Division)]
    if county is not None:
        if county not in {d.code for d in divisions}:
            listed = ", ".join(sorted(d.code for d in divisions)) or "none registered"
            raise click.BadParameter(
                f"county {county} is not registered in this ledger (divisions: {listed})",
                param_hint="'--county'",
            )
        return county
    tops = [d.code for d in divisions if not d.parent]
    if len(tops) != 1:
        listed = ", ".join(tops) or "none registered"
        raise click.UsageError(f"give --county CODE (divisions in this ledger: {listed})")
    return tops[0]


def stdout_is_terminal() -> bool:
    """True when standard output is a terminal, not a file or a pipe."""
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty())


def write_output(fmt: ReportFormat, report: Report, out: str | None) -> None:
    """Render `report` into the file `out`, or to standard output for `-` or none.

    A binary rendering (xlsx) is not written to a terminal, where it would
    be garbage: that is a usage error naming `--out`.
    """
    data = fmt.render(report)
    if out in (None, "-") and stdout_is_terminal() and _is_binary(data):
        raise click.UsageError(
            f"the {fmt.name} format is binary and standard output is a terminal: "
            f"give --out FILE{fmt.suffix}, redirect the output, or choose a text --format (csv, markdown)"
        )
    if out in (None, "-"):
        sys.stdout.buffer.write(data) if hasattr(sys.stdout, "buffer") else click.echo(data, nl=False)
        sys.stdout.flush()
        return
    path = Path(str(out))
    path.write_bytes(data)
    click.echo(f"wrote {path} ({fmt.name}, {len(data)} bytes)", err=True)


def _is_binary(data: bytes) -> bool:
    """True if `data` is not UTF-8 text (a zip such as xlsx, a PDF ...)."""
    if b"\x00" in data:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def format_option(fallback: str) -> Callable[[F], F]:
    """`--format NAME`, listing the registered formats; default from `--out`'s suffix, else `fallback`."""
    return click.option(
        "--format",
        "format_name",
        cls=FormatOption,
        metavar="NAME",
        default=None,
        help=f"Output format (default: from the --out suffix, else {fallback}).",
    )


#: `--out FILE`, shared by the commands that write a report or a ledger file.
out_option = click.option(
    "--out", metavar="FILE", default=None, help="File to write; standard output if omitted or '-'."
)


@click.command("report")
@format_option("markdown")
@out_option
@db_option
@county_option
@as_of_option
@click.option(
    "--group-by",
    "group_by",
    metavar="G[,G...]",
    default="department,category,month",
    show_default=True,
    help="Breakdowns: department, category, session, chair, county, city, enterprise, month; "
    "cross two with × or *, e.g. 'department*month' (部门×月份).",
)
@click.option(
    "--metric",
    "metrics",
    metavar="NAME",
    multiple=True,
    help="A metric to print (repeat); default: the standard report metrics.",
)
@click.option(
    "--circular-since",
    metavar="DATE",
    default=None,
    help="Add the supervision circular (督查通报) from DATE to the as-of day.",
)
@click.option(
    "--score-month",
    metavar="YYYY-MM",
    default=None,
    help="Add that month's scores and 红黑榜 (月度考核), on the county's assessment rules.",
)
@click.option("--title", default=None, help="The report's title (default: derived from county and date).")
@govbiz_errors
def report_command(
    *,
    format_name: str | None,
    out: str | None,
    db: str | None,
    county: str | None,
    as_of: datetime | None,
    group_by: str,
    metrics: tuple[str, ...],
    circular_since: str | None,
    score_month: str | None,
    title: str | None,
) -> None:
    """Write the completion report: totals, breakdowns, overdue trend, every rate with its definition.

    Exits with status 2 for a bad option (an unknown format lists the
    registered ones) and 1 for a bad value.
    """
    from govbiz.domain import Actor, Role
    from govbiz.reports.report import REPORT_METRICS, build_metrics_report

    fmt = pick_format(format_name, out, "markdown")
    ledger = open_existing(db)
    county = resolve_county(ledger, county)
    kwargs: dict[str, Any] = {}
    if circular_since is not None:
        kwargs["circular_since"] = parse_day(circular_since, "--circular-since")
    report = build_metrics_report(
        ledger, Actor(id="cli-report", role=Role.VIEWER, county=county),
        as_of=as_of or ledger.clock.now(), county=county,
        groupings=[g.strip() for g in group_by.split(",") if g.strip()],
        metrics=metrics or REPORT_METRICS, title=title, score_month=score_month, **kwargs,
    )  # fmt: skip
    write_output(fmt, report, out)
