"""`govbiz simulate`: replay a year of reception days through the Ledger and print the figures."""

from __future__ import annotations

import json
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import click

from govbiz.cli.options import echo_json, govbiz_errors, json_option, parse_day

__all__ = ["simulate"]


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    return None if value is None else parse_day(value, "--as-of")


@click.command("simulate")
@click.option(
    "--scenario",
    "scenario_name",
    default="zhangjiajie",
    show_default=True,
    metavar="NAME|PATH",
    help="A shipped scenario's name or a scenario TOML file.",
)
@click.option(
    "--db",
    "db",
    metavar="URL",
    default=None,
    help="Storage URL for the simulated ledger (must be empty); default a fresh SQLite file, "
    "in --out if given, else in a temporary folder.  $GOVBIZ_DB is deliberately not read.",
)
@click.option("--seed", type=int, default=None, help="Random seed; default the scenario's.")
@click.option(
    "--as-of", "as_of", callback=_day, metavar="YYYY-MM-DD",
    help="Stop on this day; the figures are taken at the end of that day (24时), as `govbiz report "
    "--as-of` takes them; default the scenario's.",
)  # fmt: skip
@click.option("--years", type=click.IntRange(min=1), default=1, show_default=True, help="Simulated years.")
@click.option(
    "--cities",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Cities (the scenario's first).",
)
@click.option(
    "--counties", type=click.IntRange(min=0), default=0, show_default=True, help="Counties per city."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for summary.json and the ledger.",
)
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Print each notification as it is delivered (the summary counts them by kind either way).",
)
@click.option(
    "--channel",
    "channels",
    multiple=True,
    metavar="NAME",
    help="Also pass each delivered notification to this installed channel (repeatable).",
)
@click.option(
    "--quiet", "-q", is_flag=True, help="Print no notification and pass none on, even with --verbose."
)
@json_option
@govbiz_errors
def simulate(
    *,
    scenario_name: str,
    db: str | None,
    seed: int | None,
    as_of: date | None,
    years: int,
    cities: int,
    counties: int,
    out: Path | None,
    verbose: bool,
    channels: tuple[str, ...],
    quiet: bool,
    as_json: bool,
) -> None:
    """Replay reception days like the article's (政企面对面暨企业家接待日) and print the figures.

    A deterministic discrete-event simulation on a simulated clock: enterprises
    raise problems, leaders assign them on the spot, departments report on
    time, late or after an extension, the supervision office reminds and
    publishes circulars, and lasting rules follow recurring problems.  The
    default scenario reproduces the article's figures as of 2023-11-15;
    `--scenario practice` is a county's quarter under 12345 and 督查 rules
    (returns under arbitration, co-handlers, verification, appeals, the
    escalation ladder, monthly scores and 红黑榜), summarised in its own tables.

    Notifications are the library's own: the commands queue them, the reminder
    sweep of `govbiz remind` runs each working day, and the dispatcher delivers
    them into memory.  The summary counts them by kind; --verbose prints each.
    """
    from govbiz.simulation import RunOptions, load_scenario, run_simulation

    scenario = load_scenario(scenario_name)
    options = RunOptions(seed=seed, as_of=as_of, years=years, cities=cities, counties=counties)
    names = ("console", *channels) if verbose else channels
    notify = None if quiet or as_json or not names else _notifier(tuple(dict.fromkeys(names)))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)  # with --db too: the reports and summary go there
    with tempfile.TemporaryDirectory(prefix="govbiz-simulate-") as scratch:
        url = db or _default_url(out, Path(scratch))
        started = time.perf_counter()
        run = _run(run_simulation, scenario, options, url, notify, show_progress=not as_json)
        data = run.figures()
        elapsed = time.perf_counter() - started
        reports = _write_reports(run, out) if out is not None else []
    if out is not None:
        (out / "summary.json").write_text(
            json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    if as_json:
        echo_json(data)
        return
    from rich.console import Console

    from govbiz.simulation.summary import render_summary

    render_summary(data, Console(), elapsed=elapsed)
    if out is not None:
        click.echo(f"Wrote {out / 'summary.json'}" + (f" and the ledger at {url}" if db is None else ""))
        click.echo("Reports: " + ", ".join(str(path) for path in reports))


def _write_reports(run: Any, out: Path) -> list[Path]:
    """The metrics report of the run's main division, in every registered format that renders one, into `out`.

    Markdown, JSON, CSV and HTML are built in; plugins add more (xlsx).  A
    format that lays out other reports only (docx: official documents)
    refuses with a `ValidationError` on the field `report` and is left out.
    """
    from govbiz.errors import ValidationError
    from govbiz.plugins import report_formats
    from govbiz.reports.report import build_metrics_report

    county = run.main.code
    report = build_metrics_report(run.ledger, run.viewer(county), as_of=run.instant, county=county)
    written = []
    for name, fmt in sorted(report_formats().items()):
        path = out / f"report{fmt.suffix}"
        if path in written:  # two formats with one suffix: keep both apart
            path = out / f"report-{name}{fmt.suffix}"
        try:
            data = fmt.render(report)
        except ValidationError as error:
            if error.field != "report":
                raise
            continue
        path.write_bytes(data)
        written.append(path)
    return written


def _default_url(out: Path | None, scratch: Path) -> str:
    folder = out or scratch
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ledger.db"
    if path.exists():
        raise click.UsageError(f"{path} already exists; remove it or choose another --out")
    # A scratch ledger is deleted at the end: its commits need not wait for the disk one by one.
    return f"sqlite:///{path}" if out is not None else f"sqlite:///{path}?synchronous=normal"


def _notifier(names: tuple[str, ...]) -> Any:
    """Pass each delivered notification on through every named channel (plugins register them)."""
    from govbiz.plugins import notification_channels
    from govbiz.ports.channel import DeliveryError

    available = notification_channels()
    unknown = [n for n in names if n not in available]
    if unknown:
        known = ", ".join(sorted(available))
        raise click.UsageError(f"unknown channel {', '.join(unknown)}; installed channels: {known}")
    chosen = [available[n] for n in names]

    def notify(notification: Any) -> None:
        import attrs

        for channel in chosen:
            try:
                channel.deliver(attrs.evolve(notification, channel=channel.name))
            except DeliveryError as error:  # a simulation carries on; the failure is shown
                click.echo(f"notification not delivered: {error}", err=True)

    return notify


def _run(
    run_simulation: Any, scenario: Any, options: Any, url: str, notify: Any, *, show_progress: bool
) -> Any:
    """Run, with a progress bar over the simulated days on long runs."""
    start, end = (
        scenario.start,
        options.as_of or scenario.as_of.replace(year=scenario.as_of.year + options.years - 1),
    )
    long_run = options.cities * (1 + options.counties) > 1 or options.years > 1
    if not (show_progress and long_run):
        return run_simulation(scenario, options=options, url=url, notify=notify)
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("simulating", total=max((end - start).days, 1))

        def on_day(day: date) -> None:
            progress.update(task, completed=(day - start).days, description=f"simulating {day}")

        return run_simulation(scenario, options=options, url=url, notify=notify, on_day=on_day)
