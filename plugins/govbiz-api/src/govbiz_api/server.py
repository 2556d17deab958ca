"""What `govbiz serve` hands to uvicorn: an application factory reading `$GOVBIZ_DB`.

uvicorn imports `govbiz_api.server:app_from_environment` in each worker
process (`--workers N`) and calls it once there, so every process opens its
own ledger on the same database.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from govbiz_api.app import create_app
from govbiz_api.limits import CLIENT_RATE_ENV, PER_CLIENT, PER_TOKEN, TOKEN_RATE_ENV, limit_from_environment
from govbiz_api.oidc import OIDC_ENV, OidcSettings

__all__ = ["FACTORY", "app_from_environment"]

#: The import string uvicorn is given (with `factory=True`).
FACTORY = "govbiz_api.server:app_from_environment"


def app_from_environment() -> FastAPI:
    """The API over the ledger at `$GOVBIZ_DB` (else `sqlite:///govbiz.db`), with the OIDC
    settings file `$GOVBIZ_API_OIDC` names, if any (its `[workbench]` table signs the workbench in too);
    attachments in `$GOVBIZ_ATTACHMENTS`, at most `$GOVBIZ_ATTACHMENT_MAX_MB`; rate limits of
    `$GOVBIZ_API_TOKEN_RATE` and `$GOVBIZ_API_CLIENT_RATE` requests a minute (`govbiz_api.limits`)."""
    from govbiz_api.workbench.oidc_signin import WorkbenchOidc

    settings = os.environ.get(OIDC_ENV)
    oidc = OidcSettings.from_toml(Path(settings)) if settings else None
    signin = WorkbenchOidc.from_toml(Path(settings)) if settings else None
    return create_app(
        os.environ.get("GOVBIZ_DB") or None,
        oidc=oidc,
        workbench_oidc=signin,
        per_token=limit_from_environment(TOKEN_RATE_ENV, PER_TOKEN),
        per_client=limit_from_environment(CLIENT_RATE_ENV, PER_CLIENT),
    )
