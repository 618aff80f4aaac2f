"""What the three service syncs share: their result, the 'start over' signal, and batching helpers."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Sequence


class TokenExpired(Exception):
    """The stored historyId / syncToken / page token is no longer accepted: a full sync must run instead."""


@dataclass
class SyncResult:
    """What one sync did."""

    kind: str  # "full" or "delta"
    upserted: int = 0
    deleted: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.upserted or self.deleted)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "upserted": self.upserted, "deleted": self.deleted}


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
