"""Checking a county configuration file without sending anything (配置检查).

`check_county_file` renders every template the file's routing uses with
sample data (a typo such as `{{ problem.titel }}` fails here, not at the
first overdue reminder), and checks every channel the rules name: known to
an installed plugin or configured in the file, its `*_env` variables set,
and each of the file's own channels built by its plugin from its settings.
Nothing is sent and nothing is stored.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from govbiz.config.file import CountyFile, line_of
from govbiz.errors import ValidationError
from govbiz.notify.channel_book import build_channel

if TYPE_CHECKING:
    import pluggy

__all__ = ["SAMPLE_CONTEXT", "Finding", "check_county_file"]

_DEADLINE = {
    "rule": "7个工作日内报送落实情况", "last_day": "2025-04-10", "cutoff": "2025-04-10 24:00", "note": "",
}  # fmt: skip

#: What an unset `*_env` variable stands for while a channel's other settings are checked.
_STAND_IN = "https://unset.invalid/"

#: What templates are rendered with when checked: every value the notifier gives some template.
SAMPLE_CONTEXT: Mapping[str, Any] = {
    "subject_id": "430802-2025-0001",
    "problem": {
        "id": "430802-2025-0001", "title": "厂区道路未硬化", "category": "基础设施",
        "enterprise": "张家界某某有限公司", "state": "办理中",
    },
    "lead": "区自然资源局", "co_handlers": "区发改局", "department": "区自然资源局、区发改局",
    "assigned_at": "2025-03-31 10:00", "deadlines": [_DEADLINE], "deadline": _DEADLINE,
    "days_left": 2, "days_late": 3, "letter_day": "2025-04-11", "criticism_day": "2025-04-18",
    "explanation": "自 2025-03-31 起 7 个工作日",
    "reason": "不属于本部门职责", "proposed": "区发改局", "accepted": False, "note": "经核属本部门职责",
    "circular": {"id": "TB-2025-01", "title": "关于超期问题的通报", "body": "……"},
    "notice": {"number": "国办发明电〔2025〕1号", "year": 2026, "key": "sample"},
    "changes": [{
        "clock": "progress", "old_last_day": "2026-01-05", "new_last_day": "2026-01-06",
        **{k: _DEADLINE[k] for k in ("rule", "cutoff", "note")},
    }],
    "named_codes": [], "lead_codes": [], "enterprise_codes": [],
}  # fmt: skip


@attrs.frozen(slots=True)
class Finding:
    """One thing `check_county_file` found: `error` (the file will not work) or `warning`."""

    level: str
    file: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.level}: {self.key}: {self.message}"


def check_county_file(
    file: CountyFile,
    channels: Collection[str] = ("console",),
    environ: Mapping[str, str] | None = None,
    pm: pluggy.PluginManager | None = None,
) -> list[Finding]:
    """What is wrong with `file` beyond its syntax; empty when it is ready.

    `channels` are the channel names the installed plugins provide;
    `environ` the environment its `*_env` settings are looked up in (the
    process's by default).  Each `[channels.NAME]` table is built by the
    plugin that knows its kind (`govbiz_channel_from_settings`), which
    checks its settings; nothing connects and nothing is sent.
    """
    env = os.environ if environ is None else environ
    found: list[Finding] = []

    def add(level: str, key: str, message: str) -> None:
        found.append(Finding(level, file.source, line_of(file.text, key), key, message))

    settings = file.notifications
    if settings is not None:
        names = {rule.template_name for rule in settings.rules} | set(settings.templates.overrides)
        for name in sorted(names):
            key = f"notifications.templates.{name}"
            try:
                settings.templates.render(name, SAMPLE_CONTEXT)
            except ValidationError as exc:
                own = name in settings.templates.overrides
                add("error", key, exc.reason if own else f"built-in template {name}: {exc.reason}")
        for i, rule in enumerate(settings.rules):
            for channel in rule.channels:
                if channel not in channels and channel not in file.channels:
                    add("error", f"notifications.rules[{i}].channels", f"no installed plugin gives channel "
                        f"{channel!r} (installed: {', '.join(sorted(channels))})")
    for name, table in file.channels.items():
        unset = {variable for variable in table.variables().values() if variable not in env}
        for setting, variable in table.variables().items():
            if variable in unset:
                message = f"environment variable {variable} is not set here"
                add("warning", f"channels.{name}.{setting}", message)
        # Built with stand-ins for the unset variables, so that every other setting is checked too.
        built = build_channel(file.source, name, table, pm, {**env, **dict.fromkeys(unset, _STAND_IN)})
        if built.channel is not None:
            continue
        if built.reason.startswith("no installed plugin builds"):
            add("warning", built.key, f"{built.reason} in this environment")
        else:
            add("error", built.key, built.reason)
    return found
