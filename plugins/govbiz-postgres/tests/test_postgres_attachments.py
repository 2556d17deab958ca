"""附件 on PostgreSQL: the attachment's event is stored and read back; the bytes stay in their own store."""

from __future__ import annotations

import hashlib
from pathlib import Path

from govbiz_postgres import open_postgres
from govbiz_postgres.store import PostgresStore

from govbiz.attachments import attach_file, attachments, read_attachment
from govbiz.ledger import Ledger
from govbiz.storage.attachments import FileAttachmentStore
from tests.conftest import build_world

SCAN = b"%PDF-1.7\n" + b"1" * 500 + b"\n%%EOF\n"


def test_an_attachment_recorded_on_postgresql_is_listed_and_read_after_reopening(
    pg_store: PostgresStore, pg_url: str, tmp_path: Path
) -> None:
    files = FileAttachmentStore(tmp_path / "files")
    world = build_world(Ledger(pg_store, attachments=files))
    problem = world.signed()
    attach_file(world.ledger, world.zgj, problem.id, "签收单.pdf", SCAN, note="签字盖章")
    with Ledger(open_postgres(pg_url), attachments=files) as ledger:  # another process would see the same
        [found] = attachments(ledger, world.viewer, problem.id)
        kept = (found.file_name, found.sha256, found.note)
        assert kept == ("签收单.pdf", hashlib.sha256(SCAN).hexdigest(), "签字盖章")
        assert read_attachment(ledger, world.viewer, problem.id, found.sha256)[1] == SCAN
        assert ledger.problem(world.viewer, problem.id).version == problem.version + 1
