"""`govbiz verify`: check the audit chain, the derived state and the signed checkpoints of a ledger."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from govbiz.cli.options import db_option, echo_json, govbiz_errors, json_option, open_existing

if TYPE_CHECKING:
    from collections.abc import Mapping

    from govbiz.audit import AuditFinding
    from govbiz.domain.events import DomainEvent
    from govbiz.ledger import Ledger
    from govbiz.ports.checkpoints import Redaction, SignedCheckpoint

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

    Exit status: 0 intact and anchored; 1 something was found; 3 intact but
    unanchored (no public key configured: a rewrite with recomputed hashes
    cannot be told from the truth).
    """
    if export is not None and public_key is None:
        raise click.UsageError("--checkpoints needs --public-key (or $GOVBIZ_CHECKPOINT_PUBLIC_KEY)")
    ledger = open_existing(db)
    stored = _stored_checkpoints(ledger, export)
    events, findings, notes = _chain_and_derived_state(ledger, _redactions(stored, public_key))
    anchored = public_key is not None
    checkpoints = _checkpoints(stored, public_key, events, findings) if public_key else []
    streams = len({(e.stream, e.stream_id) for e in events})
    if as_json:
        from govbiz.audit import describe

        report = {"events": len(events), "intact": not findings, "anchored": anchored}
        echo_json(report | {"checkpoints": len(checkpoints), "findings": describe(findings), "notes": notes})
    else:
        for line in [*notes, *map(str, findings)]:
            click.echo(line, err=True)
        if not findings:
            click.echo(f"audit chain intact: {len(events)} events in {streams} streams")
            if anchored:
                click.echo(f"anchored: {len(checkpoints)} signed checkpoints verified")
            else:
                click.echo(
                    "the trail is unanchored: no public key configured (--public-key or "
                    "$GOVBIZ_CHECKPOINT_PUBLIC_KEY); a rewrite with recomputed hashes would pass",
                    err=True,
                )
    if findings:
        raise SystemExit(FINDINGS)
    if not anchored:
        raise SystemExit(UNANCHORED)


def _stored_checkpoints(ledger: Ledger, export: Path | None) -> list[SignedCheckpoint]:
    """The checkpoints of the export file if given, else the ledger's (none if it keeps none)."""
    from govbiz.checkpoint import read_export

    if export is not None:
        return read_export(export.read_text(encoding="utf-8").splitlines())
    try:
        return ledger.store.checkpoints().all()
    except NotImplementedError:
        return []


def _redactions(
    checkpoints: list[SignedCheckpoint], public_key: Path | None
) -> dict[tuple[str, str, int], Redaction]:
    """The redacted events the checkpoints vouch for: only validly signed ones when there is a key."""
    from govbiz.checkpoint import vouched_redactions
    from govbiz.plugins import checkpoint_verifier

    return vouched_redactions(checkpoints, checkpoint_verifier(public_key) if public_key else None)


def _chain_and_derived_state(
    ledger: Ledger, redactions: Mapping[tuple[str, str, int], Redaction]
) -> tuple[list[DomainEvent], list[AuditFinding], list[str]]:
    """The events, what is wrong with their chains and with the state derived from them, and notes."""
    from govbiz import plugins
    from govbiz.audit import verify
    from govbiz.reconcile import reconcile_store

    with ledger.store.unit_of_work() as uow:
        events = uow.events()
        heads = {}
        for problem_id in sorted({e.stream_id for e in events if e.stream == "problem"}):
            problem = uow.get_problem(problem_id)
            if problem is not None:
                heads[("problem", problem_id)] = problem.last_hash
        findings = verify(events, plugins.hashers(), heads, redactions)
        notes: list[str] = []
        try:
            findings.extend(reconcile_store(uow, events, contact_keys=ledger.counties.contact_keys))
        except NotImplementedError as error:
            notes.append(f"derived state not checked: {error}")
    return events, findings, notes


def _checkpoints(
    checkpoints: list[SignedCheckpoint],
    public_key: Path,
    events: list[DomainEvent],
    findings: list[AuditFinding],
) -> list[SignedCheckpoint]:
    """`checkpoints` checked with the public key, their findings added to `findings`."""
    from govbiz.audit import AuditFinding, Finding
    from govbiz.checkpoint import verify_checkpoints
    from govbiz.plugins import checkpoint_verifier

    verifier = checkpoint_verifier(public_key)
    findings.extend(verify_checkpoints(checkpoints, verifier, events))
    if not checkpoints and events:
        detail = "a public key is configured but there is no checkpoint: run govbiz audit checkpoint"
        findings.append(AuditFinding("checkpoint", "1", 1, Finding.CHECKPOINT_MISSING, detail))
    return checkpoints
