"""`GET /v1/audit/verify`: the audit check of `govbiz verify` (台账完整性核验), for administrators.

The answer is `govbiz.verification.verify_ledger`'s, for the divisions the
administrator sees: a county administrator its county's streams, a city's
administrator the city's and its counties'.  The checkpoints are checked
with the public key of the server's configuration
(`$GOVBIZ_CHECKPOINT_PUBLIC_KEY`, or `create_app(checkpoint_public_key=…)`),
never one read from the database; without one the answer says
`anchored: false`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from govbiz.domain import Division, Role
from govbiz.errors import PermissionDeniedError
from govbiz.ports.storage import RecordKind
from govbiz_api.app import caller, services
from govbiz_api.tokens import ApiToken

__all__ = ["AuditFindingBody", "AuditVerification", "router"]

router = APIRouter(tags=["audit"])


class AuditFindingBody(BaseModel):
    """One thing wrong in the audit trail (`govbiz.audit.AuditFinding`)."""

    stream: str = Field(description="problem, enterprise, …, or checkpoint")
    stream_id: str
    version: int
    finding: str = Field(description="edited, deleted, reordered, broken_link, bad_signature, …")
    detail: str


class AuditVerification(BaseModel):
    """The result of `govbiz verify` for the caller's divisions."""

    events: int = Field(description="Events checked (in the caller's divisions)")
    intact: bool = Field(description="Nothing was found")
    anchored: bool = Field(description="Checked against signed checkpoints with the configured public key")
    checkpoints: int = Field(description="Signed checkpoints verified")
    findings: list[AuditFindingBody]
    notes: list[str]


@router.get("/audit/verify", operation_id="verifyAudit", response_model=AuditVerification)
def verify_audit(*, request: Request, token: Annotated[ApiToken, Depends(caller)]) -> dict[str, Any]:
    """Check the hash chains, the derived state and the signed checkpoints (administrators only)."""
    from govbiz.verification import verify_ledger

    actor = token.actor
    if actor.role is not Role.ADMINISTRATOR:
        reason = "only an administrator may verify the audit trail"
        raise PermissionDeniedError(actor.describe(), "verify", reason)
    found = services(request)
    ledger = found.ledger
    divisions = ledger.records(actor, RecordKind.DIVISION)
    children = {d.code for d in divisions if isinstance(d, Division) and d.parent == actor.county}
    counties = {actor.county, *children}
    return verify_ledger(ledger, found.checkpoint_public_key, counties=counties).as_json()
