"""govbiz: the government–enterprise reception-day mechanism as a library.

政企面对面暨企业家接待日: enterprise problems are collected into a ledger (问题台账),
assigned on the spot at reception days (现场交办), tracked against working-day
deadlines, visited again (回访) and supervised (督查通报).

Importing this package has no side effects: no storage is opened, no plugin
is loaded and no clock is read until you ask for it.

    >>> import govbiz
    >>> ledger = govbiz.open("memory://")
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from govbiz.ports.hooks import hookimpl

if TYPE_CHECKING:
    import pluggy

    from govbiz.clock import Clock
    from govbiz.ledger import Ledger
    from govbiz.ports.cipher import ClearContacts

__all__ = ["DEFAULT_URL", "URL_ENV", "Ledger", "__version__", "hookimpl", "open"]

__version__ = "0.1.0"

#: Where `open()` keeps the ledger when no URL is given: a SQLite file here.
DEFAULT_URL = "sqlite:///govbiz.db"
#: Environment variable that overrides `DEFAULT_URL` (the CLI's `--db` wins over both).
URL_ENV = "GOVBIZ_DB"


def open(
    url: str | None = None,
    *,
    clock: Clock | None = None,
    hash_algorithm: str = "sha256",
    plugin_manager: pluggy.PluginManager | None = None,
    clear_contacts: ClearContacts | None = None,
) -> Ledger:
    """Open the ledger stored at `url`, with every installed plugin wired in.

    `url` defaults to `$GOVBIZ_DB`, then to `sqlite:///govbiz.db` (a file in
    the current directory, created on first use).  The storage comes from the
    first plugin that handles the URL's scheme; county profiles, deadline
    policies, local holidays and event observers come from plugins too, and
    the county configuration files kept in the ledger (`govbiz county
    apply`) refine the profiles, above the plugins.
    `clock` defaults to the system clock in Beijing time.  Enterprise
    contacts are sealed with the key ring named by ``$GOVBIZ_CONTACT_KEYS``
    (`govbiz.contact_keys`); without one, SQLite keeps them in clear with a
    warning and PostgreSQL refuses them unless ``$GOVBIZ_CONTACTS_IN_CLEAR=1``
    (`clear_contacts` decides instead when given: the simulation's invented
    contacts are `ClearContacts.ALLOW`).
    With ``$GOVBIZ_CHECKPOINT_KEY`` and ``$GOVBIZ_CHECKPOINT_EVERY`` (seconds,
    0 for every commit) set, commits are anchored by signed checkpoints as
    they happen (`govbiz.checkpointer`).
    """
    from govbiz import plugins
    from govbiz.audit import hasher_from
    from govbiz.config.kept import kept_answers
    from govbiz.contact_keys import key_ring_from_environment
    from govbiz.ledger import Ledger

    pm = plugin_manager or plugins.plugin_manager()
    resolved = url or os.environ.get(URL_ENV) or DEFAULT_URL
    store = plugins.storage_for(resolved, pm)
    ledger = Ledger(
        store,
        clock=clock,
        # County configuration files kept in the ledger (`govbiz county apply`) refine the plugins.
        profile_source=lambda county: plugins.county_profile(county, pm, kept_answers(store, county)),
        subscribers=[plugins.event_observer(pm)],
        hasher=hasher_from(hash_algorithm, plugins.hashers(pm)),
        # Contacts at rest: the key ring from $GOVBIZ_CONTACT_KEYS, never from the database.
        contact_keys=key_ring_from_environment(plugins.contact_ciphers(pm)),
        clear_contacts=clear_contacts,
    )
    _anchor_commits(ledger)
    return ledger


def _anchor_commits(ledger: Ledger) -> None:
    """Subscribe a `govbiz.checkpointer.Checkpointer` if ``$GOVBIZ_CHECKPOINT_EVERY`` and the key are set."""
    every, key = os.environ.get("GOVBIZ_CHECKPOINT_EVERY"), os.environ.get("GOVBIZ_CHECKPOINT_KEY")
    if not every or not key:
        return
    from govbiz import plugins
    from govbiz.checkpointer import Checkpointer
    from govbiz.errors import ValidationError

    try:
        interval = float(every)
    except ValueError:
        raise ValidationError("GOVBIZ_CHECKPOINT_EVERY", every, "expected seconds, e.g. 5 or 0") from None
    signer = plugins.checkpoint_signer(key)  # an Ed25519 PEM key, or a plugin's (SM2)
    ledger.subscribe(Checkpointer(ledger.store, signer, ledger.clock.now, interval=interval))


def __getattr__(name: str) -> Any:
    # `govbiz.Ledger` is loaded on first use, so `import govbiz.domain` loads the domain only.
    if name == "Ledger":
        from govbiz.ledger import Ledger

        return Ledger
    raise AttributeError(f"module 'govbiz' has no attribute {name!r}")
