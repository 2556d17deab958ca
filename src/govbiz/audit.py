"""The tamper-evident audit chain (防篡改留痕).

Each event is sealed with a hash of its own content and of the previous
event's hash in the same stream (one problem, one enterprise ...). Editing,
deleting or reordering any stored event therefore breaks the chain from that
point on, and :func:`verify` reports where and how.

The hash function is pluggable. SHA-256 is built in, and a deployment that
must use the national standard SM3 (GB/T 32905) registers it as a
:class:`Hasher`. Each hash is stored as ``"<algorithm>:<hex>"``, so a chain
says which function made it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

import attrs
import orjson

from govbiz.domain.events import DomainEvent, FrozenDict, FrozenList, iso_text
from govbiz.errors import ValidationError
from govbiz.ports.checkpoints import Redaction
from govbiz.ports.hasher import Hasher

__all__ = [
    "SHA256",
    "SM3",
    "AuditFinding",
    "Finding",
    "Hasher",
    "canonical_bytes",
    "redacted_digest",
    "seal",
    "sm3_hasher",
    "verify",
]


#: SHA-256, the default.
SHA256 = Hasher("sha256", lambda data: hashlib.sha256(data).hexdigest())

#: The plugin that gives SM3 where the interpreter's OpenSSL does not.
SM3_PLUGIN = "govbiz-sm3"


def sm3_hasher() -> Hasher | None:
    """SM3 (GB/T 32905, 国密杂凑算法) through the interpreter's OpenSSL, or `None` where it lacks it."""
    if "sm3" not in hashlib.algorithms_available:
        return None
    try:
        hashlib.new("sm3", b"")
    except ValueError:  # listed, but disabled by the OpenSSL configuration (FIPS mode ...)
        return None
    return Hasher("sm3", lambda data: hashlib.new("sm3", data).hexdigest())


#: SM3 where OpenSSL provides it (`None` elsewhere: install the govbiz-sm3 plugin).
SM3 = sm3_hasher()


def canonical_bytes(event: DomainEvent, *, prev_hash: str | None = None) -> bytes:
    """The bytes an event's hash covers: every field but the hash itself, as canonical JSON.

    `prev_hash`, when given, stands in for the event's own (as `seal` chains it).
    """
    body = canonical_body(event, prev_hash=prev_hash)
    if _orjson_safe(body):
        try:
            return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:  # a key that is not text, an integer beyond 64 bits ...
            pass
    return json_bytes(body)


def canonical_body(event: DomainEvent, *, prev_hash: str | None = None) -> dict[str, Any]:
    """What `canonical_bytes` writes: the event's fields but its hash, the instant as ISO 8601 text."""
    body = event.fields()  # every field, declared once by DomainEvent (EVENT_FIELDS)
    del body["hash"]
    body["occurred_at"] = iso_text(event.occurred_at)
    if prev_hash is not None:
        body["prev_hash"] = prev_hash
    return body


def json_bytes(body: Mapping[str, Any]) -> bytes:
    """The canonical form as defined, by `json.dumps`: every chain stored so far was hashed over these bytes.

    `canonical_bytes` writes the same bytes with orjson where that is proven to give them.
    """
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


#: Values orjson writes exactly as `json_bytes` does (tested over every code point of text).
_SAME_SCALARS: frozenset[type] = frozenset({str, int, bool, type(None)})
_OBJECTS: frozenset[type] = frozenset((FrozenDict, dict))  # in this order mypy takes it for types
_ARRAYS: frozenset[type] = frozenset({list, FrozenList, tuple})


def _orjson_safe(value: Any) -> bool:
    """Whether orjson gives `json_bytes`'s very bytes for `value` (a tenth of the cost).

    Only exact JSON types qualify: an enum, a date or any other value
    `json.dumps` turns into `str(value)` is written differently by orjson, and
    so are some floats (``1e-05``); those events keep to `json.dumps`.
    """
    kind = type(value)
    if kind in _OBJECTS:
        value = value.values()
    elif kind not in _ARRAYS:
        return kind in _SAME_SCALARS or (kind is float and _same_float(value))
    for item in value:
        kind = type(item)
        if kind not in _SAME_SCALARS and not _orjson_safe(item):
            return False
    return True


def _same_float(number: float) -> bool:
    """Whether orjson writes `number` as `json.dumps` does (``repr``; not for NaN, infinities, ``1e-05``)."""
    return orjson.dumps(number) == float.__repr__(number).encode()


def seal(event: DomainEvent, prev_hash: str, hasher: Hasher = SHA256) -> DomainEvent:
    """Return ``event`` chained to ``prev_hash`` (``""`` for a stream's first event) and hashed."""
    digest = hasher.hash(canonical_bytes(event, prev_hash=prev_hash))
    return attrs.evolve(event, prev_hash=prev_hash, hash=digest)  # one copy: a command seals every event


class Finding(StrEnum):
    """What :func:`verify` can find wrong with a stream."""

    #: The event's content no longer matches its hash (改动).
    EDITED = "edited"
    #: A version is missing from the stream, or the chain skips an event (删除).
    DELETED = "deleted"
    #: Events are stored out of version order (顺序被改).
    REORDERED = "reordered"
    #: The chain link to the previous event is wrong (链断裂).
    BROKEN_LINK = "broken_link"
    #: The hash was made by a function this deployment does not know.
    UNKNOWN_ALGORITHM = "unknown_algorithm"
    # -- derived state against the events (派生数据核对, `govbiz.reconcile`) --
    #: A stored snapshot differs from the problem its events replay to (快照被改).
    SNAPSHOT_DIFFERS = "snapshot_differs"
    #: A column or index row a store derived (state, lead, departments, clocks ...) differs (索引被改).
    INDEX_DIFFERS = "index_differs"
    #: A registry record differs from what its registration event records (登记被改).
    RECORD_DIFFERS = "record_differs"
    #: A stored problem or record has no events (凭空出现).
    NO_EVENTS = "no_events"
    #: Events whose problem or record is not stored (记录被删).
    NO_RECORD = "no_record"
    #: A stored snapshot or record cannot be read at all.
    UNREADABLE = "unreadable"
    # -- signed checkpoints (锚定检查点, `govbiz.checkpoint`) --
    #: A checkpointed event was rewritten since: its hash is not the one signed (锚定后被改).
    HEAD_REWRITTEN = "head_rewritten"
    #: A stream a checkpoint vouched for is gone, or lost checkpointed events (锚定后被删).
    STREAM_GONE = "stream_gone"
    #: An event dated before a checkpoint that did not see it (倒签).
    BACKDATED = "backdated"
    #: A checkpoint's signature does not verify with the configured public key (签名无效).
    BAD_SIGNATURE = "bad_signature"
    #: A checkpoint number is missing, or one does not link to the one before (检查点缺失).
    CHECKPOINT_MISSING = "checkpoint_missing"


@attrs.frozen(slots=True)
class AuditFinding:
    """One thing wrong in the audit trail: which stream, which version, what."""

    stream: str
    stream_id: str
    version: int
    finding: Finding
    detail: str

    def __str__(self) -> str:
        return f"{self.stream} {self.stream_id} v{self.version}: {self.finding.value}: {self.detail}"


def verify(
    events: Iterable[DomainEvent],
    hashers: Mapping[str, Hasher] | None = None,
    heads: Mapping[tuple[str, str], str] | None = None,
    redactions: Mapping[tuple[str, str, int], Redaction] | None = None,
) -> list[AuditFinding]:
    """Check every stream's chain in ``events`` (stored order); return what is wrong.

    ``heads`` maps ``(stream, stream_id)`` to the hash its stored record says
    is the latest (a problem's ``last_hash``): a chain alone cannot notice
    that its last events were deleted, the head can.  ``redactions`` (by
    stream, id and version; `govbiz.checkpoint.vouched_redactions`) are
    events whose personal data was removed after sealing: such an event is
    intact when its content has the digest a checkpoint vouched for and it
    keeps the hash that checkpoint names.  An empty list means every event
    is intact, present and in order.
    """
    known = dict(hashers or {SHA256.name: SHA256})
    streams: dict[tuple[str, str], list[DomainEvent]] = {}
    for event in events:
        streams.setdefault((event.stream, event.stream_id), []).append(event)
    findings: list[AuditFinding] = []
    for key, stream in streams.items():
        findings.extend(_verify_stream(stream, known, redactions or {}))
        head = (heads or {}).get(key)
        last = max(stream, key=lambda e: e.version)
        if head and head != last.hash:
            findings.append(
                AuditFinding(
                    key[0],
                    key[1],
                    last.version + 1,
                    Finding.DELETED,
                    "the stored record is newer than the last event: events after this one are missing",
                )
            )
    return findings


def _verify_stream(
    events: list[DomainEvent],
    hashers: Mapping[str, Hasher],
    redactions: Mapping[tuple[str, str, int], Redaction],
) -> list[AuditFinding]:
    findings: list[AuditFinding] = []

    def found(event: DomainEvent, finding: Finding, detail: str) -> None:
        findings.append(AuditFinding(event.stream, event.stream_id, event.version, finding, detail))

    versions = [e.version for e in events]
    if versions != sorted(versions):
        found(events[0], Finding.REORDERED, f"stored order of versions is {versions}")
    expected_prev = ""
    for position, event in enumerate(sorted(events, key=lambda e: e.version), start=1):
        if event.version != position:
            found(event, Finding.DELETED, f"version {position} is missing before version {event.version}")
            break
        algorithm = event.hash.partition(":")[0]
        hasher = hashers.get(algorithm)
        if hasher is None:
            found(event, Finding.UNKNOWN_ALGORITHM, f"hash algorithm {algorithm!r} is not registered")
        elif hasher.hash(canonical_bytes(event)) != event.hash and not _redacted(event, redactions):
            found(event, Finding.EDITED, "content does not match its hash")
        if event.prev_hash != expected_prev:
            found(event, Finding.BROKEN_LINK, "does not link to the previous event's hash")
        expected_prev = event.hash
    return findings


def _redacted(event: DomainEvent, redactions: Mapping[tuple[str, str, int], Redaction]) -> bool:
    """Whether `event` is the redacted content a checkpoint vouched for, under its original hash."""
    redaction = redactions.get((event.stream, event.stream_id, event.version))
    if redaction is None or redaction.hash != event.hash:
        return False
    return redaction.digest == redacted_digest(event)


def redacted_digest(event: DomainEvent) -> str:
    """The digest a `Redaction` records of an event's redacted content (SHA-256 of its canonical bytes)."""
    return "sha256:" + hashlib.sha256(canonical_bytes(event)).hexdigest()


def hasher_from(name: str, hashers: Mapping[str, Hasher]) -> Hasher:
    """The registered hasher called ``name``; a ValidationError lists the known ones."""
    try:
        return hashers[name]
    except KeyError:
        known = ", ".join(sorted(hashers))
        hint = ""
        if name == "sm3":
            hint = f" (this Python's OpenSSL has no SM3: pip install {SM3_PLUGIN}, a pure-Python SM3)"
        raise ValidationError("hash_algorithm", name, f"unknown; registered: {known}{hint}") from None


def describe(findings: Iterable[AuditFinding]) -> list[dict[str, Any]]:
    """Findings as JSON-ready dicts (for ``govbiz verify --json``)."""
    return [attrs.asdict(f) for f in findings]
