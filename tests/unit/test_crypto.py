import stat
from pathlib import Path

import pytest

from server.crypto import TokenCipher, TokenCipherError, demo_key, generate_key, parse_key


def test_round_trip_and_no_plaintext_at_rest() -> None:
    cipher = TokenCipher(parse_key(generate_key()))
    blob = cipher.encrypt("ya29.secret-access-token", "user-1")
    assert b"ya29" not in blob
    assert cipher.decrypt(blob, "user-1") == "ya29.secret-access-token"
    assert cipher.encrypt("same", "user-1") != cipher.encrypt("same", "user-1")  # fresh nonce each time


def test_a_token_moved_to_another_user_or_key_or_tampered_does_not_decrypt() -> None:
    key = parse_key(generate_key())
    blob = TokenCipher(key).encrypt("refresh", "user-1")
    with pytest.raises(TokenCipherError):
        TokenCipher(key).decrypt(blob, "user-2")
    with pytest.raises(TokenCipherError):
        TokenCipher(parse_key(generate_key())).decrypt(blob, "user-1")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(TokenCipherError):
        TokenCipher(key).decrypt(tampered, "user-1")


@pytest.mark.parametrize("bad", ["not base64 !!", "c2hvcnQ"])
def test_malformed_keys_are_refused(bad: str) -> None:
    with pytest.raises(TokenCipherError, match="TOKEN_ENCRYPTION_KEY"):
        parse_key(bad)


def test_the_demo_key_is_created_once_and_private(tmp_path: Path) -> None:
    first = demo_key(tmp_path)
    assert demo_key(tmp_path) == first and len(parse_key(first)) == 32
    assert stat.S_IMODE((tmp_path / "token_encryption.key").stat().st_mode) == 0o600
