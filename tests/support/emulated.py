"""Test helpers for apps that talk to the local Google emulator: its config, and a person connected to it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from server import accounts
from server.config import Config
from server.crypto import generate_key
from server.store.users import User


def emulated(config: Config, emulator: Any, **changes: Any) -> Config:
    """`config` pointed at `emulator` for Google's APIs and tokens, with a fresh token encryption key."""
    return config.with_(google_api_base_url=emulator.url + "/", google_token_uri=emulator.url + "/token",
                        token_encryption_key=generate_key(), **changes)


def connect(svc: Any, emulator: Any, email: str) -> User:
    """A new emulator account for `email`, connected to the app (tokens stored, valid for an hour)."""
    tokens = emulator.control.create_user(email)
    return accounts.connect(svc.pool, svc.config, email, access_token=tokens["access_token"],
                            refresh_token=tokens["refresh_token"],
                            expires_at=datetime.now(timezone.utc) + timedelta(hours=1))
