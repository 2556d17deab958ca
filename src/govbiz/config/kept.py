"""The county configuration files a ledger keeps (台账中的区县配置文件), read back as layers."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from govbiz.config.file import CountyFile, parse_county_file
from govbiz.config.layer import FileAnswer, file_answers
from govbiz.domain.county_config import KeptCountyConfig
from govbiz.ports.storage import RecordKind

if TYPE_CHECKING:
    from govbiz.ports.storage import Store, UnitOfWork

__all__ = ["kept_answers", "kept_files", "latest_kept"]


def latest_kept(uow: UnitOfWork) -> list[KeptCountyConfig]:
    """The file applied last for each division that has one, ordered by division."""
    latest: dict[str, KeptCountyConfig] = {}
    for record in uow.list_records(RecordKind.COUNTY_CONFIG):
        newer = isinstance(record, KeptCountyConfig) and (
            record.county not in latest or record.key > latest[record.county].key
        )
        if newer:
            assert isinstance(record, KeptCountyConfig)
            latest[record.county] = record
    return [latest[county] for county in sorted(latest)]


def kept_files(uow: UnitOfWork) -> list[CountyFile]:
    """The files in force in the ledger (the latest per division), parsed."""
    return [_parsed(r.text, r.source) for r in latest_kept(uow)]


@functools.lru_cache(maxsize=64)
def _parsed(text: str, source: str) -> CountyFile:
    # The text was validated when it was kept; parsing it again on every open is wasted time.
    return parse_county_file(text, source)


def kept_answers(store: Store, county: str) -> list[FileAnswer]:
    """What the files kept in `store` give for `county` (for `govbiz.open`'s profiles)."""
    with store.unit_of_work() as uow:
        files = kept_files(uow)
    return file_answers(files, county)
