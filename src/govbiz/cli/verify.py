"""`govbiz verify`: check the tamper-evident audit chain of a ledger."""

from __future__ import annotations

import click

from govbiz.cli.options import db_option, echo_json, govbiz_errors, json_option, open_existing


@click.command("verify")
@db_option
@json_option
@govbiz_errors
def verify_command(db: str | None, as_json: bool) -> None:
    """Report any edited, deleted or reordered event (改动、删除、顺序变动).

    Exits with status 0 when every event chain is intact, 1 otherwise.
    """
    from govbiz import plugins
    from govbiz.audit import describe, verify

    ledger = open_existing(db)
    with ledger.store.unit_of_work() as uow:
        events = uow.events()
        heads = {}
        for problem_id in sorted({e.stream_id for e in events if e.stream == "problem"}):
            problem = uow.get_problem(problem_id)
            if problem is not None:
                heads[("problem", problem_id)] = problem.last_hash
    findings = verify(events, plugins.hashers(), heads)
    if as_json:
        echo_json({"events": len(events), "intact": not findings, "findings": describe(findings)})
    elif findings:
        for finding in findings:
            click.echo(str(finding), err=True)
    else:
        streams = len({(e.stream, e.stream_id) for e in events})
        click.echo(f"audit chain intact: {len(events)} events in {streams} streams")
    if findings:
        raise SystemExit(1)
