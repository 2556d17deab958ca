"""County configuration files kept in the ledger (区县配置文件); see `govbiz.config`."""

from __future__ import annotations

from typing import Any

from govbiz import commands as c
from govbiz.config.file import parse_county_file
from govbiz.domain.actors import Role
from govbiz.domain.county_config import ConfigKept, KeptCountyConfig, config_key
from govbiz.errors import PermissionDeniedError
from govbiz.handlers.context import CommandContext, Handler
from govbiz.ports.storage import RecordKind

__all__ = ["HANDLERS"]

_ADMINISTRATORS = frozenset({Role.ADMINISTRATOR})


def keep_county_config(ctx: CommandContext, cmd: c.KeepCountyConfig) -> ConfigKept:
    """Validate the file and keep it under its first division, unless that is its latest already."""
    ctx.require_role(_ADMINISTRATORS, "KeepCountyConfig")
    file = parse_county_file(cmd.text, cmd.source or "county.toml")
    first = file.divisions[0]
    if ctx.actor.county not in (first.code, first.parent):
        raise PermissionDeniedError(
            ctx.actor.describe(),
            "keep_county_config",
            f"the file configures {first.code}: an administrator of it (or of its city) applies it",
        )
    kept = [
        r
        for r in ctx.uow.list_records(RecordKind.COUNTY_CONFIG, frozenset({file.county}))
        if isinstance(r, KeptCountyConfig)
    ]
    latest = max(kept, key=lambda r: r.key, default=None)
    if latest is not None and latest.sha256 == file.sha256:
        return ConfigKept(latest, already_kept=True)
    record = KeptCountyConfig(
        key=config_key(file.county, len(kept) + 1), county=file.county, divisions=file.codes(),
        text=cmd.text, sha256=file.sha256, source=file.source, applied_at=ctx.now, applied_by=ctx.actor.id,
    )  # fmt: skip
    payload: dict[str, Any] = {
        "source": record.source, "sha256": record.sha256, "divisions": list(record.divisions),
        "text": cmd.text,
    }  # fmt: skip
    ctx.add_record(RecordKind.COUNTY_CONFIG, record.key, record, county=file.county, payload=payload)
    return ConfigKept(record)


HANDLERS: dict[type[c.Command[Any]], Handler] = {c.KeepCountyConfig: keep_county_config}
