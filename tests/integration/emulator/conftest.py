"""Fixtures for the emulator tests: an in-process emulator and googleapiclient services whose
every response is validated against the bundled discovery schemas (see emulator/testing.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:  # importlib import mode does not put the repo on sys.path
    sys.path.insert(0, str(ROOT))

from emulator.discovery_schema import SchemaValidator  # noqa: E402
from emulator.testing import EmulatorServer, build_service, new_batch  # noqa: E402

USER = "sam@atlas.com"


class Emu:
    """One emulator + one signed-in user, with lazily built validated services."""

    def __init__(self, server: EmulatorServer, validator: SchemaValidator, email: str = USER) -> None:
        self.server = server
        self.url = server.url
        self.control = server.control
        self.state = server.state
        self.validator = validator
        self.email = email
        self.tokens = server.control.create_user(email)
        self._services: dict[str, Any] = {}

    def service(self, api: str, tokens: dict[str, Any] | None = None) -> Any:
        """A fresh validated service (for another user's tokens, or to get a clean http)."""
        return build_service(api, self.url, tokens or self.tokens, self.validator)

    def _cached(self, api: str) -> Any:
        if api not in self._services:
            self._services[api] = self.service(api)
        return self._services[api]

    @property
    def gmail(self) -> Any:
        return self._cached("gmail")

    @property
    def calendar(self) -> Any:
        return self._cached("calendar")

    @property
    def drive(self) -> Any:
        return self._cached("drive")

    def batch(self, api: str, callback: Callable[..., Any] | None = None) -> Any:
        return new_batch(api, self.url, callback)


@pytest.fixture(scope="session")
def validator() -> SchemaValidator:
    return SchemaValidator()


@pytest.fixture(scope="session")
def server() -> Any:
    with EmulatorServer() as srv:
        yield srv


@pytest.fixture
def emu(server: EmulatorServer, validator: SchemaValidator) -> Any:
    """A clean emulator state with sam@atlas.com signed in."""
    server.control.reset()
    server.state.config.sync_token_ttl_seconds = 7 * 24 * 3600
    yield Emu(server, validator)
    server.control.clear_faults()
    server.app.extensions["emulator.push"].configure(None, None)


@pytest.fixture(scope="session")
def demo(validator: SchemaValidator) -> Any:
    """A separate emulator holding the demo world (read-only tests only)."""
    with EmulatorServer() as srv:
        srv.control.load(dataset="demo")
        srv.control.clock(now="2023-11-30T00:00:00Z")
        yield Emu(srv, validator)
