"""The anchored audit trail (锚定审计): signed checkpoints over the heads of every stream.

`make_checkpoint` reads the head (last version and hash) of every stream,
lists those that changed since the previous checkpoint, chains to it and
signs the lot with a key the database never holds (`govbiz audit checkpoint`,
run every few minutes by cron or a systemd timer).  `verify_checkpoints`
checks the chain of checkpoints with a public key from configuration and
then the events against it: a checkpointed event rewritten (even with its
chain recomputed by `govbiz.audit.seal`), a checkpointed stream deleted, an
event dated before a checkpoint that did not see it, a checkpoint missing,
forged or signed by another key.  Checkpoints export as JSON lines
(`export_lines`) that an outside auditor checks with the public key alone.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta

from govbiz.audit import AuditFinding, Finding
from govbiz.domain.events import DomainEvent
from govbiz.ports.checkpoints import Checkpoint, CheckpointLog, Head, Redaction, SignedCheckpoint
from govbiz.ports.signer import Signer, Verifier

__all__ = [
    "BACKDATING_GRACE",
    "checkpoint_hash",
    "current_heads",
    "export_lines",
    "make_checkpoint",
    "merkle_root",
    "read_export",
    "verify_checkpoints",
    "vouched_redactions",
]

#: How much earlier than a checkpoint an event it did not see may be dated: a command's
#: time is taken when it starts, and it may commit just after a checkpoint read the log.
BACKDATING_GRACE = timedelta(minutes=1)

StreamKey = tuple[str, str]


def current_heads(events: Iterable[DomainEvent]) -> dict[StreamKey, Head]:
    """The head of every stream in `events`: its highest version and that event's hash."""
    heads: dict[StreamKey, Head] = {}
    for event in events:
        key = (event.stream, event.stream_id)
        if key not in heads or event.version > heads[key].version:
            heads[key] = Head(event.stream, event.stream_id, event.version, event.hash)
    return heads


def merkle_root(heads: Iterable[Head]) -> str:
    """The SHA-256 Merkle root over `heads`, sorted by stream (``"sha256:<hex>"``)."""
    level = [_digest(json.dumps([h.stream, h.stream_id, h.version, h.hash]).encode()) for h in sorted(heads)]
    if not level:
        return "sha256:" + _digest(b"").hex()
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [_digest(b"\x01" + a + b) for a, b in zip(level[::2], level[1::2], strict=True)]
    return "sha256:" + level[0].hex()


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def checkpoint_hash(signed: SignedCheckpoint) -> str:
    """What the next checkpoint's `previous` holds: the hash of this one's body and signature."""
    return "sha256:" + hashlib.sha256(signed.checkpoint.canonical_bytes() + signed.signature).hexdigest()


def make_checkpoint(
    events: Iterable[DomainEvent],
    log: CheckpointLog,
    signer: Signer,
    now: datetime,
    redactions: Iterable[Redaction] = (),
) -> SignedCheckpoint:
    """Sign and store the next checkpoint over `events` (the whole log, read at or after `now`).

    `redactions` are events about to lose their personal data
    (`govbiz.redaction`): the checkpoint vouches for their redacted content.
    """
    stored = log.all()
    known: dict[StreamKey, Head] = {}
    for signed in stored:
        known.update(((h.stream, h.stream_id), h) for h in signed.checkpoint.heads)
    changed = [head for key, head in current_heads(events).items() if known.get(key) != head]
    known.update(((h.stream, h.stream_id), h) for h in changed)
    checkpoint = Checkpoint(
        sequence=stored[-1].checkpoint.sequence + 1 if stored else 1,
        made_at=now,
        previous=checkpoint_hash(stored[-1]) if stored else "",
        heads=tuple(sorted(changed)),
        root=merkle_root(known.values()),
        streams=len(known),
        redactions=tuple(sorted(redactions)),
    )
    signature = signer.sign(checkpoint.canonical_bytes())
    signed = SignedCheckpoint(checkpoint, signer.algorithm, signer.key_id, signature)
    log.append(signed)
    return signed


def export_lines(checkpoints: Iterable[SignedCheckpoint]) -> Iterator[str]:
    """Each checkpoint as one JSON line, for `govbiz audit export`."""
    for signed in checkpoints:
        yield signed.to_json()


def read_export(lines: Iterable[str]) -> list[SignedCheckpoint]:
    """The checkpoints of an export file; `ValueError` names a malformed line."""
    found: list[SignedCheckpoint] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                found.append(SignedCheckpoint.from_json(line))
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"line {number} is not a checkpoint: {error}") from None
    return found


def vouched_redactions(
    checkpoints: Sequence[SignedCheckpoint], verifier: Verifier | None
) -> dict[tuple[str, str, int], Redaction]:
    """The redactions the checkpoints list, by event: with `verifier`, only those of valid checkpoints.

    Without a verifier every stored checkpoint's are taken on trust, as the
    whole unanchored trail is (`govbiz verify` then exits 3).
    """
    if verifier is None:
        listed = [checkpoint.checkpoint for checkpoint in checkpoints]
    else:
        listed = _check_chain(checkpoints, verifier)[1]
    return {(r.stream, r.stream_id, r.version): r for c in listed for r in c.redactions}


def verify_checkpoints(
    checkpoints: Sequence[SignedCheckpoint],
    verifier: Verifier,
    events: Iterable[DomainEvent] | None = None,
) -> list[AuditFinding]:
    """Check the chain of `checkpoints` with `verifier`, then (if given) `events` against it.

    Without `events`, what an outside auditor checks of an export: every
    signature, every sequence number, every link and Merkle root.
    """
    findings, valid = _check_chain(checkpoints, verifier)
    if events is not None:
        findings.extend(_check_events(list(events), valid))
    return findings


def _check_chain(
    checkpoints: Sequence[SignedCheckpoint], verifier: Verifier
) -> tuple[list[AuditFinding], list[Checkpoint]]:
    findings: list[AuditFinding] = []
    valid: list[Checkpoint] = []
    known: dict[StreamKey, Head] = {}
    previous: SignedCheckpoint | None = None

    def found(checkpoint: Checkpoint, finding: Finding, detail: str) -> None:
        number = checkpoint.sequence
        findings.append(AuditFinding("checkpoint", str(number), number, finding, detail))

    for signed in sorted(checkpoints, key=lambda c: c.checkpoint.sequence):
        checkpoint = signed.checkpoint
        if signed.key_id != verifier.key_id or signed.algorithm != verifier.algorithm:
            found(checkpoint, Finding.BAD_SIGNATURE, f"signed by {signed.algorithm} key {signed.key_id}, "
                  f"not the configured {verifier.algorithm} key {verifier.key_id}")  # fmt: skip
            continue
        if not verifier.verify(checkpoint.canonical_bytes(), signed.signature):
            found(checkpoint, Finding.BAD_SIGNATURE, "the signature does not match the checkpoint")
            continue
        expected = previous.checkpoint.sequence + 1 if previous else 1
        if checkpoint.sequence != expected:
            missing = f"checkpoints {expected} to {checkpoint.sequence - 1} are missing"
            found(checkpoint, Finding.CHECKPOINT_MISSING, missing)
        elif checkpoint.previous != (checkpoint_hash(previous) if previous else ""):
            found(checkpoint, Finding.CHECKPOINT_MISSING, "does not link to the checkpoint before it")
        known.update(((h.stream, h.stream_id), h) for h in checkpoint.heads)
        if checkpoint.root != merkle_root(known.values()) or checkpoint.streams != len(known):
            found(checkpoint, Finding.CHECKPOINT_MISSING, "its Merkle root is not that of the heads so far")
        valid.append(checkpoint)
        previous = signed
    return findings, valid


def _check_events(events: list[DomainEvent], checkpoints: list[Checkpoint]) -> list[AuditFinding]:
    """Events against the heads the valid `checkpoints` vouch for, and their dates."""
    if not checkpoints:
        return []
    by_stream: dict[StreamKey, dict[int, DomainEvent]] = {}
    for event in events:
        by_stream.setdefault((event.stream, event.stream_id), {})[event.version] = event
    # Per stream, the checkpoints that moved its head: (index in `checkpoints`, version).
    moves: dict[StreamKey, list[tuple[int, int]]] = {}
    latest: dict[StreamKey, Head] = {}
    for index, checkpoint in enumerate(checkpoints):
        for head in checkpoint.heads:
            moves.setdefault((head.stream, head.stream_id), []).append((index, head.version))
            latest[(head.stream, head.stream_id)] = head
    findings: list[AuditFinding] = []
    for key, head in sorted(latest.items()):
        findings.extend(_check_head(key, head, by_stream.get(key, {}), checkpoints, moves[key]))
    for key, stream in by_stream.items():
        findings.extend(_backdated(stream.values(), checkpoints, moves.get(key, [])))
    return findings


def _check_head(
    key: StreamKey,
    head: Head,
    stream: Mapping[int, DomainEvent],
    checkpoints: list[Checkpoint],
    moves: list[tuple[int, int]],
) -> list[AuditFinding]:
    sequence = checkpoints[moves[-1][0]].sequence
    if not stream:
        detail = f"checkpoint {sequence} vouched for it at v{head.version}; it has no events now"
        return [AuditFinding(key[0], key[1], head.version, Finding.STREAM_GONE, detail)]
    event = stream.get(head.version)
    if event is None:
        detail = f"checkpoint {sequence} vouched for v{head.version}; the stream ends at v{max(stream)}"
        return [AuditFinding(key[0], key[1], head.version, Finding.STREAM_GONE, detail)]
    if event.hash != head.hash:
        detail = f"its hash is not the one checkpoint {sequence} signed: the stream was rewritten up to here"
        return [AuditFinding(key[0], key[1], head.version, Finding.HEAD_REWRITTEN, detail)]
    return []


def _backdated(
    events: Iterable[DomainEvent], checkpoints: list[Checkpoint], moves: list[tuple[int, int]]
) -> list[AuditFinding]:
    """Events dated well before the last checkpoint that did not see them."""
    versions = [version for _, version in moves]
    found: list[AuditFinding] = []
    for event in events:
        covering = bisect.bisect_left(versions, event.version)  # the first move to this version or past it
        blind = moves[covering][0] - 1 if covering < len(moves) else len(checkpoints) - 1
        if blind < 0:
            continue
        made_at = checkpoints[blind].made_at
        if event.occurred_at + BACKDATING_GRACE < made_at:
            detail = (
                f"dated {event.occurred_at.isoformat()}, before checkpoint {checkpoints[blind].sequence} "
                f"of {made_at.isoformat()}, which did not see it"
            )
            key = (event.stream, event.stream_id, event.version)
            found.append(AuditFinding(*key, Finding.BACKDATED, detail))
    return found
