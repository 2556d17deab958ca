"""Hook specifications: the ports through which a county plugs in what differs.

A plugin is a module or object with functions named like these, decorated
with `govbiz.hookimpl`.  It is found through the `govbiz` entry-point group
(see `govbiz.plugins`).  Each docstring says when the hook is called, what
it receives and what it returns.

Conventions:

* A plugin contributes by returning.  A collection hook returns an
  iterable of what the plugin adds (hash functions, channels, report
  formats, commands, holiday notices, local days), or `None` for nothing;
  govbiz collects every plugin's answer, as pytest and datasette collect
  theirs.  No hook takes a callback to call.
* `firstresult` hooks stop at the first plugin that answers (not `None`).
* Hooks that configure a county (profile, deadline policy) are layered.  A
  plugin that also answers for the county's city (430800 for 430802) is the
  city's: its answer is the base.  A plugin that answers for the county
  only refines it.  Two answers for the same part of the same county at the
  same layer are an error that names both plugins, never a silent pick (see
  `govbiz.profile.ProfileLayer`).
* A plugin may wrap any hook (`@hookimpl(wrapper=True)`) to time or audit it.

Hooks are grouped by the phase in which govbiz calls them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from govbiz.calendar import HolidayNotice, LocalDays
    from govbiz.deadlines import DeadlinePolicy
    from govbiz.domain.events import DomainEvent
    from govbiz.ports.channel import NotificationChannel
    from govbiz.ports.cipher import ContactCipher
    from govbiz.ports.hasher import Hasher
    from govbiz.ports.report_format import ReportFormat
    from govbiz.ports.signer import Signer, Verifier
    from govbiz.ports.storage import Store
    from govbiz.profile import CountyProfile, ProfileParts

__all__ = ["hookimpl", "hookspec"]

PROJECT = "govbiz"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- Opening a ledger -----------------------------------------------------------------


@hookspec(firstresult=True)
def govbiz_storage(url: str) -> Store | None:
    """Return a store for `url`, or `None` if this plugin does not handle its scheme.

    Called by `govbiz.open(url)` each time a ledger is opened.  The first
    plugin that returns a store wins; built in are `memory://` and
    `sqlite:///path`.  A PostgreSQL plugin answers `postgresql://...`.
    Raise `govbiz.errors.ValidationError` (field `url`) for a URL of your
    scheme that you cannot use; return `None` for any other scheme.
    """


@hookspec(historic=True)
def govbiz_hash_algorithms() -> Iterable[Hasher] | None:
    """Return hash functions for the audit chain (e.g. SM3, GB/T 32905).

    Called once per plugin manager, the first time a ledger is opened
    (historic: plugins registered later are called too).  Return one
    `Hasher(name, digest)` for each; `govbiz verify` accepts chains made by
    any of them.
    """


@hookspec
def govbiz_contact_ciphers() -> Iterable[ContactCipher] | None:
    """Return ciphers for contacts at rest (个人信息加密; e.g. SM4, GB/T 32907).

    Called when a contact key ring is loaded (`govbiz.contact_keys.load_key_ring`).
    Return one `govbiz.ports.cipher.ContactCipher` for each; a key in the
    ring names its cipher by `algorithm` (AES-256-GCM is built in).
    """


@hookspec(firstresult=True)
def govbiz_signature_key(path: str, private: bool) -> Signer | Verifier | None:
    """Load the checkpoint key in the file at `path` (e.g. an SM2 key, GB/T 32918), or return `None`.

    Called by `govbiz audit checkpoint --key` and `govbiz.open` (`private`:
    a `govbiz.ports.signer.Signer`) and by `govbiz verify --public-key` and
    `govbiz audit verify-export` (a `Verifier`).  Return `None` for a file
    that is not yours: the first plugin that answers wins, and without one
    the file is read as an Ed25519 PEM key (built in).
    """


# --- Calendar and county rules ----------------------------------------------------------


@hookspec
def govbiz_calendar_data() -> Iterable[HolidayNotice] | None:
    """Return holiday notices (国务院办公厅放假安排通知) to add to the national calendar.

    Called when the national calendar is first built.  Use it to add next
    year's notice to every ledger of a deployment before a govbiz release
    carries it (a ledger can keep one itself: `govbiz calendar add-notice`).
    A notice with the document number of one the package ships replaces it
    whole (a corrected notice); one with its own number wins for every day it
    names (an amendment).  A notice kept in a ledger wins over both.
    """


@hookspec
def govbiz_local_days(county: str) -> Iterable[LocalDays] | None:
    """Return local rest or working days of `county` (e.g. an autonomous prefecture's festival).

    Called when a county's deadline policy is built.  Return an empty list
    (or `None`) for counties you do not know.
    """


@hookspec
def govbiz_county_profile(county: str) -> CountyProfile | ProfileParts | None:
    """Return the profile of `county` (categories, sources, departments ...), or `None`.

    Called the first time a ledger needs the county's profile.  A
    `CountyProfile` gives every part; `ProfileParts` gives only the parts
    it names (departments and notifications, say) and leaves the rest to
    the layer below.  The answer of a plugin that also answers for the
    county's city is the base (city layer); a plugin that answers for the
    county only refines it (county layer).  Two answers for one part at one
    layer raise `govbiz.profile.ProfileConflictError` naming both plugins
    and the part.
    """


@hookspec
def govbiz_deadline_policy(county: str, default: DeadlinePolicy) -> DeadlinePolicy | None:
    """Return a deadline policy overriding `default` for `county`, or `None`.

    Called after the county profile is resolved, with the profile's policy
    (or the national default) as `default`; derive yours from it, e.g.
    `attrs.evolve(default, approaching_working_days=3)`.  Layered like the
    profile: a county plugin's answer is derived from the city plugin's (it
    gets that as `default`); two answers at one layer raise
    `govbiz.plugins.PluginConflictError` naming both.
    """


# --- Running ------------------------------------------------------------------------------


@hookspec
def govbiz_events_committed(events: Sequence[DomainEvent]) -> None:
    """Observe the events of one command, after they are committed.

    Called once per successful command, in the committing process.  The
    state change is already durable: an exception here is logged with the
    plugin's name and never undoes it.  For work that must not be lost
    (notifications) use the outbox, not this hook.
    """


@hookspec
def govbiz_notification_channels() -> Iterable[NotificationChannel] | None:
    """Return notification channels (email, DingTalk/WeCom/Feishu robots, SMS ...).

    Called when the notification dispatcher starts.  A channel has a unique
    `name` and a `deliver(notification)` method (see
    `govbiz.ports.channel.NotificationChannel`); a name two plugins use is
    an error naming both.  Return nothing (`None` or `[]`) when installed
    but not configured.
    """


@hookspec(firstresult=True)
def govbiz_channel_from_settings(
    kind: str, name: str, settings: Mapping[str, Any], environ: Mapping[str, str]
) -> NotificationChannel | None:
    """Build a channel from a county file's `[channels.NAME]` table, or return `None`.

    Called when a dispatcher starts (`govbiz outbox dispatch`) for every
    channel table of the configuration files the ledger keeps, and by
    `govbiz config check`, which builds each channel without sending
    anything.  `kind` is the table's `kind` setting, or `name` when it has
    none (`[channels.email]` is of kind `email`); `settings` are the other
    keys as written, secrets only named by variable (`password_env`), and
    `environ` is where to look those variables up.  Answer for the kinds
    your plugin delivers and return `None` for the others; raise
    `govbiz.errors.ValidationError` naming the setting when one is wrong.
    Never connect or send here.  The channel you return must carry `name`:
    it delivers that county's messages routed to `name`, in place of an
    installed channel of the same name.
    """


@hookspec
def govbiz_report_formats() -> Iterable[ReportFormat] | None:
    """Return report formats (Markdown, JSON, CSV, HTML, xlsx ...).

    Called when a report is rendered or `govbiz report --help` lists the
    formats.  A format has a unique `name`, a `suffix` and a
    `render(report) -> bytes` method; a name two plugins use is an error
    naming both.
    """


@hookspec
def govbiz_register_commands() -> Iterable[click.Command] | None:
    """Return subcommands to add to the `govbiz` command.

    Called when the command line starts.  Make each with `@click.command()`
    (or `@click.group()`) and return them; a name already taken is an error
    naming both owners.
    """
