"""Which channel delivers a county's message (各区县的通知渠道).

Installed plugins give channels for the whole ledger (`govbiz_notification_channels`,
configured by their own environment variables).  A county configuration file
may set a channel up for its own divisions instead, `[channels.email]` with its
own mail server, say: the plugin that knows the table's kind builds it through
`govbiz_channel_from_settings`.  A `ChannelBook` holds both and answers, for an
outbox entry, the county's own channel first, then the installed one of the
same name.

A county's channel that cannot be built here (a variable it names is not set
on this machine, a setting is wrong) is kept as a reason, not dropped: that
county's messages wait and are retried with the reason as their error instead
of going out through the wrong county's server.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from govbiz.errors import GovbizError, ValidationError

if TYPE_CHECKING:
    import pluggy

    from govbiz.config.file import ChannelTable, CountyFile
    from govbiz.ledger import Ledger
    from govbiz.ports.channel import NotificationChannel

__all__ = ["BuiltChannel", "ChannelBook", "build_channel", "channel_book", "ledger_channels"]


@attrs.frozen(slots=True)
class BuiltChannel:
    """One `[channels.NAME]` table of a file, built: the channel, or why it could not be.

    `key` is the setting the reason is about (`channels.email.password_env`),
    for messages that point into the file.
    """

    source: str
    name: str
    channel: NotificationChannel | None = None
    key: str = ""
    reason: str = ""


@attrs.frozen(slots=True)
class ChannelBook:
    """The channels a dispatcher delivers through: the counties' own, then the installed ones."""

    installed: Mapping[str, NotificationChannel] = attrs.field(factory=dict)
    #: county → channel name → what its file gave (built, or why not).
    counties: Mapping[str, Mapping[str, BuiltChannel]] = attrs.field(factory=dict)

    def channel_for(self, county: str, name: str) -> NotificationChannel | None:
        """The channel that delivers `county`'s messages routed to `name`, if any."""
        own = self.counties.get(county, {}).get(name)
        if own is not None:
            return own.channel
        return self.installed.get(name)

    def missing(self, county: str, name: str) -> str:
        """Why `channel_for(county, name)` gave nothing, in a sentence for the outbox's error."""
        own = self.counties.get(county, {}).get(name)
        if own is not None:
            return f"channel {name!r} of county {county} ({own.source}) cannot be used here: {own.reason}"
        known = ", ".join(sorted({*self.installed, *self.counties.get(county, {})})) or "none"
        return f"no channel {name!r} is registered (have: {known})"

    def is_temporary(self, county: str, name: str) -> bool:
        """True when the channel is configured but not usable here yet: worth retrying later."""
        return name in self.counties.get(county, {})


def ledger_channels(
    ledger: Ledger, pm: pluggy.PluginManager | None = None, environ: Mapping[str, str] | None = None
) -> ChannelBook:
    """The book a dispatcher of `ledger` uses: the installed channels and those its kept files set up."""
    from govbiz.config.kept import kept_files
    from govbiz.plugins import notification_channels

    with ledger.store.unit_of_work() as uow:
        files = kept_files(uow)
    return channel_book(files, notification_channels(pm), pm, environ)


def channel_book(
    files: Iterable[CountyFile],
    installed: Mapping[str, NotificationChannel],
    pm: pluggy.PluginManager | None = None,
    environ: Mapping[str, str] | None = None,
) -> ChannelBook:
    """The book for `files` (the configuration files the ledger keeps) and the `installed` channels.

    A file's channels serve every division it lists; where two files list
    a division, the file kept under that division (its first) wins over
    the city's file that lists it among its counties.
    """
    env = os.environ if environ is None else environ
    counties: dict[str, dict[str, BuiltChannel]] = {}
    owner: dict[str, bool] = {}
    for file in files:
        if not file.channels:
            continue
        built = {name: build_channel(file.source, name, table, pm, env)
                 for name, table in file.channels.items()}
        for code in file.codes():
            own = code == file.county
            if code in counties and owner[code] and not own:
                continue
            counties[code] = dict(built)
            owner[code] = own
    return ChannelBook(dict(installed), counties)


def build_channel(
    source: str,
    name: str,
    table: ChannelTable,
    pm: pluggy.PluginManager | None = None,
    environ: Mapping[str, str] | None = None,
) -> BuiltChannel:
    """Ask the plugins to build the channel of one `[channels.NAME]` table; never sends."""
    from govbiz.plugins import call_hook, plugin_manager

    settings: dict[str, Any] = table.settings()
    kind = str(settings.pop("kind", name))
    env = os.environ if environ is None else environ
    try:
        channel = call_hook(
            pm or plugin_manager(), "govbiz_channel_from_settings",
            kind=kind, name=name, settings=settings, environ=env,
        )  # fmt: skip
    except ValidationError as exc:
        field = exc.field if exc.field.startswith(f"{name}.") or exc.field == name else f"{name}.{exc.field}"
        shown = f" ({exc.value})" if exc.value not in (None, "") else ""
        return BuiltChannel(source, name, key=f"channels.{field}", reason=f"{exc.reason}{shown}")
    except GovbizError as exc:  # a plugin that failed otherwise (PluginError names it)
        return BuiltChannel(source, name, key=f"channels.{name}", reason=str(exc))
    if channel is None:
        reason = f"no installed plugin builds channels of kind {kind!r}"
        return BuiltChannel(source, name, key=f"channels.{name}", reason=reason)
    if channel.name != name:
        reason = f"the plugin built a channel named {channel.name!r}, not {name!r}"
        return BuiltChannel(source, name, key=f"channels.{name}", reason=reason)
    return BuiltChannel(source, name, channel)
