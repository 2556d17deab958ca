"""Built-in: AES-256-GCM for contacts at rest (个人信息加密), through the `cryptography` package."""

from __future__ import annotations

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from govbiz.ports.cipher import DecryptionError

__all__ = ["AES_256_GCM", "AesGcm"]


@attrs.frozen(slots=True)
class AesGcm:
    """AES in Galois/counter mode with a 256-bit key and a 96-bit nonce (NIST SP 800-38D)."""

    algorithm: str = "aes-256-gcm"
    key_size: int = 32
    nonce_size: int = 12

    def encrypt(self, key: bytes, nonce: bytes, plaintext: bytes, associated: bytes) -> bytes:
        return AESGCM(key).encrypt(nonce, plaintext, associated)

    def decrypt(self, key: bytes, nonce: bytes, ciphertext: bytes, associated: bytes) -> bytes:
        try:
            return AESGCM(key).decrypt(nonce, ciphertext, associated)
        except InvalidTag:
            raise DecryptionError(
                "the ciphertext does not open with this key (wrong key, or changed)"
            ) from None


#: The built-in contact cipher.
AES_256_GCM = AesGcm()
