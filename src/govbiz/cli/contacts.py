"""`govbiz contacts`: enterprise contacts as personal data (个人信息): keys, rotation, reveal, purge."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from govbiz.cli.options import county_type, db_option, echo_json, govbiz_errors, json_option

if TYPE_CHECKING:
    from govbiz.domain import Actor
    from govbiz.ledger import Ledger

_ACTOR = click.option(
    "--actor", default="cli-admin", show_default=True, help="Administrator id recorded in the audit trail."
)


@click.group("contacts")
def contacts_command() -> None:
    """Enterprise contacts (联系人): sealed at rest with a key from configuration, revealed on record."""


@contacts_command.command("keygen")
@click.option("--keys", "keys", type=click.Path(dir_okay=False, path_type=Path), envvar="GOVBIZ_CONTACT_KEYS",
              default=None, help="The key ring file (TOML, mode 0600); default $GOVBIZ_CONTACT_KEYS.",
)  # fmt: skip
@click.option("--id", "key_id", default=None, help="The new key's id (default k1, k2 …).")
@govbiz_errors
def keygen_command(keys: Path | None, key_id: str | None) -> None:
    """Add a fresh AES-256-GCM key to the key ring file and make it current (the old keys stay)."""
    from govbiz.contact_keys import add_key

    if keys is None:
        raise click.ClickException("no key ring file: give --keys or set GOVBIZ_CONTACT_KEYS")
    new_id = add_key(keys, key_id)
    click.echo(f"key {new_id} added to {keys} and made current; run `govbiz contacts rotate-key` to re-seal")


@contacts_command.command("rotate-key")
@county_type(required=True, help="Division code: a county, or a city and its counties.")
@_ACTOR
@db_option
@json_option
@govbiz_errors
def rotate_key_command(county: str, actor: str, db: str | None, as_json: bool) -> None:
    """Re-seal every enterprise's contacts with the key ring's current key, in one transaction.

    Contacts kept in clear (a ledger from before encryption, or one without
    a key until now) are sealed too.  Each re-sealed enterprise records a
    `contacts_rekeyed` event.
    """
    import govbiz
    from govbiz import commands as c

    ledger = govbiz.open(db)
    done = ledger.handle(_admin(actor, county), c.RotateContactKey(county=county))
    keys = ledger.counties.contact_keys
    if as_json:
        echo_json({"key_id": keys.current if keys else None, "rekeyed": list(done)})
    else:
        click.echo(f"{len(done)} enterprise(s) re-sealed with key {keys.current if keys else '-'}")


@contacts_command.command("purge")
@county_type(required=True, help="Division code: a county, or a city and its counties.")
@click.option("--older-than", "years", type=click.IntRange(min=1), required=True, metavar="YEARS",
              help="Purge where every problem of the enterprise closed more than YEARS years ago.",
)  # fmt: skip
@click.option("--dry-run", is_flag=True, help="List the enterprises that would be purged; write nothing.")
@_ACTOR
@db_option
@json_option
@govbiz_errors
def purge_command(
    *, county: str, years: int, dry_run: bool, actor: str, db: str | None, as_json: bool
) -> None:
    """Delete the contacts of enterprises whose problems all closed more than YEARS ago (PIPL Art. 19).

    The problems, their events and every figure stay; each purge is an
    event of the enterprise's stream, so `govbiz verify` stays intact.
    """
    from govbiz import commands as c

    ledger = open_for_purge(db, dry_run)
    cutoff = years_before(ledger.clock.now().date(), years)
    done = ledger.handle(
        _admin(actor, county), c.PurgeContacts(county=county, closed_before=cutoff, dry_run=dry_run)
    )
    if as_json:
        echo_json({"closed_before": cutoff.isoformat(), "dry_run": dry_run, "enterprises": list(done)})
        return
    verb = "would be purged" if dry_run else "purged"
    click.echo(f"{len(done)} enterprise(s) {verb} (every problem closed before {cutoff})")
    for enterprise_id in done:
        click.echo(f"  {enterprise_id}")


@contacts_command.command("reveal")
@click.argument("enterprise_id")
@click.option("--reason", required=True, help="Why the contacts are needed (recorded in the audit trail).")
@county_type(required=True, help="The enterprise's county (the actor's).")
@_ACTOR
@db_option
@json_option
@govbiz_errors
def reveal_command(
    *, enterprise_id: str, reason: str, county: str, actor: str, db: str | None, as_json: bool
) -> None:
    """Show an enterprise's contacts in full; the reveal is recorded (who, when, why)."""
    import govbiz
    from govbiz import commands as c

    ledger = govbiz.open(db)
    contacts = ledger.handle(
        _admin(actor, county), c.RevealContacts(enterprise_id=enterprise_id, reason=reason)
    )
    if as_json:
        echo_json([x.revealed() for x in contacts])
        return
    for x in contacts:
        click.echo("\t".join(v for v in (x.name, x.phone, x.position)))


@contacts_command.command("redact-history")
@click.option("--key", "key", type=click.Path(dir_okay=False, path_type=Path), envvar="GOVBIZ_CHECKPOINT_KEY",
              default=None, help="Checkpoint private key (PEM); default $GOVBIZ_CHECKPOINT_KEY.")  # fmt: skip
@click.option("--county", "counties", multiple=True, help="Only events of this county (repeatable).")
@click.option("--dry-run", is_flag=True, help="List the events that would be redacted; write nothing.")
@db_option
@json_option
@govbiz_errors
def redact_history_command(
    *, key: Path | None, counties: tuple[str, ...], dry_run: bool, db: str | None, as_json: bool
) -> None:
    """Remove contacts from registration events sealed before contacts were kept at rest.

    A signed checkpoint (the key `govbiz audit checkpoint` uses) vouches
    for each redacted event first; the events keep their hashes, so
    `govbiz verify` stays intact.  Seal the records first (`rotate-key`).
    """
    from govbiz.cli.options import open_existing
    from govbiz.plugins import checkpoint_signer
    from govbiz.redaction import plan_contact_redactions, redact_contacts

    if key is None and not dry_run:
        raise click.ClickException("no checkpoint key: give --key or set GOVBIZ_CHECKPOINT_KEY")
    ledger = open_existing(db)
    plans = plan_contact_redactions(ledger.store, counties or None)
    signed = None
    if not dry_run and plans:
        assert key is not None
        signed = redact_contacts(ledger.store, checkpoint_signer(key), ledger.clock.now(), plans)
    events = [f"{p.original.stream} {p.original.stream_id} v{p.original.version}" for p in plans]
    sequence = signed.checkpoint.sequence if signed else None
    if as_json:
        echo_json({"dry_run": dry_run, "events": events, "checkpoint": sequence})
        return
    verb = "would be redacted" if dry_run else "redacted"
    click.echo(f"{len(plans)} registration event(s) {verb}" + (f", vouched for by checkpoint {sequence}"
                                                             if sequence else ""))  # fmt: skip
    for line in events:
        click.echo(f"  {line}")


def open_for_purge(db: str | None, dry_run: bool) -> Ledger:
    """The ledger at `db`; a dry run (which only reads) refuses one that does not exist."""
    import govbiz
    from govbiz.cli.options import open_existing

    return open_existing(db) if dry_run else govbiz.open(db)


def years_before(day: date, years: int) -> date:
    """`day`, `years` years earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _admin(actor: str, county: str) -> Actor:
    from govbiz.domain import Actor, Role

    return Actor(id=actor, role=Role.ADMINISTRATOR, county=county)
