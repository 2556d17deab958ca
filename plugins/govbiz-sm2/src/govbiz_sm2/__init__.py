"""SM2 signatures (GB/T 32918-2016, 国密椭圆曲线公钥密码算法) for govbiz's signed checkpoints.

`Sm2Signer` and `Sm2Verifier` implement `govbiz.ports.signer`; the
`govbiz_signature_key` hook loads them from the key files `generate_keypair`
writes, so `govbiz audit checkpoint --key`, `govbiz verify --public-key` and
`GOVBIZ_CHECKPOINT_KEY` take an SM2 key as they take an Ed25519 one.  The
curve arithmetic, the SM3 digest and the user-id hash Z_A (default id
``1234567812345678``) are the `gmssl` package's.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tomllib
from pathlib import Path

import attrs
from gmssl import sm2  # type: ignore[import-untyped]

from govbiz.errors import ValidationError
from govbiz.ports.hooks import hookimpl
from govbiz.ports.signer import Signer, Verifier

__all__ = [
    "ALGORITHM",
    "Sm2Signer",
    "Sm2Verifier",
    "generate_keypair",
    "govbiz_signature_key",
    "load_signer",
    "load_verifier",
]

ALGORITHM = "sm2"
#: The order n of the SM2 recommended curve's base point (GB/T 32918.5).
_N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)


def _crypt(public: str, private: str | None = None) -> sm2.CryptSM2:
    return sm2.CryptSM2(public_key=public, private_key=private)


def _key_id(public: str) -> str:
    return hashlib.sha256(bytes.fromhex(public)).hexdigest()[:16]


def _public_of(private: str) -> str:
    """The public key (x || y, 128 hex digits) of the private key `private` (64 hex digits): d·G.

    gmssl derives it only through a private method; the multiplication is
    GB/T 32918.1's, on the curve parameters gmssl publishes.
    """
    curve = sm2.default_ecc_table
    p, a = int(curve["p"], 16), int(curve["a"], 16)
    g = curve["g"]
    point = _multiply(int(private, 16), (int(g[:64], 16), int(g[64:], 16)), p, a)
    assert point is not None, "a private key is never a multiple of the curve's order"
    return f"{point[0]:064x}{point[1]:064x}"


def _multiply(k: int, point: tuple[int, int], p: int, a: int) -> tuple[int, int] | None:
    """k·point on y² = x³ + ax + b over GF(p), by double-and-add in affine coordinates (None: infinity)."""
    result: tuple[int, int] | None = None
    addend: tuple[int, int] | None = point
    while k:
        if k & 1:
            result = _add(result, addend, p, a)
        addend = _add(addend, addend, p, a)
        k >>= 1
    return result


def _add(
    left: tuple[int, int] | None, right: tuple[int, int] | None, p: int, a: int
) -> tuple[int, int] | None:
    if left is None:
        return right
    if right is None:
        return left
    (x1, y1), (x2, y2) = left, right
    if x1 == x2 and (y1 + y2) % p == 0:
        return None
    if left == right:
        slope = (3 * x1 * x1 + a) * pow(2 * y1, -1, p) % p
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, p) % p
    x3 = (slope * slope - x1 - x2) % p
    return x3, (slope * (x1 - x3) - y1) % p


@attrs.frozen(slots=True)
class Sm2Verifier:
    """An SM2 public key: `public` is x || y in hex (128 digits)."""

    public: str
    algorithm: str = ALGORITHM
    key_id: str = attrs.field(default=attrs.Factory(lambda self: _key_id(self.public), takes_self=True))

    def verify(self, data: bytes, signature: bytes) -> bool:
        if len(signature) != 64:
            return False
        return bool(_crypt(self.public).verify_with_sm3(signature.hex(), data))


@attrs.frozen(slots=True)
class Sm2Signer:
    """An SM2 private key (64 hex digits), held by the checkpoint job and never by the database."""

    private: str = attrs.field(repr=False)
    public: str = attrs.field(default=attrs.Factory(lambda self: _public_of(self.private), takes_self=True))
    algorithm: str = ALGORITHM
    key_id: str = attrs.field(default=attrs.Factory(lambda self: _key_id(self.public), takes_self=True))

    @classmethod
    def generate(cls) -> Sm2Signer:
        """A new random key (for tests; `generate_keypair` writes one to files)."""
        return cls(f"{secrets.randbelow(_N - 1) + 1:064x}")

    def sign(self, data: bytes) -> bytes:
        """r || s (64 bytes) over SM3(Z_A || data), with a fresh random k from `secrets`."""
        k = f"{secrets.randbelow(_N - 1) + 1:064x}"
        return bytes.fromhex(_crypt(self.public, self.private).sign_with_sm3(data, k))

    def verifier(self) -> Verifier:
        return Sm2Verifier(self.public)


def generate_keypair(private_path: Path, public_path: Path) -> Sm2Signer:
    """Write a new SM2 key pair: the private key readable by its owner only, the public key to share."""
    signer = Sm2Signer.generate()
    text = '# govbiz checkpoint key (SM2, GB/T 32918): keep it off the database server\nalgorithm = "sm2"\n'
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(f'{text}private = "{signer.private}"\npublic = "{signer.public}"\n')
    public_path.write_text(f'algorithm = "sm2"\npublic = "{signer.public}"\n', encoding="utf-8")
    return signer


def _read(path: Path) -> dict[str, str] | None:
    """The key file's fields if it is an SM2 key file, else `None` (an Ed25519 PEM, say)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return {k: str(v) for k, v in data.items()} if data.get("algorithm") == ALGORITHM else None


def load_signer(path: Path) -> Sm2Signer:
    """The SM2 private key in the file at `path`."""
    data = _read(path)
    if data is None or "private" not in data:
        raise ValidationError("checkpoint key", str(path), "not an SM2 private key file")
    signer = Sm2Signer(data["private"])
    if data.get("public", signer.public) != signer.public:
        raise ValidationError("checkpoint key", str(path), "its public key does not match its private key")
    return signer


def load_verifier(path: Path) -> Sm2Verifier:
    """The SM2 public key in the file at `path`."""
    data = _read(path)
    if data is None or "public" not in data:
        raise ValidationError("public key", str(path), "not an SM2 public key file")
    return Sm2Verifier(data["public"])


@hookimpl
def govbiz_signature_key(path: str, private: bool) -> Signer | Verifier | None:
    """An SM2 key file's key; `None` for any other file (govbiz reads it as an Ed25519 PEM)."""
    data = _read(Path(path))
    if data is None:
        return None
    return load_signer(Path(path)) if private else load_verifier(Path(path))
