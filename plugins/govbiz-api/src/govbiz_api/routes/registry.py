"""`GET /v1/records/…`, `/v1/sessions…`, `/v1/me`: the registry as the caller may see it (登记信息).

Records come from `Ledger.record` and `Ledger.records`, which keep to the
caller's division and its roll-up, and never hold an enterprise's contacts.
`GET /v1/records/enterprise/{id}?reveal=contacts&reason=…` shows them in
full through the library's `RevealContacts` command: only a role the
library lets see them (an administrator or collector of the enterprise's
county), and every reveal is an event of the audit trail (who saw whose
contacts, when, why).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from govbiz import commands as c
from govbiz.errors import ValidationError
from govbiz.ports.storage import RecordKind
from govbiz.records import ProblemRecord
from govbiz_api.app import caller, services
from govbiz_api.tokens import ApiToken
from govbiz_api.views import record_json

__all__ = ["refuse_reveal", "router"]

router = APIRouter(tags=["registry"])

Caller = Annotated[ApiToken, Depends(caller)]
Reveal = Annotated[
    Literal["contacts"] | None,
    Query(description="`contacts`: one enterprise's contacts in full, with `reason`; the reveal is audited"),
]
Reason = Annotated[str | None, Query(description="Why the contacts are needed (recorded with the reveal)")]


def refuse_reveal(token: ApiToken, reveal: str | None) -> None:
    """Refuse `?reveal=contacts` on a list: contacts are revealed one enterprise at a time."""
    if reveal is not None:
        raise ValidationError("reveal", reveal, "contacts are revealed one enterprise at a time: "
                              "GET /v1/records/enterprise/{id}?reveal=contacts&reason=...")  # fmt: skip


@router.get("/me", operation_id="whoAmI")
def who_am_i(token: Caller) -> dict[str, Any]:
    """The actor the token stands for (操作人): id, role, county, department, enterprise."""
    actor = token.actor
    return {
        "token_id": token.id,
        "actor_id": actor.id,
        "role": actor.role.value,
        "county": actor.county,
        "department": actor.department,
        "enterprise": actor.enterprise,
    }


@router.get("/records/{kind}", operation_id="listRecords")
def list_records(request: Request, kind: RecordKind, token: Caller, reveal: Reveal = None) -> list[Any]:
    """Every registry record of `kind` the caller may see (divisions, departments, enterprises …)."""
    refuse_reveal(token, reveal)
    return [record_json(r) for r in services(request).ledger.records(token.actor, kind)]


@router.get("/records/{kind}/{key}", operation_id="getRecord")
def get_record(  # FastAPI passes every parameter by name
    request: Request, kind: RecordKind, key: str, *, token: Caller,
    reveal: Reveal = None, reason: Reason = None,
) -> Any:
    """One registry record; 404 when it does not exist in the caller's division.

    With `reveal=contacts` and a `reason`, an enterprise's record comes with
    its contacts in full, as the library's audited `RevealContacts` gives them.
    """
    ledger = services(request).ledger
    record = record_json(ledger.record(token.actor, kind, key))
    if reveal is None:
        return record
    if kind is not RecordKind.ENTERPRISE:
        raise ValidationError("reveal", reveal, "only an enterprise's record has contacts to reveal")
    if not reason or not reason.strip():
        raise ValidationError("reason", reason, "say why the contacts are needed: the reveal is recorded")
    contacts = ledger.handle(token.actor, c.RevealContacts(enterprise_id=key, reason=reason))
    return {**record, "contacts": [contact.revealed() for contact in contacts]}


@router.get("/sessions", operation_id="listSessions")
def list_sessions(request: Request, token: Caller) -> list[Any]:
    """The reception days, round tables and special sessions (接待日) the caller may see."""
    return [record_json(s) for s in services(request).ledger.records(token.actor, RecordKind.SESSION)]


@router.get("/sessions/{session_id}", operation_id="getSession")
def get_session(request: Request, session_id: str, token: Caller) -> dict[str, Any]:
    """A session and its agenda (接待日议程): the problems scheduled for or assigned at it."""
    ledger = services(request).ledger
    session = ledger.record(token.actor, RecordKind.SESSION, session_id)
    agenda = ledger.agenda(token.actor, session_id)
    return {
        "session": record_json(session),
        "agenda": [ProblemRecord.model_validate(p).model_dump(mode="json") for p in agenda],
    }
