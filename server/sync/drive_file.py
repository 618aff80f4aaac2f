"""A Drive v3 File resource (+ its exported text) → a gdrive_cache row."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PREVIEW_CHARS = 300
FOLDER = "application/vnd.google-apps.folder"
# Google's own formats are exported as text; the value is the export MIME type we ask for.
EXPORT_AS = {
    "application/vnd.google-apps.document": "text/plain",
    "application/vnd.google-apps.spreadsheet": "text/csv",
    "application/vnd.google-apps.presentation": "text/plain",
}
# Uploaded files whose bytes are text already.
TEXT_MIME_PREFIXES = ("text/",)
PDF = "application/pdf"
# What files.list / changes.list ask for (Drive v3 returns only id/name/mimeType without `fields`).
FILE_FIELDS = ("id,name,mimeType,owners(displayName,emailAddress),createdTime,modifiedTime,parents,webViewLink,"
               "size,trashed,permissions(id,type,role,emailAddress,domain,displayName)")


@dataclass
class FileRow:
    """One file as the index stores it (columns of gdrive_cache)."""

    file_id: str
    name: str
    mime_type: str
    content_text: str
    content_preview: str
    parent_folder: str | None
    web_link: str
    owners: list[dict[str, str]] = field(default_factory=list)
    shared_with: list[dict[str, str]] = field(default_factory=list)
    trashed: bool = False
    size_bytes: int | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None


def _rfc3339(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def parse_file(resource: dict[str, Any], text: str = "") -> FileRow:
    """The index row for a file and the text exported from it."""
    owners = [{"email": (o.get("emailAddress") or "").lower(), "name": o.get("displayName", "")}
              for o in resource.get("owners") or []]
    owner_emails = {o["email"] for o in owners}
    shared = [{"type": p.get("type", ""), "role": p.get("role", ""), "email": (p.get("emailAddress") or "").lower(),
               "domain": p.get("domain", ""), "name": p.get("displayName", "")}
              for p in resource.get("permissions") or []
              if p.get("role") != "owner" and (p.get("emailAddress") or "").lower() not in owner_emails]
    text = (text or "").replace("\r\n", "\n").strip()
    parents = resource.get("parents") or []
    return FileRow(
        file_id=resource["id"],
        name=resource.get("name", ""),
        mime_type=resource.get("mimeType", ""),
        content_text=text,
        content_preview=" ".join(text.split())[:PREVIEW_CHARS],
        parent_folder=parents[0] if parents else None,
        web_link=resource.get("webViewLink", ""),
        owners=owners,
        shared_with=shared,
        trashed=bool(resource.get("trashed")),
        size_bytes=int(resource["size"]) if resource.get("size") else None,
        created_at=_rfc3339(resource.get("createdTime")),
        modified_at=_rfc3339(resource.get("modifiedTime")),
    )
