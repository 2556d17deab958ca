"""Keys for contacts at rest (联系人加密密钥): the key ring, its file, sealing and opening.

Enterprise contacts are personal data (个人信息, PIPL).  The ledger stores
them encrypted with a key of a **key ring** that lives in the configuration,
never in the database: a TOML file named by ``$GOVBIZ_CONTACT_KEYS``::

    current = "2026-12"

    [keys."2026-12"]
    algorithm = "aes-256-gcm"
    key = "base64 of 32 random bytes"

    [keys."2025-01"]          # an older key, kept until `govbiz contacts rotate-key` has run
    algorithm = "aes-256-gcm"
    key = "..."

New contacts are sealed with the ``current`` key; each ciphertext names its
key (`govbiz.domain.enterprise.SealedContacts.key_id`), so after adding a key
and making it current, `govbiz contacts rotate-key` re-seals every stored
enterprise with it in one transaction, and the old key can then be dropped.
`add_key` writes such a file (mode 0600).  A cipher other than AES-256-GCM
(SM4) comes from a plugin (`govbiz_contact_ciphers`).

Without a key ring the contacts are kept in clear, as before; what a ledger
does then is its `ClearContacts` policy (see `clear_contacts_policy`).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path

import attrs

from govbiz.domain.enterprise import Contact, Enterprise, SealedContacts, seal_contacts
from govbiz.errors import ValidationError
from govbiz.ports.cipher import ClearContacts, ContactCipher, DecryptionError

__all__ = [
    "CLEAR_CONTACTS_ENV",
    "KEYS_ENV",
    "ClearContacts",
    "ContactKey",
    "KeyRing",
    "add_key",
    "clear_contacts_policy",
    "key_ring_from_environment",
    "load_key_ring",
    "new_salt",
    "open_contacts",
    "warn_in_clear",
]

log = logging.getLogger(__name__)

#: The environment variable naming the key ring file.
KEYS_ENV = "GOVBIZ_CONTACT_KEYS"
#: Set to 1 to allow contacts in clear where the store would refuse them (a shared database).
CLEAR_CONTACTS_ENV = "GOVBIZ_CONTACTS_IN_CLEAR"


@attrs.frozen(slots=True)
class ContactKey:
    """One key of the ring: its id, its cipher and the secret (never shown)."""

    key_id: str
    cipher: ContactCipher
    secret: bytes = attrs.field(repr=False)

    def __attrs_post_init__(self) -> None:
        if len(self.secret) != self.cipher.key_size:
            raise ValidationError(
                "key", self.key_id, f"{self.cipher.algorithm} needs a key of {self.cipher.key_size} bytes"
            )


@attrs.frozen(slots=True)
class KeyRing:
    """The keys that seal and open contacts; `current` seals, any of them opens."""

    keys: Mapping[str, ContactKey]
    current: str

    def __attrs_post_init__(self) -> None:
        if self.current not in self.keys:
            raise ValidationError("current", self.current, "the key ring holds no key of this id")

    @property
    def current_key(self) -> ContactKey:
        return self.keys[self.current]

    def seal(self, enterprise_id: str, contacts: tuple[Contact, ...], salt: str) -> SealedContacts:
        """`contacts` (and their salt) encrypted with the current key, bound to `enterprise_id`."""
        key = self.current_key
        nonce = secrets.token_bytes(key.cipher.nonce_size)
        plain = json.dumps(
            {"salt": salt, "contacts": [c.revealed() for c in contacts]}, ensure_ascii=False
        ).encode()
        data = key.cipher.encrypt(key.secret, nonce, plain, _associated(enterprise_id, key))
        return SealedContacts(key.cipher.algorithm, key.key_id, _b64(nonce), _b64(data))

    def open(self, enterprise_id: str, sealed: SealedContacts) -> tuple[tuple[Contact, ...], str]:
        """The contacts and salt inside `sealed`; `DecryptionError` if no key of the ring opens it."""
        key = self.keys.get(sealed.key_id)
        if key is None:
            raise DecryptionError(f"the key ring holds no key {sealed.key_id!r} (set {KEYS_ENV})")
        if key.cipher.algorithm != sealed.algorithm:
            raise DecryptionError(
                f"key {sealed.key_id!r} is for {key.cipher.algorithm}, not {sealed.algorithm}"
            )
        try:
            plain = key.cipher.decrypt(
                key.secret, base64.b64decode(sealed.nonce), base64.b64decode(sealed.data),
                _associated(enterprise_id, key),
            )  # fmt: skip
        except ValueError as error:  # not base64
            raise DecryptionError(f"the sealed contacts are not readable: {error}") from None
        data = json.loads(plain)
        contacts = tuple(Contact(**c) for c in data["contacts"])
        return contacts, str(data["salt"])

    def sealed(self, enterprise: Enterprise) -> Enterprise:
        """`enterprise` as stored: its contacts (in clear, or sealed by an older key) sealed by `current`."""
        contacts, salt = self.opened_contacts(enterprise)
        if not contacts:
            return attrs.evolve(enterprise, contacts=(), contacts_salt="", sealed_contacts=None)
        return attrs.evolve(
            enterprise,
            contacts=(),
            contacts_salt="",
            sealed_contacts=self.seal(enterprise.id, contacts, salt),
        )

    def opened_contacts(self, enterprise: Enterprise) -> tuple[tuple[Contact, ...], str]:
        """The contacts and salt of `enterprise`, whether kept in clear or sealed."""
        if enterprise.sealed_contacts is not None:
            return self.open(enterprise.id, enterprise.sealed_contacts)
        return enterprise.contacts, enterprise.contacts_salt


def open_contacts(enterprise: Enterprise, keys: KeyRing | None) -> tuple[Contact, ...]:
    """The contacts of `enterprise` in clear, checked against its seal.

    Raises `DecryptionError` if they are sealed and `keys` cannot open them,
    or if what opens does not match the digest its registration recorded.
    """
    if enterprise.sealed_contacts is not None:
        if keys is None:
            raise DecryptionError(
                f"the contacts are encrypted and no key ring is configured (set {KEYS_ENV})"
            )
        contacts, salt = keys.open(enterprise.id, enterprise.sealed_contacts)
    else:
        contacts, salt = enterprise.contacts, enterprise.contacts_salt
    if enterprise.contacts_seal and seal_contacts(contacts, salt) != enterprise.contacts_seal:
        raise DecryptionError("the contacts do not match the digest their registration recorded")
    return contacts


def new_salt() -> str:
    """A fresh random salt for `govbiz.domain.enterprise.seal_contacts` (16 bytes, hex)."""
    return secrets.token_hex(16)


def _associated(enterprise_id: str, key: ContactKey) -> bytes:
    # Bound to the enterprise and the key: a ciphertext copied to another enterprise does not open.
    return f"govbiz:contacts:{enterprise_id}:{key.key_id}".encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- the key ring file ------------------------------------------------------------------------


def load_key_ring(
    path: str | os.PathLike[str], ciphers: Mapping[str, ContactCipher] | None = None
) -> KeyRing:
    """The key ring in the TOML file at `path`; `ciphers` by algorithm (default: built in and plugins')."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(KEYS_ENV, str(file), "no key ring file at this path") from None
    except tomllib.TOMLDecodeError as error:
        raise ValidationError(KEYS_ENV, str(file), f"not a TOML key ring: {error}") from None
    known = dict(ciphers) if ciphers is not None else _installed_ciphers()
    keys: dict[str, ContactKey] = {}
    for key_id, entry in dict(data.get("keys", {})).items():
        algorithm = str(entry.get("algorithm", "aes-256-gcm"))
        if algorithm not in known:
            reason = f"no installed cipher {algorithm!r} (installed: {', '.join(sorted(known))})"
            raise ValidationError(f"keys.{key_id}.algorithm", algorithm, reason)
        try:
            secret = base64.b64decode(str(entry["key"]), validate=True)
        except (KeyError, ValueError):
            raise ValidationError(f"keys.{key_id}.key", "…", "expected the key as base64") from None
        keys[key_id] = ContactKey(key_id, known[algorithm], secret)
    return KeyRing(keys, str(data.get("current", "")))


def key_ring_from_environment(ciphers: Mapping[str, ContactCipher] | None = None) -> KeyRing | None:
    """The key ring named by ``$GOVBIZ_CONTACT_KEYS``, or `None` where it is not set."""
    path = os.environ.get(KEYS_ENV)
    return load_key_ring(path, ciphers) if path else None


def add_key(
    path: str | os.PathLike[str], key_id: str | None = None, *, cipher: ContactCipher | None = None
) -> str:
    """Add a fresh random key to the key ring file at `path` (created, mode 0600) and make it current.

    Returns the new key's id (by default ``k1``, ``k2`` …).  The keys already
    in the file stay, so that what they sealed still opens until
    `govbiz contacts rotate-key` has re-sealed it.
    """
    from govbiz.builtin.aes_gcm import AES_256_GCM

    chosen = cipher or AES_256_GCM
    file = Path(path)
    data = tomllib.loads(file.read_text(encoding="utf-8")) if file.exists() else {}
    keys = dict(data.get("keys", {}))
    new_id = key_id or f"k{len(keys) + 1}"
    if new_id in keys:
        raise ValidationError("key_id", new_id, "the key ring already holds a key of this id")
    keys[new_id] = {"algorithm": chosen.algorithm, "key": _b64(secrets.token_bytes(chosen.key_size))}
    lines = [f"current = {json.dumps(new_id)}", ""]
    for kid, entry in keys.items():
        lines += [f"[keys.{json.dumps(kid)}]", f"algorithm = {json.dumps(entry['algorithm'])}",
                  f"key = {json.dumps(entry['key'])}", ""]  # fmt: skip
    file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write("\n".join(lines))
    os.chmod(file, 0o600)
    return new_id


def _installed_ciphers() -> dict[str, ContactCipher]:
    from govbiz import plugins

    return plugins.contact_ciphers()


def clear_contacts_policy(default: ClearContacts) -> ClearContacts:
    """`default` (the store's), unless ``$GOVBIZ_CONTACTS_IN_CLEAR=1`` allows contacts in clear."""
    if os.environ.get(CLEAR_CONTACTS_ENV, "").strip() in ("1", "true", "yes"):
        return ClearContacts.ALLOW
    return default


def warn_in_clear(county: str) -> None:
    """Log, once per process, that contacts are being stored in clear."""
    if not _warned:
        _warned.append(county)
        log.warning(
            "enterprise contacts are stored in clear (county %s): set %s to a key ring file "
            "(govbiz contacts keygen) to encrypt them",
            county,
            KEYS_ENV,
        )


_warned: list[str] = []
