"""附件: files attached to problems, checked by their bytes, stored first, recorded second, read by scope."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from govbiz import commands as c
from govbiz.attachments import AttachmentLimits, attach_file, attachments, read_attachment
from govbiz.domain import Actor, Role
from govbiz.domain.attachment import sniff_media_type
from govbiz.errors import IllegalTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from govbiz.storage.attachments import DamagedAttachmentError, FileAttachmentStore, MemoryAttachmentStore
from tests.conftest import COUNTY, World

PDF = b"%PDF-1.7\n" + b"0" * 2000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def ofd() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("OFD.xml", "<ofd:OFD/>")
        package.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    return out.getvalue()


@pytest.fixture
def store(world: World, tmp_path: Path) -> FileAttachmentStore:
    found = FileAttachmentStore(tmp_path / "attachments")
    world.ledger.attachments = found
    return found


def test_the_kind_is_told_by_the_bytes_not_the_name() -> None:
    assert sniff_media_type(PDF) == "application/pdf"
    assert sniff_media_type(PNG) == "image/png"
    assert sniff_media_type(b"\xff\xd8\xff\xe0JFIF") == "image/jpeg"
    assert sniff_media_type(ofd()) == "application/ofd"
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as package:
        package.writestr("word/document.xml", "<w:document/>")
    assert sniff_media_type(zipped.getvalue()) is None  # a .docx is a ZIP too, but not an OFD
    assert sniff_media_type(b"MZ\x90\x00 an executable") is None
    limits = AttachmentLimits()
    with pytest.raises(ValidationError, match="accepted kind") as refused:
        limits.check("扫描件.pdf", b"<html><script>alert(1)</script>")
    assert refused.value.field == "file"
    with pytest.raises(ValidationError, match="content is image/png"):
        limits.check("签收单.pdf", PNG)  # named a PDF, but it is a picture
    assert limits.check("签收单.PDF", PDF) == "application/pdf"
    with pytest.raises(ValidationError, match="at most 1000"):
        AttachmentLimits(max_bytes=1000).check("签收单.pdf", PDF)
    with pytest.raises(ValidationError, match="empty"):
        limits.check("签收单.pdf", b"")


def test_a_department_attaches_a_scan_and_whoever_reads_the_problem_may_download_it(
    world: World, store: FileAttachmentStore
) -> None:
    problem = world.signed()
    changed = attach_file(world.ledger, world.zgj, problem.id, r"C:\扫描\签收单.pdf", PDF, note="签字盖章")
    assert changed.version == problem.version + 1
    [found] = attachments(world.ledger, world.viewer, problem.id)
    digest = hashlib.sha256(PDF).hexdigest()
    assert (found.file_name, found.media_type, found.size, found.sha256) == (
        "签收单.pdf", "application/pdf", len(PDF), digest,
    )  # fmt: skip
    assert (found.attached_by, found.department, found.note) == (world.zgj.id, "430800-zgj", "签字盖章")
    assert found.attached_at == world.clock.now()
    assert (store.directory / digest[:2] / digest).read_bytes() == PDF
    attachment, data = read_attachment(world.ledger, world.supervisor, problem.id, digest)
    assert (attachment, data) == (found, PDF)
    history = world.ledger.history(world.admin, problem.id)
    assert history[-1].kind == "attach"
    assert history[-1].payload["sha256"] == digest


def test_another_county_can_neither_list_nor_download(world: World, store: FileAttachmentStore) -> None:
    problem = world.signed()
    attach_file(world.ledger, world.zgj, problem.id, "签收单.pdf", PDF)
    digest = hashlib.sha256(PDF).hexdigest()
    with pytest.raises(NotFoundError):
        attachments(world.ledger, world.county_collector, problem.id)
    with pytest.raises(NotFoundError):
        read_attachment(world.ledger, world.county_collector, problem.id, digest)
    with pytest.raises(NotFoundError):  # a hash the problem does not name is not served, even if stored
        read_attachment(world.ledger, world.viewer, problem.id, hashlib.sha256(b"other").hexdigest())


def test_refused_attachments_record_nothing_and_leave_at_most_a_harmless_orphan(
    world: World, store: FileAttachmentStore
) -> None:
    problem = world.signed()
    version = problem.version
    xcb = Actor(id="xcb-1", role=Role.DEPARTMENT_HANDLER, county=world.zgj.county, department="430800-xcb")
    with pytest.raises(PermissionDeniedError):  # 市委宣传部 is not assigned this problem
        attach_file(world.ledger, xcb, problem.id, "签收单.pdf", PDF)
    attach_file(world.ledger, world.zjj, problem.id, "协办意见.png", PNG)  # the co-handler may
    version += 1
    assert world.ledger.problem(world.admin, problem.id).version == version
    assert [a.file_name for a in attachments(world.ledger, world.admin, problem.id)] == ["协办意见.png"]
    yongding = Actor(id="yd-1", role=Role.COLLECTOR, county=COUNTY)
    with pytest.raises(NotFoundError):  # another county: refused before a byte is stored
        attach_file(world.ledger, yongding, problem.id, "其他.jpg", b"\xff\xd8\xff other")
    assert store.size(hashlib.sha256(b"\xff\xd8\xff other").hexdigest()) is None
    collected = world.collect("尚未交办的问题")
    with pytest.raises(IllegalTransitionError):
        attach_file(world.ledger, world.collector, collected.id, "签收单.pdf", PDF)


def test_storing_fails_then_nothing_is_recorded(world: World, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    world.ledger.attachments = FileAttachmentStore(blocked)
    problem = world.signed()
    with pytest.raises(OSError, match="not-a-folder"):
        attach_file(world.ledger, world.zgj, problem.id, "签收单.pdf", PDF)
    assert world.ledger.problem(world.admin, problem.id).version == problem.version


def test_the_command_alone_is_refused_without_the_bytes(world: World) -> None:
    problem = world.signed()
    command = c.AttachFile(
        problem_id=problem.id, file_name="签收单.pdf", media_type="application/pdf", size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="keeps no attachments"):
        world.ledger.handle(world.zgj, command)
    world.ledger.attachments = MemoryAttachmentStore()
    with pytest.raises(ValidationError, match="holds none"):
        world.ledger.handle(world.zgj, command)
    world.ledger.attachments.put(PDF)
    assert world.ledger.handle(world.zgj, command).version == problem.version + 1
    with pytest.raises(ValidationError) as folder:
        c.AttachFile(problem_id=problem.id, file_name="../../etc/passwd.pdf", media_type="application/pdf",
                     size=1, sha256="a" * 64)  # fmt: skip
    assert "file_name" in str(folder.value)


def test_a_damaged_file_is_refused_not_served(world: World, store: FileAttachmentStore) -> None:
    problem = world.signed()
    attach_file(world.ledger, world.zgj, problem.id, "签收单.pdf", PDF)
    digest = hashlib.sha256(PDF).hexdigest()
    (store.directory / digest[:2] / digest).write_bytes(PDF.replace(b"0", b"1", 1))
    with pytest.raises(DamagedAttachmentError):
        read_attachment(world.ledger, world.zgj, problem.id, digest)
    assert store.put(PDF) == digest  # stored again whole: the damaged file is replaced
    assert read_attachment(world.ledger, world.zgj, problem.id, digest)[1] == PDF
