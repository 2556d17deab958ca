"""`govbiz document`: official documents (公文) as offices send them, in the GB/T 9704-2012 layout.

`circular` writes the supervision circular (督查通报), `assignment` the
assignment notices of reception days (交办单, one per department per day),
`reminder` the reminder letters (催办通知书, or 督办函 at the escalation ladder's criticism rung)
to departments whose clock has run out.  `--out FILE.docx` needs the
govbiz-docx plugin; `FILE.pdf` converts that file with LibreOffice;
`FILE.html` is a page to print from a browser (built in).

Who issues the document and how it is numbered comes from the options,
else from the `[documents]` table of the county's configuration file (kept
in the ledger by `govbiz county setup --config`, or given with `--config`),
else from the county's name (`govbiz.documents.DocumentSettings.default`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from govbiz.cli.options import (
    as_of_instant,
    county_option,
    db_option,
    govbiz_errors,
    open_existing,
    parse_day,
)

if TYPE_CHECKING:
    from govbiz.documents import DocumentSettings
    from govbiz.ledger import Ledger
    from govbiz.ports.report_format import Report

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["document_command", "end_of_day_instant", "write_document"]

#: The suffixes `--out` may have, and what writes each.
SUFFIXES = {
    ".docx": "the docx format (govbiz-docx plugin)",
    ".pdf": "docx, then LibreOffice",
    ".html": "the built-in HTML page",
}


def end_of_day_instant(value: str, name: str) -> datetime:
    """An ISO date as the end of that day (its 24时, Beijing time), or an ISO instant as given.

    The rule of every command (`govbiz.cli.options.as_of_instant`).
    """
    return as_of_instant(value, name)


def _common(function: F) -> F:
    """The options every document shares: the ledger, the county, the file, the issuer and numbering."""
    options = [
        db_option,
        county_option,
        click.option("--out", metavar="FILE", required=True, help="FILE.docx, FILE.pdf or FILE.html."),
        click.option("--issuer", default=None, help="Issuing office (发文机关), also its signature."),
        click.option(
            "--mark", default=None, help="The red line at the top (发文机关标志); default the issuer."
        ),
        click.option("--prefix", default=None, help="Number prefix (机关代字), e.g. 张督通."),
        click.option(
            "--number",
            type=click.IntRange(min=1),
            default=None,
            help="Sequence number of the (first) document: 5 gives 张督通〔2023〕5号.",
        ),
        click.option(
            "--to",
            "addressees",
            multiple=True,
            metavar="OFFICE",
            help="Main addressee (主送; repeat); default each document's own.",
        ),
        click.option("--cc", "copies_to", multiple=True, metavar="OFFICE", help="Copy to (抄送; repeat)."),
        click.option("--printed-by", default=None, help="Printing office (印发机关); default the issuer."),
        click.option(
            "--date",
            "issued_on",
            default=None,
            metavar="DATE",
            help="Date of the document (成文日期); default the as-of day (a notice: its reception day).",
        ),
        click.option(
            "--config",
            "config_file",
            default=None,
            metavar="FILE.toml",
            help="County configuration file whose [documents] table to use (default: the one the "
            "ledger keeps).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.group("document")
def document_command() -> None:
    """Official documents (公文) in the GB/T 9704-2012 layout: circular, assignment notice, reminder."""


@document_command.command("circular")
@_common
@click.option("--since", required=True, metavar="DATE", help="First day of the period (统计时段起).")
@click.option(
    "--as-of",
    "as_of",
    required=True,
    metavar="WHEN",
    help="The instant the figures are taken at; a date means the end of that day (24时).",
)
@click.option(
    "--score-month",
    metavar="YYYY-MM",
    default=None,
    help="Add that month's 红黑榜 (月度考核), each point explained, on the county's assessment rules.",
)
@govbiz_errors
def circular_command(*, since: str, as_of: str, score_month: str | None, **options: Any) -> None:
    """The supervision circular (督查通报): overdue items, 拟通报批评, redone problems, rankings, annex.

    拟通报批评 lists each department whose clock is still open the county's
    `criticism_after_working_days` working days after its reminder letter
    (the escalation ladder, `[escalation]` in the county file), with why.
    """
    from govbiz.documents import circular_document
    from govbiz.metrics import LedgerProblems
    from govbiz.metrics.facts import local_day
    from govbiz.supervision import generate_circular

    instant = end_of_day_instant(as_of, "--as-of")
    start = parse_day(since, "--since")
    ledger, actor, county, context = _open(options)
    last_day = local_day(instant - timedelta(microseconds=1))
    draft = generate_circular(
        LedgerProblems(ledger, actor, county=county),
        county=county,
        period_start=start,
        period_end=last_day,
        as_of=instant,
        context=context,
        policy=ledger.policy(county),
        score_month=score_month,
        score_policy=ledger.profile(county).scores(),
    )
    settings = _settings(ledger, county, context, options, default_day=last_day)
    write_document(circular_document(draft, settings), options["out"])


@document_command.command("assignment")
@_common
@click.option("--session", "sessions", multiple=True, metavar="ID", help="A reception day by id (repeat).")
@click.option(
    "--day", "days", multiple=True, metavar="DATE", help="The reception days held on DATE (repeat)."
)
@click.option(
    "--department",
    "departments",
    multiple=True,
    metavar="CODE",
    help="Only this department's notices (repeat); default every department assigned.",
)
@govbiz_errors
def assignment_command(
    *, sessions: tuple[str, ...], days: tuple[str, ...], departments: tuple[str, ...], **options: Any
) -> None:
    """Assignment notices (交办单): one per department per reception day, every problem with its deadlines."""
    from govbiz.documents import DocumentSet, assignment_notices
    from govbiz.domain.session import ReceptionSession
    from govbiz.errors import ValidationError
    from govbiz.metrics import LedgerProblems

    ledger, actor, county, context = _open(options)
    known = [s for s in context.sessions.values() if isinstance(s, ReceptionSession) and s.county == county]
    wanted_days = {parse_day(d, "--day") for d in days}
    chosen = [
        s for s in known if (not sessions or s.id in sessions) and (not days or s.held_on in wanted_days)
    ]
    for session in sorted(set(sessions) - {s.id for s in known}):
        raise ValidationError("session", session, f"is not a reception day of county {county}")
    if not chosen:
        raise ValidationError("day", ", ".join(days) or None, f"no reception day of county {county} matches")
    last = max(s.held_on for s in chosen)
    settings = _settings(ledger, county, context, options, default_day=last)
    notices = assignment_notices(
        LedgerProblems(ledger, actor, county=county),
        chosen,
        settings,
        context=context,
        departments=departments,
    )
    if not notices:
        raise ValidationError(
            "department", ", ".join(departments) or None, "was assigned nothing on those days"
        )
    write_document(DocumentSet("交办单", notices), options["out"])


@document_command.command("reminder")
@_common
@click.option(
    "--as-of",
    "as_of",
    required=True,
    metavar="WHEN",
    help="The instant the clocks are read at; a date means the end of that day (24时).",
)
@click.option(
    "--department",
    "departments",
    multiple=True,
    metavar="CODE",
    help="Only this department (repeat); default every department with an overdue clock.",
)
@click.option("--problem", "problems", multiple=True, metavar="ID", help="Only this problem (repeat).")
@click.option(
    "--reply-days",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Working days the department has to report.",
)
@govbiz_errors
def reminder_command(
    *, as_of: str, departments: tuple[str, ...], problems: tuple[str, ...], reply_days: int, **options: Any
) -> None:
    """Reminder letters (催办通知书; 督办函 at the 拟通报批评 rung), one per department with a late clock.

    The 催办通知书 names the day from which the department will be proposed
    for a written critical circular; once that day has come the letter is the
    firmer 督办函 (a clock the county's ladder leaves out: when seriously overdue).
    """
    from govbiz.documents import DocumentSet, reminder_letters
    from govbiz.errors import ValidationError
    from govbiz.metrics import LedgerProblems
    from govbiz.metrics.facts import local_day
    from govbiz.supervision import generate_circular

    instant = end_of_day_instant(as_of, "--as-of")
    ledger, actor, county, context = _open(options)
    last_day = local_day(instant - timedelta(microseconds=1))
    draft = generate_circular(
        LedgerProblems(ledger, actor, county=county),
        county=county,
        period_start=last_day,
        period_end=last_day,
        as_of=instant,
        context=context,
        policy=ledger.policy(county),
        rank_by=("overdue",),
    )
    settings = _settings(ledger, county, context, options, default_day=last_day)
    letters = reminder_letters(
        draft, settings, departments=departments, problems=problems, reply_days=reply_days
    )
    if not letters:
        raise ValidationError(
            "as_of", as_of, f"no clock of county {county} is overdue then: nothing to remind"
        )
    write_document(DocumentSet("催办通知书", letters), options["out"])


def _open(options: dict[str, Any]) -> tuple[Ledger, Any, str, Any]:
    from govbiz.cli.report import resolve_county
    from govbiz.domain import Actor, Role
    from govbiz.metrics import GroupContext

    _check_suffix(options["out"])
    ledger = open_existing(options["db"])
    county = resolve_county(ledger, options["county"])
    actor = Actor(id="cli-document", role=Role.VIEWER, county=county)
    return ledger, actor, county, GroupContext.from_ledger(ledger, actor)


def _check_suffix(out: str) -> None:
    suffix = Path(out).suffix.lower()
    if suffix not in SUFFIXES:
        written = ", ".join(f"{s} ({w})" for s, w in SUFFIXES.items())
        raise click.BadParameter(
            f"cannot write {suffix or 'a file without suffix'}; write {written}", param_hint="--out"
        )
    if suffix in (".docx", ".pdf"):
        _docx_format()


def _docx_format() -> Any:
    """The installed `docx` format, or a usage error naming the plugin that provides it."""
    from govbiz.plugins import report_formats

    formats = report_formats()
    if "docx" not in formats:
        raise click.BadParameter(
            "writing .docx (and .pdf, converted from it) needs the govbiz-docx plugin, not installed: "
            "pip install govbiz-docx; or write FILE.html and print it from a browser",
            param_hint="--out",
        )
    return formats["docx"]


def write_document(document: Report, out: str) -> None:
    """Write `document` (an `OfficialDocument` or a `DocumentSet`) to `out` by its suffix."""
    from govbiz.documents.html import document_page

    suffix = Path(out).suffix.lower()
    if suffix == ".html":
        data = document_page(document).encode("utf-8")
    else:
        data = _docx_format().render(document)
        if suffix == ".pdf":
            from govbiz.documents.pdf import docx_to_pdf

            data = docx_to_pdf(data)
    Path(out).write_bytes(data)
    count = len(getattr(document, "documents", (document,)))
    click.echo(f"wrote {out} ({count} document{'s' if count != 1 else ''}, {len(data)} bytes)", err=True)


def _settings(
    ledger: Ledger, county: str, context: Any, options: dict[str, Any], *, default_day: date
) -> DocumentSettings:
    """The options, over the configuration file's [documents] table, over the county name's defaults."""
    import attrs

    from govbiz.documents import DocumentSettings
    from govbiz.metrics.grouping import Grouping

    day = parse_day(options["issued_on"], "--date") if options["issued_on"] else default_day
    settings = DocumentSettings.default(context.label(Grouping.COUNTY, county), day)
    table = _documents_table(ledger, county, options["config_file"])
    if table is not None:
        settings = attrs.evolve(
            settings,
            issuer=table.issuer or settings.issuer,
            mark=table.mark,
            prefix=table.prefix or settings.prefix,
            addressees=tuple(table.addressees),
            copies_to=tuple(table.copies_to),
            printed_by=table.printed_by,
        )
    given = {
        "issuer": options["issuer"],
        "mark": options["mark"],
        "prefix": options["prefix"],
        "number": options["number"],
        "printed_by": options["printed_by"],
        "addressees": options["addressees"] or None,
        "copies_to": options["copies_to"] or None,
    }
    return attrs.evolve(settings, **{k: v for k, v in given.items() if v is not None})


def _documents_table(ledger: Ledger, county: str, config_file: str | None) -> Any:
    from govbiz.config import read_county_file

    if config_file is not None:
        return read_county_file(config_file).documents
    from govbiz.config.kept import kept_files

    with ledger.store.unit_of_work() as uow:
        files = kept_files(uow)
    found = next((f for f in files if county in f.codes()), None)
    return found.documents if found is not None else None
