"""A county's own mail server, set up in its configuration file (issue #20: channel settings from files).

`[channels.email]` in the file the ledger keeps is built by this plugin
(`govbiz_channel_from_settings`) when `govbiz outbox dispatch` starts: the
county's notices go out through its server, the password read from the
variable the file names, never from the file.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from email_test_server import SmtpServer
from govbiz_email import EmailChannel

import govbiz
from govbiz import commands as c
from govbiz.cli import main
from govbiz.clock import ManualClock
from govbiz.config import parse_county_file
from govbiz.config.check import check_county_file
from govbiz.domain import Actor, Role
from govbiz.notify.channel_book import ledger_channels
from govbiz.ports.outbox import OutboxStatus

BEIJING = ZoneInfo("Asia/Shanghai")

FILE = """\
categories = ["土地规划", "其他"]

[[divisions]]
code = "430800"
name = "张家界市"

[[divisions]]
code = "430802"
name = "永定区"
parent = "430800"

[[divisions.departments]]
code = "430802-zrzy"
name = "永定区自然资源局"
short_name = "区自然资源局"
contacts = {{ email = ["zrzy@yongding.example.gov.cn"] }}

[[notifications.rules]]
trigger = "assigned"
recipients = ["lead"]
channels = ["email"]

[channels.email]
host = "127.0.0.1"
port = {port}
security = "none"
sender = "duban@yongding.example.gov.cn"
timeout = 5
"""


def _ledger_with_an_assignment(tmp_path: Path, text: str, when: datetime) -> str:
    """A SQLite ledger keeping `text`, with one problem assigned at `when`; its URL."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    path = tmp_path / "yongding.toml"
    path.write_text(text, encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["county", "apply", str(path), "--db", url]).exit_code == 0
    with govbiz.open(url, clock=ManualClock(when)) as ledger:
        collector = Actor(id="tzb", role=Role.COLLECTOR, county="430802")
        admin = Actor(id="admin", role=Role.ADMINISTRATOR, county="430802")
        firm = ledger.handle(admin, c.RegisterEnterprise(
            county="430802", name="张家界某某建材有限公司", credit_code="91430800MA4L12345E"))  # fmt: skip
        problem = ledger.handle(collector, c.CollectProblem(
            enterprise_id=firm.id, title="厂区道路未硬化", category="土地规划", source="调研走访",
        ))  # fmt: skip
        ledger.handle(collector, c.TriageProblem(problem_id=problem.id))
        ledger.handle(Actor(id="qz", role=Role.CHAIR, county="430802"),
                      c.AssignProblem(problem_id=problem.id, lead="430802-zrzy"))  # fmt: skip
    return url


def test_the_countys_own_server_delivers_its_notices(plain_server: SmtpServer, tmp_path: Path) -> None:
    when = datetime.now(BEIJING) - timedelta(minutes=5)  # today, whatever day the test runs
    url = _ledger_with_an_assignment(tmp_path, FILE.format(port=plain_server.port), when)
    with govbiz.open(url) as ledger:
        book = ledger_channels(ledger, environ={})
        own = book.channel_for("430802", "email")
        assert isinstance(own, EmailChannel)
        assert book.channel_for("430899", "email") is None  # another county has no mail server here
    result = CliRunner().invoke(main, ["outbox", "dispatch", "--db", url])
    assert result.exit_code == 0, result.output
    assert "sent 1," in result.output
    [received] = plain_server.handler.messages
    assert received.mail_from == "duban@yongding.example.gov.cn"
    assert received.rcpt_tos == ("zrzy@yongding.example.gov.cn",)


def test_an_unset_password_variable_holds_the_countys_notices_for_a_retry(
    plain_server: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = FILE.format(port=plain_server.port).replace(
        'security = "none"', 'security = "starttls"\nusername = "duban"\npassword_env = "YD_SMTP_PASSWORD"'
    )
    url = _ledger_with_an_assignment(tmp_path, text, datetime(2026, 12, 1, 10, tzinfo=BEIJING))
    monkeypatch.delenv("YD_SMTP_PASSWORD", raising=False)
    result = CliRunner().invoke(main, ["outbox", "dispatch", "--db", url, "--once"])
    assert result.exit_code == 0, result.output
    assert "to retry 1" in result.output  # not dead: setting the variable is enough
    with govbiz.open(url) as ledger:
        [entry] = [e for e in ledger.store.outbox().entries() if e.notification.channel == "email"]
    assert entry.status is OutboxStatus.PENDING
    assert "YD_SMTP_PASSWORD" in entry.last_error
    assert "430802" in entry.last_error
    assert plain_server.handler.messages == []  # never through another server


def test_config_check_builds_the_channel_and_names_a_wrong_setting() -> None:
    good = parse_county_file(FILE.format(port=2525), "yongding.toml")
    assert [f for f in check_county_file(good, {"console", "email"}, environ={}) if f.level == "error"] == []
    bad = parse_county_file(FILE.format(port=2525).replace('"none"', '"ssl"'), "yongding.toml")
    [finding] = [f for f in check_county_file(bad, {"console", "email"}, environ={}) if f.level == "error"]
    assert finding.key == "channels.email.security"
    assert finding.line == 26
    assert "ssl" in finding.message
