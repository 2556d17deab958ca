"""The configuration reference's TOML examples are accepted by the code they document."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from govbiz.deadlines import DeadlinePolicy
from govbiz.notify.notifier import NotificationSettings
from govbiz.notify.routing import Trigger

PAGE = Path(__file__).resolve().parent.parent / "docs" / "reference" / "configuration.md"


def toml_blocks() -> list[dict[str, object]]:
    return [
        tomllib.loads(block)
        for block in re.findall(r"```toml\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    ]


def test_the_deadline_example_builds_a_policy() -> None:
    policy = DeadlinePolicy.from_dict(toml_blocks()[0])
    assert policy.rule("progress").label == "7个工作日内报送落实情况"
    assert policy.close_of_business is not None
    assert policy.close_of_business.isoformat() == "17:30:00"


def test_the_notification_example_builds_settings() -> None:
    settings = NotificationSettings.from_dict(toml_blocks()[1])
    assert settings.address_book.addresses("430800-zgj", "email") == ("zgj@example.gov.cn",)
    assert [r.trigger for r in settings.rules] == [Trigger.OVERDUE]
    rendered = settings.templates.render("redo", {"problem": {"title": "T"}, "lead": "市自规局"})
    assert rendered.subject == "【请重办】T"


def test_every_environment_variable_documented_is_read_by_the_code() -> None:
    source = "\n".join(
        p.read_text(encoding="utf-8") for p in Path(__file__).resolve().parents[1].glob("src/govbiz/**/*.py")
    )
    root = Path(__file__).resolve().parents[1]
    # The readers may be test suites: the project's and the plugin packages' own.
    extra = "\n".join(
        p.read_text(encoding="utf-8")
        for pattern in ("tests/**/*.py", "plugins/*/tests/**/*.py")
        for p in root.glob(pattern)
    )
    for name in re.findall(r"^\| `([A-Z_]+)` \|", PAGE.read_text(encoding="utf-8"), re.M):
        assert name in source or name in extra, name


def test_the_county_file_example_is_a_valid_county_file() -> None:
    from govbiz.config import parse_county_file

    blocks = re.findall(r"```toml\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    file = parse_county_file(blocks[2], "configuration.md")
    assert file.codes() == ("430802",)
    assert file.channels["email"].variables() == {"password_env": "YD_SMTP_PASSWORD"}
    assert file.notifications is not None
    assert file.notifications.address_book.addresses("430802-zrzy", "email") == ("zrzy@example.gov.cn",)
