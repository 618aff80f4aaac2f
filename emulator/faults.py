"""Faults on demand: make the next N calls of a method fail or answer slowly.

A fault is registered with ``POST /_emulator/faults`` and consumed by the API decorator in
``app.py`` before the handler runs. ``method`` is a discovery method id
(``gmail.users.messages.get``), a glob (``gmail.*``) or ``*``; the token endpoint is ``oauth2.token``.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import asdict, dataclass
from typing import Any

ALLOWED_STATUS = {200, 401, 403, 429, 500, 503}


@dataclass
class Fault:
    """One queued fault. ``status`` 200 with ``delay_ms`` means "just slow"."""

    method: str
    status: int
    count: int = 1
    retry_after: float | None = None
    delay_ms: int = 0
    user: str | None = None

    def matches(self, method_id: str, user: str | None) -> bool:
        """Whether this fault applies to a call of ``method_id`` by ``user``."""
        if self.user is not None and (user is None or self.user.lower() != user.lower()):
            return False
        return self.method == "*" or self.method == method_id or fnmatch.fnmatchcase(method_id, self.method)


class FaultRegistry:
    """FIFO of faults; global unless a fault names a user. Thread/greenlet safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.fired: int = 0

    def add(self, fault: Fault) -> None:
        """Queue a fault."""
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._faults.clear()

    def take(self, method_id: str, user: str | None) -> Fault | None:
        """Consume one use of the first matching fault (None when no fault applies)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method_id, user):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    self.fired += 1
                    return fault
        return None

    def list(self) -> list[dict[str, Any]]:
        """The queued faults as JSON-ready dicts."""
        with self._lock:
            return [asdict(f) for f in self._faults]


def parse_fault(body: dict[str, Any]) -> Fault:
    """Validate a control-API fault body; raises ValueError with a readable message."""
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    method = body.get("method", "*")
    if not isinstance(method, str) or not method:
        raise ValueError("method must be a non-empty string")
    status = body.get("status", 200 if body.get("delay_ms") else None)
    if status not in ALLOWED_STATUS:
        raise ValueError(f"status must be one of {sorted(ALLOWED_STATUS)}")
    count = body.get("count", 1)
    if not isinstance(count, int) or count < 1:
        raise ValueError("count must be a positive integer")
    retry_after = body.get("retry_after")
    if retry_after is not None and (not isinstance(retry_after, (int, float)) or retry_after < 0):
        raise ValueError("retry_after must be a non-negative number")
    delay_ms = body.get("delay_ms", 0)
    if not isinstance(delay_ms, int) or delay_ms < 0:
        raise ValueError("delay_ms must be a non-negative integer")
    user = body.get("user")
    if user is not None and not isinstance(user, str):
        raise ValueError("user must be an email address")
    return Fault(method=method, status=status, count=count, retry_after=retry_after, delay_ms=delay_ms, user=user)
