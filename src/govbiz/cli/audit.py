"""`govbiz audit`: the anchored audit trail (锚定审计): keys, checkpoints, export for outside auditors."""

from __future__ import annotations

import os
from pathlib import Path

import click

from govbiz.cli.options import db_option, echo_json, govbiz_errors, json_option
from govbiz.cli.verify import FINDINGS, public_key_option


@click.group("audit")
def audit_command() -> None:
    """Signed checkpoints over the audit chain (签名检查点), made with a key the database never holds."""


@audit_command.command("keygen")
@click.option("--private", "private", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the private key (PEM, mode 0600); never in the database.")  # fmt: skip
@click.option("--public", "public", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the public key (PEM), for verify and outside auditors.")  # fmt: skip
def keygen_command(private: Path, public: Path) -> None:
    """Write a new Ed25519 key pair to two files (refuses to overwrite the private key)."""
    from govbiz.builtin.ed25519 import generate_keypair

    if private.exists():
        raise click.ClickException(f"{private} exists: a key in use is never overwritten")
    signer = generate_keypair(private, public)
    click.echo(f"ed25519 key {signer.key_id}: private key {private}, public key {public}")


@audit_command.command("checkpoint")
@db_option
@click.option("--key", "key", type=click.Path(dir_okay=False, path_type=Path), envvar="GOVBIZ_CHECKPOINT_KEY",
              default=None, help="PEM private key; default $GOVBIZ_CHECKPOINT_KEY.")  # fmt: skip
@json_option
@govbiz_errors
def checkpoint_command(db: str | None, key: Path | None, as_json: bool) -> None:
    """Sign and store a checkpoint over the head of every stream (run it every few minutes)."""
    import govbiz
    from govbiz.checkpoint import make_checkpoint
    from govbiz.plugins import checkpoint_signer

    if key is None:
        raise click.ClickException("no checkpoint key: give --key or set GOVBIZ_CHECKPOINT_KEY")
    signer = checkpoint_signer(key)  # an Ed25519 PEM key, or a plugin's (SM2)
    ledger = govbiz.open(db)
    now = ledger.clock.now()  # taken before the log is read: what it reads was committed by then
    with ledger.store.unit_of_work() as uow:
        events = uow.events()
    signed = make_checkpoint(events, ledger.store.checkpoints(), signer, now)
    checkpoint = signed.checkpoint
    if as_json:
        echo_json(signed.checkpoint.body() | {"key_id": signed.key_id, "heads": len(checkpoint.heads)})
    else:
        click.echo(
            f"checkpoint {checkpoint.sequence}: {len(checkpoint.heads)} heads changed, "
            f"{checkpoint.streams} streams, root {checkpoint.root}"
        )


@audit_command.command("export")
@db_option
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="JSON lines file to write (or append the new checkpoints to).")  # fmt: skip
@govbiz_errors
def export_command(db: str | None, out: Path) -> None:
    """Write the ledger's checkpoints as JSON lines, for an outside auditor or a write-once store.

    An existing file keeps its lines; only checkpoints after its last are appended.
    """
    import govbiz
    from govbiz.checkpoint import export_lines, read_export

    ledger = govbiz.open(db)
    have = read_export(out.read_text(encoding="utf-8").splitlines()) if out.exists() else []
    last = have[-1].checkpoint.sequence if have else 0
    new = [c for c in ledger.store.checkpoints().all() if c.checkpoint.sequence > last]
    with out.open("a", encoding="utf-8") as file:
        for line in export_lines(new):
            file.write(line + "\n")
        file.flush()
        os.fsync(file.fileno())
    click.echo(f"{len(new)} checkpoints appended to {out} ({len(have) + len(new)} in all)")


@audit_command.command("verify-export")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@public_key_option
@json_option
@govbiz_errors
def verify_export_command(file: Path, public_key: Path | None, as_json: bool) -> None:
    """Check an export on its own: every signature, sequence number, link and Merkle root.

    Needs no database. Exit status 0 when all verify, 1 otherwise.
    """
    from govbiz.audit import describe
    from govbiz.checkpoint import read_export, verify_checkpoints
    from govbiz.plugins import checkpoint_verifier

    if public_key is None:
        raise click.ClickException("no public key: give --public-key or set GOVBIZ_CHECKPOINT_PUBLIC_KEY")
    try:
        checkpoints = read_export(file.read_text(encoding="utf-8").splitlines())
    except ValueError as error:
        raise click.ClickException(f"{file}: {error}") from None
    findings = verify_checkpoints(checkpoints, checkpoint_verifier(public_key))
    if as_json:
        echo_json({"checkpoints": len(checkpoints), "intact": not findings, "findings": describe(findings)})
    else:
        for finding in findings:
            click.echo(str(finding), err=True)
        if not findings:
            last = checkpoints[-1].checkpoint if checkpoints else None
            tail = f", the last {last.sequence} of {last.made_at.isoformat()}" if last else ""
            click.echo(f"{len(checkpoints)} checkpoints verified{tail}")
    if findings:
        raise SystemExit(FINDINGS)
