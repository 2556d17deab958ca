"""Encryption of personal data at rest (个人信息加密存储): the port a cryptography plugin implements.

Enterprise contacts (names and phone numbers) are stored encrypted with an
authenticated cipher (AEAD).  AES-256-GCM is built in
(`govbiz.builtin.aes_gcm`); SM4 (GB/T 32907), where 密评 asks for national
algorithms, plugs in by returning a `ContactCipher` from the
`govbiz_contact_ciphers` hook.  The keys themselves are held by a key ring
(`govbiz.contact_keys.KeyRing`) loaded from configuration, never by the
database.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, runtime_checkable

from govbiz.errors import GovbizError

__all__ = ["ClearContacts", "ContactCipher", "DecryptionError"]


class ClearContacts(StrEnum):
    """What a ledger without a key ring does with the contacts of a new enterprise."""

    #: Keep them in clear (the memory store: nothing is at rest).
    ALLOW = "allow"
    #: Keep them in clear and log a warning (the embedded SQLite file: one clerk's machine).
    WARN = "warn"
    #: Refuse the registration (a shared database server: PostgreSQL).
    REFUSE = "refuse"


class DecryptionError(GovbizError):
    """A ciphertext that does not open with its key: the wrong key, or it was changed (篡改)."""


@runtime_checkable
class ContactCipher(Protocol):
    """An authenticated cipher (AEAD): what encrypts stored contacts."""

    @property
    def algorithm(self) -> str:
        """The cipher's name as stored beside each ciphertext, e.g. ``"aes-256-gcm"`` or ``"sm4-gcm"``."""
        ...

    @property
    def key_size(self) -> int:
        """The key's length in bytes."""
        ...

    @property
    def nonce_size(self) -> int:
        """The nonce's length in bytes (a fresh random one per ciphertext)."""
        ...

    def encrypt(self, key: bytes, nonce: bytes, plaintext: bytes, associated: bytes) -> bytes:
        """The ciphertext (with its tag) of `plaintext`, bound to `associated` data."""
        ...

    def decrypt(self, key: bytes, nonce: bytes, ciphertext: bytes, associated: bytes) -> bytes:
        """The plaintext; raises `DecryptionError` if the key, the data or `associated` differ."""
        ...
