"""附件 over HTTP: upload as the body, list, download; another county gets 404; the limits hold."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_test_server import Served, problem_json, serving, start
from govbiz_api import create_app

from govbiz.attachments import AttachmentLimits
from govbiz.domain import Actor, Role
from govbiz.storage.attachments import FileAttachmentStore
from tests.conftest import COUNTY

SCAN = b"\x89PNG\r\n\x1a\n" + b"\x01" * 3000


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    world, db_url, city_problem, county_problem, county_enterprise = start(tmp_path)
    app = create_app(
        world.ledger, attachments=FileAttachmentStore(tmp_path / "files"),
        attachment_limits=AttachmentLimits(max_bytes=5000),
    )  # fmt: skip
    with serving(app) as base:
        yield Served(world, db_url, base, app, city_problem, county_problem, county_enterprise)
    world.ledger.close()


def test_a_department_uploads_and_whoever_reads_the_problem_downloads(served: Served, tmp_path: Path) -> None:
    problem = served.city_problem.id
    with served.client(served.world.zgj) as http:
        answer = http.post(
            f"/v1/problems/{problem}/attachments", params={"file_name": "现场照片.png", "note": "踏勘"},
            content=SCAN, headers={"Content-Type": "application/octet-stream"},
        )  # fmt: skip
        assert answer.status_code == 200, answer.text
        assert answer.headers["ETag"] == f'"{served.version(problem)}"'
    digest = hashlib.sha256(SCAN).hexdigest()
    assert (tmp_path / "files" / digest[:2] / digest).read_bytes() == SCAN
    with served.client(served.world.supervisor) as http:
        [listed] = http.get(f"/v1/problems/{problem}/attachments").json()
        kept = (listed["file_name"], listed["media_type"], listed["size"])
        assert kept == ("现场照片.png", "image/png", len(SCAN))
        got = http.get(f"/v1/problems/{problem}/attachments/{digest}")
        assert got.content == SCAN
        assert got.headers["content-type"] == "image/png"
        assert "filename*=UTF-8''%E7%8E%B0" in got.headers["content-disposition"]
    county = Actor(id="yd-1", role=Role.SUPERVISOR, county=COUNTY)
    with served.client(county) as http:
        assert problem_json(http.get(f"/v1/problems/{problem}/attachments/{digest}"))["status"] == 404
        assert problem_json(http.get(f"/v1/problems/{problem}/attachments"))["status"] == 404


def test_too_large_or_not_what_it_says_is_refused_and_nothing_recorded(served: Served) -> None:
    problem = served.city_problem.id
    before = served.version(problem)
    with served.client(served.world.zgj) as http:
        route = f"/v1/problems/{problem}/attachments"
        large = http.post(route, params={"file_name": "大.png"}, content=SCAN * 2)
        assert large.status_code == 413
        fake = http.post(f"/v1/problems/{problem}/attachments", params={"file_name": "a.pdf"}, content=SCAN)
        assert problem_json(fake)["status"] == 422
        command = {
            "problem_id": problem, "file_name": "a.pdf", "media_type": "application/pdf", "size": 9,
            "sha256": "b" * 64,
        }  # fmt: skip
        unstored = http.post("/v1/commands/AttachFile", json=command)  # no bytes behind the hash
        assert problem_json(unstored)["status"] == 422
    assert served.version(problem) == before
