"""What the three service syncs share: their result, the 'start over' signal, and batching helpers (among them
writing listed work in checkpointed batches)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence, TypeVar

from server.store import checkpoints, sync_status
from server.store.checkpoints import Checkpoint
from workers.budget import GoogleBudget

T = TypeVar("T")


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

    def then(self, other: "SyncResult") -> "SyncResult":
        """This result followed by `other` (a resumed sync, then a delta) as one."""
        return SyncResult(self.kind, self.upserted + other.upserted, self.deleted + other.deleted)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "upserted": self.upserted, "deleted": self.deleted}


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def write_in_batches(ctx: Any, user_id: Any, service: str, checkpoint: Checkpoint, size: int,
                     fetch: Callable[[list[Any]], T], write: Callable[[Any, T], tuple[int, int]],
                     budget: GoogleBudget | None, on_written: Callable[[], None] | None = None) -> tuple[int, int]:
    """Write what `checkpoint` has left, `size` items at a time: `fetch(items)` reads them from Google, then
    `write(conn, fetched) -> (upserted, deleted)` stores them in the transaction that moves the checkpoint on (and,
    for a full sync, the progress). After each batch but the last the budget is checked: BudgetExhausted leaves
    the checkpoint where the next run carries on. Returns (upserted, deleted)."""
    upserted = deleted = 0
    position = checkpoint.position
    while position < len(checkpoint.items):
        batch = checkpoint.items[position:position + size]
        fetched = fetch(batch)
        with ctx.pool.connection() as conn, conn.transaction():
            up, down = write(conn, fetched)
            position += len(batch)
            checkpoints.advance(conn, user_id, service, position)
            if checkpoint.kind == "full":
                sync_status.progress(conn, user_id, service, position)
        checkpoint.position = position
        upserted, deleted = upserted + up, deleted + down
        if on_written is not None:
            on_written()
        if budget is not None and position < len(checkpoint.items):
            budget.check()
    return upserted, deleted
