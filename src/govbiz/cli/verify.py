"""`govbiz verify`: check the audit chain, the derived state and the signed checkpoints of a ledger."""

from __future__ import annotations

from pathlib import Path

import click

from govbiz.cli.options import db_option, echo_json, govbiz_errors, json_option, open_existing

#: Exit statuses of `govbiz verify`.
INTACT, FINDINGS, UNANCHORED = 0, 1, 3

public_key_option = click.option(
    "--public-key",
    "public_key",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="GOVBIZ_CHECKPOINT_PUBLIC_KEY",
    default=None,
    help="PEM public key the checkpoints are checked with; default $GOVBIZ_CHECKPOINT_PUBLIC_KEY. "
    "Never read from the database.",
)


@click.command("verify")
@db_option
@public_key_option
@click.option(
    "--checkpoints",
    "export",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Check against the checkpoints of this export file (govbiz audit export) instead of the ledger's.",
)
@json_option
@govbiz_errors
def verify_command(db: str | None, public_key: Path | None, export: Path | None, as_json: bool) -> None:
    """Report edited, deleted, reordered or forged history (改动、删除、顺序变动、伪造).

    Checks every event's hash chain; every snapshot, state and index
    column, clock row and registry record against the events; and, with a
    public key, the signed checkpoints and the events against them.

    The checks are `govbiz.verification.verify_ledger`'s.  Exit status:
    0 intact and anchored; 1 something was found; 3 intact but unanchored
    (no public key configured: a rewrite with recomputed hashes cannot be
    told from the truth).
    """
    if export is not None and public_key is None:
        raise click.UsageError("--checkpoints needs --public-key (or $GOVBIZ_CHECKPOINT_PUBLIC_KEY)")
    from govbiz.verification import verify_ledger

    ledger = open_existing(db)
    result = verify_ledger(ledger, public_key, export=export)
    if as_json:
        echo_json(result.as_json())
    else:
        for line in [*result.notes, *map(str, result.findings)]:
            click.echo(line, err=True)
        if result.intact:
            click.echo(f"audit chain intact: {result.events} events in {result.streams} streams")
            if result.anchored:
                click.echo(f"anchored: {result.checkpoints} signed checkpoints verified")
            else:
                click.echo(
                    "the trail is unanchored: no public key configured (--public-key or "
                    "$GOVBIZ_CHECKPOINT_PUBLIC_KEY); a rewrite with recomputed hashes would pass",
                    err=True,
                )
    if not result.intact:
        raise SystemExit(FINDINGS)
    if not result.anchored:
        raise SystemExit(UNANCHORED)
