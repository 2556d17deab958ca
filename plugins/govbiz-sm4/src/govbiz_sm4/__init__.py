"""SM4-GCM (GB/T 32907-2016, 国密分组密码算法) for enterprise contacts at rest.

`SM4_GCM` is a `govbiz.ports.cipher.ContactCipher` (16-byte key, 12-byte
nonce, 16-byte tag), offered through the `govbiz_contact_ciphers` hook where
the interpreter's OpenSSL provides SM4 (`available`).
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs
from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from govbiz.ports.cipher import ContactCipher, DecryptionError
from govbiz.ports.hooks import hookimpl

__all__ = ["SM4_GCM", "Sm4Gcm", "available", "govbiz_contact_ciphers"]

_TAG = 16


@attrs.frozen(slots=True)
class Sm4Gcm:
    """SM4 in Galois/counter mode: the ciphertext is followed by its 16-byte tag."""

    algorithm: str = "sm4-gcm"
    key_size: int = 16
    nonce_size: int = 12

    def encrypt(self, key: bytes, nonce: bytes, plaintext: bytes, associated: bytes) -> bytes:
        sealing = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        sealing.authenticate_additional_data(associated)
        return sealing.update(plaintext) + sealing.finalize() + sealing.tag

    def decrypt(self, key: bytes, nonce: bytes, ciphertext: bytes, associated: bytes) -> bytes:
        if len(ciphertext) < _TAG:
            raise DecryptionError("the ciphertext is shorter than its tag")
        body, tag = ciphertext[:-_TAG], ciphertext[-_TAG:]
        opening = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        opening.authenticate_additional_data(associated)
        try:
            return opening.update(body) + opening.finalize()
        except InvalidTag:
            raise DecryptionError(
                "the ciphertext does not open with this key (wrong key, or changed)"
            ) from None


#: The plugin's cipher.
SM4_GCM = Sm4Gcm()


def available() -> bool:
    """Whether the interpreter's OpenSSL does SM4-GCM."""
    try:
        SM4_GCM.encrypt(bytes(16), bytes(12), b"", b"")
    except UnsupportedAlgorithm:
        return False
    return True


@hookimpl
def govbiz_contact_ciphers() -> Iterable[ContactCipher]:
    """SM4-GCM, where OpenSSL provides SM4; nothing elsewhere."""
    return [SM4_GCM] if available() else []
