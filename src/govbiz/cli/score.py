"""`govbiz score`: a county's monthly assessment (月度考核) per department, and its 红黑榜."""

from __future__ import annotations

from datetime import datetime

import click

from govbiz.cli.options import as_of_option, county_option, db_option, echo_json, govbiz_errors, json_option

__all__ = ["score_command"]


@click.command("score")
@db_option
@county_option
@click.option("--month", required=True, metavar="YYYY-MM", help="The month of the assignments (交办月份).")
@as_of_option
@json_option
@govbiz_errors
def score_command(
    db: str | None, county: str | None, month: str, as_of: datetime | None, as_json: bool
) -> None:
    """Score each department on the problems first assigned to it in MONTH (考核), with the 红黑榜.

    Each line of a score names the problems behind it.  The instant defaults
    to the end of the month, or now for the month under way.  The weights,
    points and the minimum to be ranked are the county's (its file's `[score]`
    table), govbiz's defaults otherwise.
    """
    from govbiz.cli.options import open_existing
    from govbiz.cli.report import resolve_county
    from govbiz.domain import Actor, Role
    from govbiz.metrics.score import county_scores

    ledger = open_existing(db)
    county = resolve_county(ledger, county)
    viewer = Actor(id="cli-score", role=Role.VIEWER, county=county)
    scores = county_scores(ledger, viewer, county, month, as_of=as_of)
    instant = scores.as_of
    if as_json:
        echo_json(scores.to_json())
        return
    click.echo(f"{county} {month} 考核得分（截至 {instant.isoformat()}）")
    for score in scores.scores:
        few = len(score.assigned) < scores.min_assigned
        rank = f"（{len(score.assigned)}件，不足{scores.min_assigned}件不排名）" if few else ""
        click.echo(f"\n{score.department}: {score.score}分 {rank}".rstrip())
        for line in score.lines:
            ids = f" [{', '.join(line.problem_ids)}]" if line.problem_ids else ""
            click.echo(f"  {line.label} {line.points:+.1f} ({line.detail}){ids}")
    click.echo("\n红榜: " + ("、".join(s.department for s in scores.red_list()) or "无"))
    click.echo("黑榜: " + ("、".join(s.department for s in scores.black_list()) or "无"))
