"""Built-in: Ed25519 signatures for checkpoints (检查点签名), through the `cryptography` package.

Keys are PEM files: the private key for the checkpoint job (never in the
database), the public key for `govbiz verify` and outside auditors.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import attrs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from govbiz.errors import ValidationError
from govbiz.ports.signer import Signer, Verifier

__all__ = ["Ed25519Signer", "Ed25519Verifier", "generate_keypair", "load_signer", "load_verifier"]

ALGORITHM = "ed25519"


def _key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@attrs.frozen(slots=True)
class Ed25519Verifier:
    """An Ed25519 public key."""

    key: Ed25519PublicKey
    algorithm: str = ALGORITHM
    key_id: str = attrs.field(default=attrs.Factory(lambda self: _key_id(self.key), takes_self=True))

    def verify(self, data: bytes, signature: bytes) -> bool:
        try:
            self.key.verify(signature, data)
        except InvalidSignature:
            return False
        return True


@attrs.frozen(slots=True)
class Ed25519Signer:
    """An Ed25519 private key."""

    key: Ed25519PrivateKey = attrs.field(repr=False)
    algorithm: str = ALGORITHM
    key_id: str = attrs.field(
        default=attrs.Factory(lambda self: _key_id(self.key.public_key()), takes_self=True)
    )

    @classmethod
    def generate(cls) -> Ed25519Signer:
        """A new key, held in memory only (for tests; `generate_keypair` writes one to files)."""
        return cls(Ed25519PrivateKey.generate())

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data)

    def verifier(self) -> Verifier:
        return Ed25519Verifier(self.key.public_key())


def generate_keypair(private_path: Path, public_path: Path) -> Signer:
    """Write a new key pair: the private key readable by its owner only, the public key to share."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_path.touch(mode=0o600, exist_ok=False)  # refuse to overwrite a key in use
    private_path.write_bytes(private)
    public_path.write_bytes(public)
    return Ed25519Signer(key)


def load_signer(path: Path) -> Signer:
    """The Ed25519 private key in the PEM file at `path`."""
    key = _load(path, "private")
    if not isinstance(key, Ed25519PrivateKey):
        raise ValidationError("checkpoint key", str(path), "not an Ed25519 private key")
    return Ed25519Signer(key)


def load_verifier(path: Path) -> Verifier:
    """The Ed25519 public key in the PEM file at `path`."""
    key = _load(path, "public")
    if not isinstance(key, Ed25519PublicKey):
        raise ValidationError("checkpoint public key", str(path), "not an Ed25519 public key")
    return Ed25519Verifier(key)


def _load(path: Path, which: str) -> object:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValidationError(f"checkpoint {which} key", str(path), error.strerror or str(error)) from None
    try:
        if which == "private":
            return serialization.load_pem_private_key(data, password=None)
        return serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as error:
        raise ValidationError(f"checkpoint {which} key", str(path), f"not a PEM key: {error}") from None
