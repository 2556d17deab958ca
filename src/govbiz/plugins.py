"""Finding, loading and calling plugins.

govbiz's own adapters are ordinary plugins (`DEFAULT_PLUGINS`).  Installed
packages add theirs through the `govbiz` entry-point group::

    [project.entry-points.govbiz]
    zhangjiajie = "govbiz_zhangjiajie"

Nothing is loaded at import time.  The plugin manager is built the first
time something asks for it (`plugin_manager()`), and then:

* the environment variable `GOVBIZ_LOAD_PLUGINS` restricts which installed
  plugins load (a comma-separated allow-list of entry-point names; empty
  means none, unset means all), and `GOVBIZ_DISABLE_PLUGINS` keeps the named
  ones out (like pytest's `-p no:NAME`); a name in either that no installed
  plugin has is refused, naming the installed ones, so a typo never quietly
  leaves a county on the national rules;
* a plugin that fails to import, or implements a hook that does not exist
  (a misspelled `govbiz_*` name), fails loudly with the plugin's name; a
  `govbiz_*` function without `@govbiz.hookimpl` is ignored with a
  `PluginWarning`, as pytest warns about a test class it cannot collect;
* an exception raised inside a plugin's hook is re-raised as `PluginError`
  naming the plugin and the hook.

Plugins contribute by returning (see `govbiz.ports.hooks`): this module
collects every plugin's answer, and when it must say who gave what (two
channels with one name, two answers for one part of a county's profile) it
asks each plugin's implementation again, to name them.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import logging
import os
import threading
import traceback
import warnings
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pluggy

from govbiz import __version__
from govbiz.errors import GovbizError, ValidationError
from govbiz.ports import hooks as hookspecs
from govbiz.ports.signer import Signer, Verifier

if TYPE_CHECKING:
    import click

    from govbiz.calendar import HolidayNotice, WorkingCalendar
    from govbiz.config.layer import FileAnswer
    from govbiz.deadlines import DeadlinePolicy
    from govbiz.domain.events import DomainEvent
    from govbiz.ports.channel import NotificationChannel
    from govbiz.ports.cipher import ContactCipher
    from govbiz.ports.hasher import Hasher
    from govbiz.ports.report_format import ReportFormat
    from govbiz.ports.storage import Store
    from govbiz.profile import CountyProfile, LayeredProfile, ProfileAnswer, ProfileLayer, ProfileParts

__all__ = [
    "DEFAULT_PLUGINS",
    "DISABLE_PLUGINS_ENV",
    "ENTRY_POINT_GROUP",
    "LOAD_PLUGINS_ENV",
    "PluginConflictError",
    "PluginError",
    "PluginInfo",
    "PluginWarning",
    "call_hook",
    "checkpoint_signer",
    "checkpoint_verifier",
    "contact_ciphers",
    "describe_plugins",
    "explain_county_profile",
    "make_plugin_manager",
    "plugin_manager",
    "reset_plugin_manager",
]

log = logging.getLogger(__name__)

#: The entry-point group installed plugins declare.
ENTRY_POINT_GROUP = "govbiz"
#: Environment variable: comma-separated entry-point names allowed to load.
LOAD_PLUGINS_ENV = "GOVBIZ_LOAD_PLUGINS"
#: Environment variable: comma-separated entry-point names kept from loading.
DISABLE_PLUGINS_ENV = "GOVBIZ_DISABLE_PLUGINS"
#: govbiz's own adapters, registered like any other plugin.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "govbiz.builtin.memory",
    "govbiz.builtin.sqlite",
    "govbiz.builtin.sha256",
    "govbiz.builtin.console",
    "govbiz.builtin.reports",
)


class PluginError(GovbizError):
    """A plugin failed: to import, to validate, or inside one of its hooks.

    `plugin` is the plugin's name (its entry-point name), `hook` the hook or
    step (`"import"`, `"validate"`), and `__cause__` the original error.
    """

    def __init__(self, plugin: str, hook: str, reason: str) -> None:
        self.plugin = plugin
        self.hook = hook
        self.reason = reason
        super().__init__(f"plugin {plugin!r} failed in {hook}: {reason}")


class PluginWarning(UserWarning):
    """Something in a plugin govbiz ignores, such as a hook function without `@govbiz.hookimpl`."""


class PluginConflictError(PluginError):
    """Two plugins answered a hook where only one may (e.g. the same county's policy)."""

    def __init__(self, hook: str, subject: str, plugins: Sequence[str]) -> None:
        self.plugins = tuple(plugins)
        names = " and ".join(repr(p) for p in plugins)
        super().__init__(plugins[-1], hook, f"{names} both answer for {subject}; uninstall or disable one")


@attrs.frozen(slots=True)
class PluginInfo:
    """What `govbiz plugins` shows about one plugin."""

    name: str
    version: str
    source: str
    hooks: tuple[str, ...]


@attrs.define
class _Process:
    """The process's plugin manager, built lazily (never at import)."""

    lock: threading.Lock = attrs.Factory(threading.Lock)
    manager: pluggy.PluginManager | None = None


_process = _Process()
#: The distribution each installed plugin came from, for `govbiz plugins`.
_dists: dict[str, importlib.metadata.Distribution | None] = {}


def plugin_manager() -> pluggy.PluginManager:
    """The process's plugin manager, built on first use (defaults + installed plugins)."""
    with _process.lock:
        if _process.manager is None:
            _process.manager = make_plugin_manager()
        return _process.manager


def reset_plugin_manager() -> None:
    """Forget the process's plugin manager; the next call builds a fresh one (for tests)."""
    with _process.lock:
        _process.manager = None
        _dists.clear()


def make_plugin_manager(
    *,
    load_entry_points: bool = True,
    allow: Sequence[str] | None = None,
    disable: Sequence[str] | None = None,
) -> pluggy.PluginManager:
    """A new plugin manager with the default plugins and (optionally) installed ones.

    `allow` restricts installed plugins to those entry-point names and
    `disable` keeps those out; when `None`, the `GOVBIZ_LOAD_PLUGINS` and
    `GOVBIZ_DISABLE_PLUGINS` environment variables decide.  A name no
    installed plugin has raises `govbiz.errors.ValidationError`.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for module_name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(module_name), name=module_name)
        _dists[module_name] = None
    if load_entry_points:
        allowed = allow if allow is not None else _names(LOAD_PLUGINS_ENV)
        disabled = disable if disable is not None else _names(DISABLE_PLUGINS_ENV) or ()
        for name, plugin, dist in _installed_plugins(allowed, disabled):
            _register(pm, plugin, name)
            _dists[name] = dist
    return pm


def _names(variable: str) -> list[str] | None:
    """The comma-separated names of an environment variable; `None` when it is unset."""
    value = os.environ.get(variable)
    if value is None:
        return None
    return [name.strip() for name in value.split(",") if name.strip()]


def _installed_plugins(
    allow: Sequence[str] | None, disable: Sequence[str]
) -> Iterator[tuple[str, object, importlib.metadata.Distribution | None]]:
    entry_points = list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))
    installed = sorted({e.name for e in entry_points})
    for variable, names in ((LOAD_PLUGINS_ENV, allow or ()), (DISABLE_PLUGINS_ENV, disable)):
        unknown = sorted(set(names) - set(installed))
        if unknown:
            raise ValidationError(
                variable,
                ",".join(unknown),
                f"no installed plugin has this name; installed: {', '.join(installed) or 'none'}",
            )
    for entry_point in entry_points:
        if (allow is not None and entry_point.name not in allow) or entry_point.name in disable:
            continue
        try:
            plugin = entry_point.load()
        except Exception as exc:
            raise PluginError(entry_point.name, "import", f"{type(exc).__name__}: {exc}") from exc
        yield entry_point.name, plugin, entry_point.dist


#: Hooks that took a callback argument before they returned what they contribute.
_CALLBACK_ARGUMENTS = {
    "govbiz_hash_algorithms": "register",
    "govbiz_notification_channels": "register",
    "govbiz_report_formats": "register",
    "govbiz_register_commands": "cli",
}


def _register(pm: pluggy.PluginManager, plugin: object, name: str) -> None:
    """Register and validate one plugin; a misspelled hook fails here, naming the plugin."""
    try:
        pm.register(plugin, name=name)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        pm.unregister(name=name)
        raise PluginError(name, "validate", str(exc) + _callback_hint(plugin)) from exc
    unknown = [
        attr
        for attr in dir(plugin)
        if attr.startswith("govbiz_") and not hasattr(pm.hook, attr) and callable(getattr(plugin, attr))
    ]
    if unknown:
        pm.unregister(name=name)
        raise PluginError(name, "validate", f"unknown hook(s) {', '.join(unknown)}: check the spelling")
    unmarked = [
        attr
        for attr in dir(plugin)
        if attr.startswith("govbiz_")
        and callable(getattr(plugin, attr))
        and pm.parse_hookimpl_opts(plugin, attr) is None
    ]
    for attr in unmarked:
        warnings.warn(
            PluginWarning(f"plugin {name!r}: {attr} has no @govbiz.hookimpl and is ignored"), stacklevel=3
        )


def _callback_hint(plugin: object) -> str:
    """What to change when a plugin still takes the callback a hook no longer passes."""
    for hook, argument in _CALLBACK_ARGUMENTS.items():
        function = getattr(plugin, hook, None)
        if callable(function) and argument in inspect.signature(function).parameters:
            return f"\n{hook} takes no {argument!r} any more: return what you contributed (a list) instead"
    return ""


def register_plugin(pm: pluggy.PluginManager, plugin: object, name: str | None = None) -> str:
    """Register `plugin` (a module or object) on `pm`, validated; returns its name."""
    name = name or getattr(plugin, "__name__", None) or repr(plugin)
    _register(pm, plugin, name)
    return name


# --- calling hooks --------------------------------------------------------------------


def call_hook(pm: pluggy.PluginManager, name: str, /, **kwargs: Any) -> Any:
    """Call hook `name`; an exception from a plugin becomes `PluginError` naming it."""
    hook = getattr(pm.hook, name)
    try:
        return hook(**kwargs)
    except GovbizError:
        raise
    except Exception as exc:
        raise PluginError(_culprit(hook, exc), name, f"{type(exc).__name__}: {exc}") from exc


def _culprit(hook: Any, exc: BaseException) -> str:
    """The plugin whose hook implementation raised `exc`, found in its traceback."""
    code_owner = {impl.function.__code__: impl.plugin_name for impl in hook.get_hookimpls()}
    culprit = "unknown plugin"
    for frame, _line in traceback.walk_tb(exc.__traceback__):
        if frame.f_code in code_owner:
            culprit = code_owner[frame.f_code]
    return culprit


def _answers(
    pm: pluggy.PluginManager, name: str, *, only: Collection[str] | None = None, **kwargs: Any
) -> list[tuple[str, Any]]:
    """Each plugin's answer to hook `name` (skipping `None`), with the plugin's name (wrappers skipped).

    `only` restricts the question to the plugins of those names.
    """
    answers = []
    for impl in reversed(getattr(pm.hook, name).get_hookimpls()):
        if impl.hookwrapper or impl.wrapper or (only is not None and impl.plugin_name not in only):
            continue
        try:
            result = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
        except GovbizError:
            raise
        except Exception as exc:
            raise PluginError(impl.plugin_name, name, f"{type(exc).__name__}: {exc}") from exc
        if result is not None:
            answers.append((impl.plugin_name, result))
    return answers


def _in_order(pm: pluggy.PluginManager, name: str, **kwargs: Any) -> list[tuple[str, Any]]:
    """`_answers` in the order the plugins were registered, to name them in that order."""
    return _answers(pm, name, **kwargs)[::-1]


def _collected(
    pm: pluggy.PluginManager, hook: str, batches: Iterable[Any], what: str, **kwargs: Any
) -> list[Any]:
    """The things plugins returned from a collection hook, each plugin's iterable in turn.

    A plugin that returns one thing instead of an iterable of things (a
    channel, not a list of channels) is named: iterating it would fail far
    from the mistake.
    """
    found: list[Any] = []
    for batch in batches:
        if not _is_batch(batch):
            culprit = next(
                (plugin for plugin, answer in _answers(pm, hook, **kwargs) if not _is_batch(answer)),
                "unknown plugin",
            )
            reason = f"returned a {type(batch).__name__}, not an iterable of {what}s (a list, even of one)"
            raise PluginError(culprit, hook, reason)
        found.extend(batch)
    return found


def _is_batch(value: object) -> bool:
    return isinstance(value, Iterable) and not isinstance(value, str | bytes)


def _unique(pm: pluggy.PluginManager, hook: str, items: list[Any], what: str) -> dict[str, Any]:
    """`items` by name; a name given twice is an error naming the plugin(s) that give it."""
    named: dict[str, Any] = {}
    for item in items:
        if item.name in named:
            given = (plugin for plugin, batch in _in_order(pm, hook) for x in batch if x.name == item.name)
            owners = list(dict.fromkeys(given))
            if len(owners) == 1:
                raise PluginError(owners[0], hook, f"returns two {what}s named {item.name!r}")
            raise PluginConflictError(hook, f"the {what} name {item.name!r}", owners)
        named[item.name] = item
    return named


# --- what the rest of govbiz asks plugins for ------------------------------------------


def storage_for(url: str, pm: pluggy.PluginManager | None = None) -> Store:
    """The store for `url`, from the first plugin that handles its scheme."""
    pm = pm or plugin_manager()
    store = call_hook(pm, "govbiz_storage", url=url)
    if store is None:
        scheme = url.partition(":")[0] or url
        raise ValidationError(
            "url", url, f"no installed plugin handles {scheme!r} URLs (built in: memory://, sqlite:///path)"
        )
    return store  # type: ignore[no-any-return]


#: Each plugin manager's hash functions, collected by one historic call (see `hashers`).
_hashers: weakref.WeakKeyDictionary[pluggy.PluginManager, dict[str, Hasher]] = weakref.WeakKeyDictionary()


def hashers(pm: pluggy.PluginManager | None = None) -> dict[str, Hasher]:
    """Every registered audit-chain hash function, by name.

    The historic hook is called once per plugin manager: pluggy keeps each
    historic call and replays it for plugins registered later, so calling it
    on every `govbiz.open()` would grow that history in a long-running server
    and call a later plugin once per earlier open.
    """
    manager = pm or plugin_manager()
    with _process.lock:
        found = _hashers.get(manager)
        if found is None:
            found = _hashers[manager] = {}

            def add(batch: Iterable[Hasher]) -> None:
                for hasher in _collected(manager, "govbiz_hash_algorithms", [batch], "hasher"):
                    found[hasher.name] = hasher

            manager.hook.govbiz_hash_algorithms.call_historic(result_callback=add, kwargs={})
    return dict(found)


def contact_ciphers(pm: pluggy.PluginManager | None = None) -> dict[str, ContactCipher]:
    """Every cipher for contacts at rest, by algorithm: AES-256-GCM built in, plus the plugins'."""
    from govbiz.builtin.aes_gcm import AES_256_GCM

    manager = pm or plugin_manager()
    batches = call_hook(manager, "govbiz_contact_ciphers")
    found: dict[str, ContactCipher] = {AES_256_GCM.algorithm: AES_256_GCM}
    for cipher in _collected(manager, "govbiz_contact_ciphers", batches, "contact cipher"):
        found[cipher.algorithm] = cipher
    return found


def checkpoint_signer(path: str | Path, pm: pluggy.PluginManager | None = None) -> Signer:
    """The checkpoint job's private key in the file at `path`: a plugin's (SM2 …), else Ed25519 PEM."""
    from govbiz.builtin.ed25519 import load_signer

    found = _signature_key(path, True, Signer, pm)
    return found if isinstance(found, Signer) else load_signer(Path(path))


def checkpoint_verifier(path: str | Path, pm: pluggy.PluginManager | None = None) -> Verifier:
    """The public key in the file at `path` that checks checkpoints: a plugin's, else Ed25519 PEM."""
    from govbiz.builtin.ed25519 import load_verifier

    found = _signature_key(path, False, Verifier, pm)
    return found if isinstance(found, Verifier) else load_verifier(Path(path))


def _signature_key(path: str | Path, private: bool, wanted: type, pm: pluggy.PluginManager | None) -> object:
    """What a plugin's `govbiz_signature_key` loaded from `path` (`None`: no plugin knows the file)."""
    manager = pm or plugin_manager()
    found = call_hook(manager, "govbiz_signature_key", path=str(path), private=private)
    if found is not None and not isinstance(found, wanted):
        answers = _answers(manager, "govbiz_signature_key", path=str(path), private=private)
        culprits = [name for name, answer in answers if answer is found]
        reason = f"returned a {type(found).__name__}, not a {wanted.__name__}"
        raise PluginError(culprits[0] if culprits else "a plugin", "govbiz_signature_key", reason)
    return found


def national_calendar(pm: pluggy.PluginManager | None = None) -> WorkingCalendar:
    """The national calendar with any notices plugins contribute."""
    from govbiz.calendar import china_calendar

    manager = pm or plugin_manager()
    batches = call_hook(manager, "govbiz_calendar_data")
    notices: list[HolidayNotice] = _collected(manager, "govbiz_calendar_data", batches, "holiday notice")
    return china_calendar(extra_notices=notices)


# --- county profiles, in layers ----------------------------------------------------------

_PROFILE_HOOK = "govbiz_county_profile"
_POLICY_HOOK = "govbiz_deadline_policy"


def county_profile(
    county: str, pm: pluggy.PluginManager | None = None, files: Sequence[FileAnswer] = ()
) -> CountyProfile:
    """The county's profile, laid from the plugins' answers, with its deadline policy resolved.

    A plugin that also answers for the county's city (430800 for 430802)
    gives the base; a plugin that answers for the county only refines the
    parts it gives (`govbiz.profile.layer_profile`).  The policy starts
    from the profile's own (or the national default), gets the county's
    local rest and working days on its calendar, and is then overridden by
    the `govbiz_deadline_policy` answers: the city plugin's, then the county
    plugin's derived from it.  The hooks are called as pluggy calls them
    (wrappers run); only when several plugins answer is each asked again,
    to know which one gives what.  `files` (configuration files applied to
    the ledger) are laid last, above the county plugin's answer; their
    local days and deadline overrides go on the policy last.
    """
    from govbiz.profile import CountyProfile, layer_profile

    pm = pm or plugin_manager()
    results = call_hook(pm, _PROFILE_HOOK, county=county)
    if files:
        answers = [*_profile_answers(pm, county), *(file.answer() for file in files)]
        profile = layer_profile(county, answers).profile
    elif len(results) > 1:
        profile = layer_profile(county, _profile_answers(pm, county)).profile
    elif results:
        profile = _profile_parts(pm, county, results[0]).over(CountyProfile())
    else:
        profile = CountyProfile()
    policy, _overrides = _county_policy(pm, county, profile)
    for file in files:
        policy = file.policy(policy)
    return attrs.evolve(profile, deadline_policy=policy)


def explain_county_profile(
    county: str, pm: pluggy.PluginManager | None = None, files: Sequence[FileAnswer] = ()
) -> LayeredProfile:
    """The profile `county_profile` gives, with the plugin and layer each part comes from.

    What `govbiz county show` prints: for each `ProfilePart` the plugin
    that gives it, its layer and the lower layers it refines; the
    deadline policy's origin is the last `govbiz_deadline_policy` answer,
    if any; `local_days` names the plugins that add local days.  Each
    plugin is asked for its profile directly, so wrappers of
    `govbiz_county_profile` do not run here.  `files` are laid as
    `county_profile` lays them, and named as the sources of what they give.
    """
    from govbiz.profile import LayeredProfile, PartOrigin, ProfileLayer, ProfilePart, layer_profile

    pm = pm or plugin_manager()
    layered = layer_profile(county, [*_profile_answers(pm, county), *(file.answer() for file in files)])
    policy, overrides = _county_policy(pm, county, layered.profile, explain=True)
    for file in files:
        policy = file.policy(policy)
    overrides += [(file.source, ProfileLayer.FILE) for file in files if file.refines_policy]
    origins = list(layered.origins)
    if overrides:
        at = [origin.part for origin in origins].index(ProfilePart.DEADLINE_POLICY)
        below = origins[at]
        refined = (*below.over, below.source) if below.layer is not ProfileLayer.DEFAULT else ()
        (source, layer), earlier = overrides[-1], tuple(name for name, _ in overrides[:-1])
        origins[at] = PartOrigin(ProfilePart.DEADLINE_POLICY, source, layer, over=(*refined, *earlier))
    local = tuple(plugin for plugin, days in _in_order(pm, "govbiz_local_days", county=county) if days)
    local += tuple(file.source for file in files if file.local_days)
    return LayeredProfile(
        county=county,
        profile=attrs.evolve(layered.profile, deadline_policy=policy),
        origins=tuple(origins),
        local_days=local,
    )


def _layered(
    pm: pluggy.PluginManager, hook: str, county: str, **kwargs: Any
) -> list[tuple[str, ProfileLayer, Any]]:
    """Each plugin's answer to a county hook, with its layer, in the order the plugins were registered.

    A plugin that answers for the county's city too is the city's plugin: its
    answer is the base (`CITY`).  One that answers for the county but not for
    its city is the county's own (`COUNTY`).  For a city, every answer is
    the city's.
    """
    from govbiz.domain.tenancy import city_code
    from govbiz.profile import ProfileLayer

    answers = _in_order(pm, hook, county=county, **kwargs)
    city = city_code(county)
    if city == county or not answers:
        return [(plugin, ProfileLayer.CITY, answer) for plugin, answer in answers]
    answering = {plugin for plugin, _ in answers}
    of_city = {plugin for plugin, _ in _answers(pm, hook, only=answering, county=city, **kwargs)}
    return [
        (plugin, ProfileLayer.CITY if plugin in of_city else ProfileLayer.COUNTY, answer)
        for plugin, answer in answers
    ]


def _profile_answers(pm: pluggy.PluginManager, county: str) -> list[ProfileAnswer]:
    from govbiz.profile import ProfileAnswer

    return [
        ProfileAnswer(plugin, layer, _profile_parts(pm, county, answer, plugin))
        for plugin, layer, answer in _layered(pm, _PROFILE_HOOK, county)
    ]


def _profile_parts(
    pm: pluggy.PluginManager, county: str, answer: object, plugin: str | None = None
) -> ProfileParts:
    """The parts an answer gives; an answer that is neither a profile nor parts names its plugin."""
    from govbiz.profile import CountyProfile, ProfileParts

    if isinstance(answer, CountyProfile):
        return ProfileParts.of(answer)
    if isinstance(answer, ProfileParts):
        return answer
    answers = _answers(pm, _PROFILE_HOOK, county=county)
    wrong = [name for name, other in answers if not isinstance(other, CountyProfile | ProfileParts)]
    culprit = plugin or next(iter(wrong), "unknown plugin")
    reason = f"returned a {type(answer).__name__}, not a CountyProfile or ProfileParts"
    raise PluginError(culprit, _PROFILE_HOOK, reason)


def _county_policy(
    pm: pluggy.PluginManager, county: str, profile: CountyProfile, *, explain: bool = False
) -> tuple[DeadlinePolicy, list[tuple[str, ProfileLayer]]]:
    """The county's deadline policy, and the plugins (with layers) whose overrides made it."""
    from govbiz.deadlines import DeadlinePolicy

    policy = profile.deadline_policy or DeadlinePolicy.default(calendar=national_calendar(pm))
    batches = call_hook(pm, "govbiz_local_days", county=county)
    for local in _collected(pm, "govbiz_local_days", batches, "LocalDays", county=county):
        calendar = policy.calendar.with_local_days(
            rest=local.rest, working=local.working, name=local.name, source=local.source
        )
        policy = attrs.evolve(policy, calendar=calendar)
    results = call_hook(pm, _POLICY_HOOK, county=county, default=policy)
    if not results:
        return policy, []
    if len(results) == 1 and not explain:
        return results[0], []
    return _layered_policy(pm, county, policy)


def _layered_policy(
    pm: pluggy.PluginManager, county: str, policy: DeadlinePolicy
) -> tuple[DeadlinePolicy, list[tuple[str, ProfileLayer]]]:
    """The city plugin's override of `policy`, then the county plugin's, derived from the city's."""
    from govbiz.profile import ProfileLayer

    answers = _layered(pm, _POLICY_HOOK, county, default=policy)
    made: list[tuple[str, ProfileLayer]] = []
    for layer in (ProfileLayer.CITY, ProfileLayer.COUNTY):
        given = [(plugin, answer) for plugin, answer_layer, answer in answers if answer_layer is layer]
        if len(given) > 1:
            subject = f"county {county} at the {layer.label} layer"
            raise PluginConflictError(_POLICY_HOOK, subject, [plugin for plugin, _ in given])
        if not given:
            continue
        [(plugin, answer)] = given
        if made:  # the county's override is derived from the city's: ask again with it as the default
            again = _answers(pm, _POLICY_HOOK, only={plugin}, county=county, default=policy)
            if not again:
                continue
            answer = again[0][1]
        policy = answer
        made.append((plugin, layer))
    return policy, made


def event_observer(pm: pluggy.PluginManager | None = None) -> Callable[[Sequence[DomainEvent]], None]:
    """A ledger subscriber that passes committed events to `govbiz_events_committed`."""
    manager = pm or plugin_manager()

    def observe(events: Sequence[DomainEvent]) -> None:
        call_hook(manager, "govbiz_events_committed", events=events)

    return observe


def notification_channels(pm: pluggy.PluginManager | None = None) -> dict[str, NotificationChannel]:
    """Every notification channel plugins return, by name; a name given twice is an error."""
    return _contributions(pm or plugin_manager(), "govbiz_notification_channels", "channel")


def report_formats(pm: pluggy.PluginManager | None = None) -> dict[str, ReportFormat]:
    """Every report format plugins return, by name; a name given twice is an error."""
    return _contributions(pm or plugin_manager(), "govbiz_report_formats", "report format")


def _contributions(pm: pluggy.PluginManager, hook: str, what: str) -> dict[str, Any]:
    return _unique(pm, hook, _collected(pm, hook, call_hook(pm, hook), what), what)


def plugin_commands(pm: pluggy.PluginManager | None = None) -> dict[str, click.Command]:
    """Subcommands plugins return, by name; a name already taken is an error naming both owners.

    Built-in commands belong to `govbiz`.  The hook is called as pluggy
    calls it (wrappers run); only on a clash is each plugin asked again, to
    name the owners.
    """
    from govbiz.cli import BUILTIN_COMMANDS

    manager = pm or plugin_manager()
    hook = "govbiz_register_commands"
    commands: dict[str, click.Command] = {}
    for command in _collected(manager, hook, call_hook(manager, hook), "click command"):
        name = command.name or ""
        if name in BUILTIN_COMMANDS or name in commands:
            raise PluginConflictError(hook, f"command {name!r}", _command_owners(manager, name))
        commands[name] = command
    return commands


def _command_owners(pm: pluggy.PluginManager, name: str) -> list[str]:
    from govbiz.cli import BUILTIN_COMMANDS

    owners = ["govbiz"] if name in BUILTIN_COMMANDS else []
    hook = "govbiz_register_commands"
    owners += [plugin for plugin, batch in _in_order(pm, hook) for command in batch if command.name == name]
    return owners


def describe_plugins(pm: pluggy.PluginManager | None = None) -> list[PluginInfo]:
    """Every registered plugin with its version, source and hooks (for `govbiz plugins`)."""
    pm = pm or plugin_manager()
    infos = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        dist = _dists.get(name)
        hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or ())
        infos.append(
            PluginInfo(
                name=name,
                version=dist.version if dist is not None else __version__,
                source=dist.metadata["Name"] if dist is not None else "built-in",
                hooks=tuple(hooks),
            )
        )
    return sorted(infos, key=lambda info: (info.source != "built-in", info.name))
