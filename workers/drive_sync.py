"""Drive into gdrive_cache: full sync (files.list, exported text), delta sync (changes.list from the stored
page token). Text comes from exports for Google's formats, the first pages' text layer for PDFs, and the bytes
of plain-text uploads. Both list first and save the listing as the sync's checkpoint, then read and write the
files in batches (`resume`, like Gmail's)."""
from __future__ import annotations

import io
import logging
import uuid
from typing import Any

from server.google.calls import execute
from server.google.clients import GoogleServices
from server.google.errors import GoogleError
from server.store import checkpoints, sync_status, workspace_cache
from server.store.checkpoints import Checkpoint
from server.sync.drive_file import EXPORT_AS, FILE_FIELDS, PDF, TEXT_MIME_PREFIXES, parse_file
from workers.budget import GoogleBudget
from workers.context import JobContext
from workers.sync_common import SyncResult, TokenExpired, write_in_batches

log = logging.getLogger(__name__)

PDF_PAGES = 5
MAX_TEXT_BYTES = 2 * 1024 * 1024  # bigger uploads are indexed by name only
WRITE_EVERY = 50  # files per transaction: each may cost an export or a download


def pdf_text(data: bytes, pages: int = PDF_PAGES) -> str:
    """The text layer of a PDF's first pages ('' for a scan without one or a broken file)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n".join((page.extract_text() or "") for page in reader.pages[:pages]).strip()
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        log.info("pdf without readable text", extra={"error": str(exc)[:200]})
        return ""


def file_text(g: GoogleServices, resource: dict[str, Any]) -> str:
    """The searchable text of a file; '' when it has none (images, archives) or it cannot be read."""
    mime = resource.get("mimeType", "")
    size = int(resource.get("size") or 0)
    try:
        if mime in EXPORT_AS:
            data = execute(g.drive.files().export(fileId=resource["id"], mimeType=EXPORT_AS[mime]))
        elif (mime == PDF or mime.startswith(TEXT_MIME_PREFIXES)) and size <= MAX_TEXT_BYTES:
            data = execute(g.drive.files().get_media(fileId=resource["id"]))
        else:
            return ""
    except GoogleError as exc:
        if exc.retryable:
            raise  # the whole job retries later rather than indexing a file without its text
        log.info("file text unavailable", extra={"file_id": resource["id"], "kind": exc.kind})
        return ""
    if mime == PDF:
        return pdf_text(data)
    return data.decode("utf-8", errors="replace") if isinstance(data, bytes) else str(data)


def full(ctx: JobContext, g: GoogleServices, user_id: uuid.UUID | str,
         budget: GoogleBudget | None = None) -> SyncResult:
    """Index every file not in the trash, with its text; remember where the change feed starts. The listing is
    saved as the checkpoint, then texts are read and written in batches (`resume`)."""
    # Read the change feed's position first: changes made while we list are replayed by the next delta sync.
    start = execute(g.drive.changes().getStartPageToken())["startPageToken"]
    files: list[dict[str, Any]] = []
    page = None
    while True:
        resp = execute(g.drive.files().list(q="trashed = false", pageSize=100, pageToken=page,
                                            fields=f"nextPageToken,files({FILE_FIELDS})"))
        files.extend(resp.get("files", []))
        page = resp.get("nextPageToken")
        if not page:
            break
    with ctx.pool.connection() as conn, conn.transaction():
        sync_status.started(conn, user_id, "drive", total=len(files))
        checkpoint = checkpoints.save(conn, user_id, "drive", "full", str(start), files)
    if budget is not None:
        budget.check()
    return resume(ctx, g, user_id, checkpoint, budget)


def delta(ctx: JobContext, g: GoogleServices, user_id: uuid.UUID | str, token: str,
          budget: GoogleBudget | None = None) -> SyncResult:
    """Apply the change feed since `token` (removed or trashed files leave the index)."""
    changed: dict[str, dict[str, Any]] = {}
    gone: set[str] = set()
    page: str | None = token
    new_start = token
    while page:
        try:
            resp = execute(g.drive.changes().list(
                pageToken=page, pageSize=100,
                fields=f"nextPageToken,newStartPageToken,changes(fileId,removed,file({FILE_FIELDS}))"))
        except GoogleError as exc:
            if exc.kind in ("gone", "not_found"):
                raise TokenExpired("Drive page token no longer valid") from exc
            raise
        for change in resp.get("changes", []):
            file_id = change.get("fileId") or (change.get("file") or {}).get("id")
            if change.get("removed") or (change.get("file") or {}).get("trashed"):
                gone.add(file_id)
                changed.pop(file_id, None)
            elif change.get("file"):
                changed[file_id] = change["file"]
                gone.discard(file_id)
        page = resp.get("nextPageToken")
        new_start = resp.get("newStartPageToken", new_start)
    with ctx.pool.connection() as conn, conn.transaction():
        removed = workspace_cache.delete(conn, "drive", user_id, sorted(gone))
        checkpoint = checkpoints.save(conn, user_id, "drive", "delta", str(new_start), list(changed.values()))
    result = resume(ctx, g, user_id, checkpoint, budget)
    return SyncResult("delta", upserted=result.upserted, deleted=removed + result.deleted)


def resume(ctx: JobContext, g: GoogleServices, user_id: uuid.UUID | str, checkpoint: Checkpoint,
           budget: GoogleBudget | None = None) -> SyncResult:
    """Read and write the checkpoint's remaining files in batches, then finish the sync: keep its page token (and
    after a full sync drop what Google no longer has)."""

    def write(conn: Any, rows: list[Any]) -> tuple[int, int]:
        workspace_cache.upsert_files(conn, user_id, rows)
        return len(rows), 0

    upserted, deleted = write_in_batches(
        ctx, user_id, "drive", checkpoint, WRITE_EVERY,
        lambda resources: [parse_file(r, file_text(g, r)) for r in resources], write, budget)
    with ctx.pool.connection() as conn, conn.transaction():
        if checkpoint.kind == "full":
            deleted += workspace_cache.prune(conn, "drive", user_id, [f["id"] for f in checkpoint.items])
        sync_status.succeeded(conn, user_id, "drive", checkpoint.next_token)
        checkpoints.clear(conn, user_id, "drive")
    return SyncResult(checkpoint.kind, upserted=upserted, deleted=deleted)
