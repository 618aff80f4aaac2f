"""Encryption at rest for OAuth tokens: AES-256-GCM with a key from the environment.

Stored form: version byte (1) || 12-byte random nonce || ciphertext+tag. The user's id is bound as associated
data, so a ciphertext copied onto another user's row does not decrypt.
"""
from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = b"\x01"


class TokenCipherError(ValueError):
    """A key is malformed, or a ciphertext does not decrypt with it (wrong key, wrong user, tampered)."""


def parse_key(encoded: str) -> bytes:
    """A 32-byte key from its urlsafe-base64 form (as TOKEN_ENCRYPTION_KEY holds it)."""
    try:
        key = base64.urlsafe_b64decode(encoded.strip() + "=" * (-len(encoded.strip()) % 4))
    except (ValueError, TypeError):
        raise TokenCipherError("TOKEN_ENCRYPTION_KEY is not base64") from None
    if len(key) != 32:
        raise TokenCipherError(f"TOKEN_ENCRYPTION_KEY must decode to 32 bytes, got {len(key)}")
    return key


def generate_key() -> str:
    """A new random key in the form TOKEN_ENCRYPTION_KEY takes."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def demo_key(data_dir: Path) -> str:
    """The demo's key, created once under DATA_DIR (mode 0600) and reused by every process of the demo."""
    path = data_dir / "token_encryption.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(generate_key())
    return path.read_text().strip()


class TokenCipher:
    """Encrypts and decrypts token strings for one key."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: str, user_id: str) -> bytes:
        """Ciphertext of `plaintext`, bound to `user_id`."""
        nonce = secrets.token_bytes(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode(), str(user_id).encode())

    def decrypt(self, blob: bytes, user_id: str) -> str:
        """The plaintext; TokenCipherError when the blob is not ours for this user."""
        blob = bytes(blob)
        if len(blob) < 1 + 12 + 16 or blob[:1] != _VERSION:
            raise TokenCipherError("not a token ciphertext")
        try:
            return self._aead.decrypt(blob[1:13], blob[13:], str(user_id).encode()).decode()
        except InvalidTag:
            raise TokenCipherError("token does not decrypt with this key for this user") from None
