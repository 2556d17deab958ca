"""The pure-Python SM3 against GB/T 32905-2016's examples and OpenSSL's SM3."""

from __future__ import annotations

import hashlib
import os

import pytest
from govbiz_sm3 import SM3, govbiz_hash_algorithms, sm3_hex

from govbiz.audit import sm3_hasher

#: GB/T 32905-2016, appendix A: example 1 ("abc") and example 2 ("abcd" sixteen times).
VECTORS = {
    b"abc": "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
    b"abcd" * 16: "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732",
}


@pytest.mark.parametrize(("message", "digest"), VECTORS.items())
def test_the_standards_examples(message: bytes, digest: str) -> None:
    assert sm3_hex(message) == digest
    assert SM3.hash(message) == f"sm3:{digest}"


@pytest.mark.skipif("sm3" not in hashlib.algorithms_available, reason="this OpenSSL has no SM3")
@pytest.mark.parametrize("size", [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 4099])
def test_it_agrees_with_openssl_at_every_padding_boundary(size: int) -> None:
    data = os.urandom(size)
    assert sm3_hex(data) == hashlib.new("sm3", data).hexdigest()


def test_it_is_offered_only_where_openssl_has_no_sm3() -> None:
    assert list(govbiz_hash_algorithms()) == ([] if sm3_hasher() is not None else [SM3])


def test_without_openssl_sm3_the_pure_python_one_is_offered(monkeypatch: pytest.MonkeyPatch) -> None:
    import govbiz_sm3

    monkeypatch.setattr(govbiz_sm3, "sm3_hasher", lambda: None)
    assert list(govbiz_hash_algorithms()) == [SM3]
