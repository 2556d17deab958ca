"""County configuration files kept in the ledger (台账中的区县配置文件).

`govbiz county apply FILE` keeps the file's text in the ledger, so every
process that opens the ledger (`govbiz.open`) lays it over what the
plugins give, with no Python and no restart of the others' configuration.
Each application of a changed file is a record of its own: the ledger keeps
every version it ever used, and the one applied last for a division wins.
"""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["ConfigKept", "KeptCountyConfig", "config_key"]


def config_key(division: str, sequence: int) -> str:
    """The ledger key of the `sequence`-th file applied for `division` (its first division)."""
    return f"{division}#{sequence:04d}"


@attrs.frozen(slots=True)
class KeptCountyConfig:
    """A county configuration file as the ledger keeps it (区县配置文件): its text and who applied it.

    `county` is the file's first division (the city of a city's file);
    `divisions` every division it configures; `text` the TOML text,
    `sha256` its digest and `source` the file's name as given to
    `govbiz county apply`.
    """

    key: str
    county: str
    divisions: tuple[str, ...]
    text: str
    sha256: str
    source: str
    applied_at: datetime
    applied_by: str


@attrs.frozen(slots=True)
class ConfigKept:
    """What keeping a county configuration file did: the record, and whether it was kept already.

    `already_kept` is true when the ledger's latest file for the division
    has the same text: applying a file twice keeps it once.
    """

    kept: KeptCountyConfig
    already_kept: bool = False
