"""What `govbiz verify` checks of a whole ledger (台账完整性核验), as a library function.

`verify_ledger` checks every event's hash chain, the state derived from the
events (snapshots, index columns, clock rows, registry records:
`govbiz.reconcile`), and, given the checkpoint public key, the signed
checkpoints and the events against them.  The public key is the caller's to
give, from its own configuration (`$GOVBIZ_CHECKPOINT_PUBLIC_KEY`), and never
read from the database: whoever could rewrite the ledger could rewrite a key
kept beside it.

`govbiz verify` prints the result; the API's `GET /v1/audit/verify` answers
it to an administrator, for the divisions the administrator sees
(`counties`): a county's own streams, a city's and its counties'.
Checkpoints cover the whole ledger, so their findings are everyone's.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from govbiz.audit import AuditFinding
    from govbiz.domain.events import DomainEvent
    from govbiz.ledger import Ledger
    from govbiz.ports.checkpoints import Redaction, SignedCheckpoint

__all__ = ["LedgerVerification", "verify_ledger"]


@attrs.frozen
class LedgerVerification:
    """The outcome of `verify_ledger`.

    `intact`: nothing was found; `anchored`: a public key was given, so the
    checkpoints were checked too (intact but unanchored, a rewrite with
    recomputed hashes cannot be told from the truth).
    """

    events: int
    streams: int
    anchored: bool
    checkpoints: int
    findings: tuple[AuditFinding, ...]
    notes: tuple[str, ...] = ()

    @property
    def intact(self) -> bool:
        """True when nothing was found."""
        return not self.findings

    def as_json(self) -> dict[str, Any]:
        """What `govbiz verify --json` prints and the API answers."""
        from govbiz.audit import describe

        return {
            "events": self.events,
            "intact": self.intact,
            "anchored": self.anchored,
            "checkpoints": self.checkpoints,
            "findings": describe(self.findings),
            "notes": list(self.notes),
        }


def verify_ledger(
    ledger: Ledger,
    public_key: Path | None = None,
    *,
    export: Path | None = None,
    counties: Collection[str] | None = None,
) -> LedgerVerification:
    """Check `ledger` (see the module docs); with `public_key`, its checkpoints too.

    `export` checks against the checkpoints of that export file
    (`govbiz audit export`) rather than the ledger's; it needs `public_key`.
    `counties` limits the report to the streams of those divisions (the
    checkpoints' findings stay).
    """
    from govbiz.errors import ValidationError

    if export is not None and public_key is None:
        raise ValidationError("public_key", None, "checking an export's checkpoints needs the public key")
    stored = _stored_checkpoints(ledger, export)
    events, findings, notes, county_of = _chain_and_derived_state(ledger, _redactions(stored, public_key))
    checkpoints = _checkpoints(stored, public_key, events, findings) if public_key else []
    if counties is not None:
        scope = set(counties)
        events = [e for e in events if e.county in scope]
        findings = [
            f for f in findings if f.stream == "checkpoint" or county_of.get((f.stream, f.stream_id)) in scope
        ]
    streams = len({(e.stream, e.stream_id) for e in events})
    return LedgerVerification(
        len(events), streams, public_key is not None, len(checkpoints), tuple(findings), tuple(notes)
    )


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
    """The redacted events the checkpoints vouch for (`govbiz.redaction`): with a key, valid ones only."""
    from govbiz.checkpoint import vouched_redactions
    from govbiz.plugins import checkpoint_verifier

    return vouched_redactions(checkpoints, checkpoint_verifier(public_key) if public_key else None)


def _chain_and_derived_state(
    ledger: Ledger, redactions: Mapping[tuple[str, str, int], Redaction]
) -> tuple[list[DomainEvent], list[AuditFinding], list[str], dict[tuple[str, str], str]]:
    """The events; what is wrong with their chains and derived state; notes; each stream's county."""
    from govbiz import plugins
    from govbiz.audit import verify
    from govbiz.reconcile import reconcile_store

    with ledger.store.unit_of_work() as uow:
        events = uow.events()
        county_of = {(e.stream, e.stream_id): e.county for e in events}
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
        for finding in findings:  # a problem whose events are all gone still has its stored row
            key = (finding.stream, finding.stream_id)
            if key not in county_of and finding.stream == "problem":
                stored = uow.get_problem(finding.stream_id)
                if stored is not None:
                    county_of[key] = stored.county
    return events, findings, notes, county_of


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
