"""SM3 (GB/T 32905-2016, 国密杂凑算法) in pure Python, registered where OpenSSL has none.

`sm3_hex` is the digest of the standard; the `govbiz_hash_algorithms` hook
offers it as the `sm3` hasher of the audit chain only when the interpreter's
OpenSSL does not (govbiz's built-in SM3 is faster and gives the same digests).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

from govbiz.audit import sm3_hasher
from govbiz.ports.hasher import Hasher
from govbiz.ports.hooks import hookimpl

__all__ = ["SM3", "govbiz_hash_algorithms", "sm3_hex"]

_IV = (0x7380166F, 0x4914B2B9, 0x172442D7, 0xDA8A0600, 0xA96F30BC, 0x163138AA, 0xE38DEE4D, 0xB0FB0E4E)
_MASK = 0xFFFFFFFF


def _rotl(x: int, n: int) -> int:
    n %= 32
    return ((x << n) | (x >> (32 - n))) & _MASK


#: T_j rotated left by j (the constants of the compression function, precomputed).
_T = tuple(_rotl(0x79CC4519 if j < 16 else 0x7A879D8A, j) for j in range(64))


def _p0(x: int) -> int:
    return x ^ _rotl(x, 9) ^ _rotl(x, 17)


def _p1(x: int) -> int:
    return x ^ _rotl(x, 15) ^ _rotl(x, 23)


def _compress(v: tuple[int, ...], block: bytes) -> tuple[int, ...]:
    w = list(struct.unpack(">16I", block))
    for j in range(16, 68):
        w.append(_p1(w[j - 16] ^ w[j - 9] ^ _rotl(w[j - 3], 15)) ^ _rotl(w[j - 13], 7) ^ w[j - 6])
    a, b, c, d, e, f, g, h = v
    for j in range(64):
        a12 = _rotl(a, 12)
        ss1 = _rotl((a12 + e + _T[j]) & _MASK, 7)
        ss2 = ss1 ^ a12
        if j < 16:
            ff, gg = a ^ b ^ c, e ^ f ^ g
        else:
            ff, gg = (a & b) | (a & c) | (b & c), (e & f) | (~e & g)
        tt1 = (ff + d + ss2 + (w[j] ^ w[j + 4])) & _MASK
        tt2 = (gg + h + ss1 + w[j]) & _MASK
        a, b, c, d = tt1, a, _rotl(b, 9), c
        e, f, g, h = _p0(tt2), e, _rotl(f, 19), g
    return tuple(x ^ y for x, y in zip(v, (a, b, c, d, e, f, g, h), strict=True))


def sm3_hex(data: bytes) -> str:
    """The SM3 digest of `data`, as 64 lowercase hex digits."""
    length = len(data) * 8
    padded = data + b"\x80" + b"\x00" * ((55 - len(data)) % 64) + struct.pack(">Q", length)
    v = _IV
    for offset in range(0, len(padded), 64):
        v = _compress(v, padded[offset : offset + 64])
    return "".join(f"{x:08x}" for x in v)


#: The pure-Python SM3 hasher (``"sm3:<hex>"``), the same digests as OpenSSL's.
SM3 = Hasher("sm3", sm3_hex)


@hookimpl
def govbiz_hash_algorithms() -> Iterable[Hasher]:
    """SM3 in pure Python, only where the interpreter's OpenSSL has none (govbiz's own is used there)."""
    return [] if sm3_hasher() is not None else [SM3]
