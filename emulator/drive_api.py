"""Drive v3: files list/get/export/create/update/delete, permissions, changes, about.

Like the real Drive v3, responses without a ``fields`` parameter carry only the default fields
(``kind,id,name,mimeType`` for files); ask for more with ``fields=files(id,name,modifiedTime)`` or
``fields=*``. Every file mutation appends to the user's change log that ``changes.list`` pages.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import re
import secrets
import textwrap
from typing import Any

from flask import Blueprint, Response, request

from . import errors
from .demo._mime import make_pdf
from .common import api_method, arg_int, encode_token, get_state, json_body, respond, token_int
from .query import QueryError, drive_match, parse_drive
from .state import DriveFile, DriveStore, State, User, rfc3339

bp = Blueprint("drive", __name__, url_prefix="/drive/v3")

FILE_DEFAULT = "kind,id,name,mimeType"
PERMISSION_DEFAULT = "kind,id,type,role,emailAddress,domain,allowFileDiscovery"
DOC = "application/vnd.google-apps.document"
SHEET = "application/vnd.google-apps.spreadsheet"
SLIDES = "application/vnd.google-apps.presentation"
FOLDER = "application/vnd.google-apps.folder"
EXPORTS = {
    DOC: {"text/plain", "text/markdown", "text/html"},
    SHEET: {"text/csv", "text/tab-separated-values"},
    SLIDES: {"text/plain"},
}
ROLES = {"owner", "organizer", "fileOrganizer", "writer", "commenter", "reader"}
TYPES = {"user", "group", "domain", "anyone"}
ORDER_KEYS = {"createdTime", "folder", "modifiedByMeTime", "modifiedTime", "name", "name_natural",
              "quotaBytesUsed", "recency", "sharedWithMeTime", "starred", "viewedByMeTime"}
WEB_PREFIX = {DOC: "document", SHEET: "spreadsheets", SLIDES: "presentation"}
FILE_KEY_ORDER = ["kind", "id", "name", "mimeType", "description", "starred", "trashed", "explicitlyTrashed",
                  "parents", "spaces", "version", "webViewLink", "iconLink", "hasThumbnail", "viewedByMe",
                  "viewedByMeTime", "createdTime", "modifiedTime", "modifiedByMeTime", "modifiedByMe", "owners",
                  "lastModifyingUser", "shared", "ownedByMe", "size", "quotaBytesUsed", "permissionIds"]


def _file_not_found(file_id: str) -> errors.ApiError:
    return errors.ApiError(404, f"File not found: {file_id}.", "notFound", location="fileId",
                           location_type="parameter")


def _root(drive: DriveStore, owner: str) -> DriveFile:
    """The synthesized "My Drive" folder (files.get('root'))."""
    me = {"kind": "drive#user", "displayName": owner.split("@")[0], "me": True,
          "permissionId": permission_id_for(owner), "emailAddress": owner}
    return DriveFile({"kind": "drive#file", "id": drive.root_id, "name": "My Drive", "mimeType": FOLDER,
                      "starred": False, "trashed": False, "explicitlyTrashed": False, "spaces": ["drive"],
                      "version": "1", "webViewLink": f"https://drive.google.com/drive/folders/{drive.root_id}",
                      "owners": [me], "ownedByMe": True, "shared": False})


def _file(drive: DriveStore, file_id: str) -> DriveFile:
    df = drive.files.get(file_id)
    if df is None:
        raise _file_not_found(file_id)
    return df


def permission_id_for(email_or_domain: str) -> str:
    """Stable numeric-looking permission id for a user/group/domain (Drive ids are per principal)."""
    digest = hashlib.sha1(email_or_domain.lower().encode()).hexdigest()
    return str(int(digest[:15], 16)).rjust(20, "0")


def _drive_user(person: dict[str, Any], me: str) -> dict[str, Any]:
    email = person.get("emailAddress", "")
    out = {"kind": "drive#user", "displayName": person.get("displayName") or email.split("@")[0],
           "me": email.lower() == me, "permissionId": person.get("permissionId") or permission_id_for(email),
           "emailAddress": email}
    return out


def normalize_permission(perm: dict[str, Any]) -> dict[str, Any]:
    """Fill kind/id and order fields like Drive does."""
    p = copy.deepcopy(perm)
    ptype = p.get("type", "user")
    if "id" not in p:
        if ptype == "anyone":
            p["id"] = "anyoneWithLink"
        elif ptype == "domain":
            p["id"] = permission_id_for(p.get("domain", "")) + "k"
        else:
            p["id"] = permission_id_for(p.get("emailAddress", ""))
    out = {"kind": "drive#permission", "id": p.pop("id"), "type": ptype}
    p.pop("kind", None)
    p.pop("type", None)
    out.update(p)
    if ptype in ("user", "group"):
        out.setdefault("deleted", False)
    if ptype in ("domain", "anyone"):
        out.setdefault("allowFileDiscovery", False)
    return out


def normalize_file(file: dict[str, Any], owner: str, permissions: list[dict[str, Any]], now: str,
                   root_id: str = "root") -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Fill the File fields Drive computes (kind, owners, links, flags) and make sure an owner permission exists."""
    f = copy.deepcopy(file)
    fid = f["id"]
    f.setdefault("kind", "drive#file")
    f.setdefault("mimeType", DOC)
    f.setdefault("starred", False)
    f.setdefault("trashed", False)
    f.setdefault("explicitlyTrashed", bool(f.get("trashed")))
    f.setdefault("parents", [root_id])
    f["parents"] = [root_id if p == "root" else p for p in f["parents"]]
    f.setdefault("spaces", ["drive"])
    f.setdefault("version", "1")
    prefix = WEB_PREFIX.get(f["mimeType"])
    if prefix:
        f.setdefault("webViewLink", f"https://docs.google.com/{prefix}/d/{fid}/edit?usp=drivesdk")
    elif f["mimeType"] == FOLDER:
        f.setdefault("webViewLink", f"https://drive.google.com/drive/folders/{fid}")
    else:
        f.setdefault("webViewLink", f"https://drive.google.com/file/d/{fid}/view?usp=drivesdk")
    f.setdefault("iconLink", f"https://drive-thirdparty.googleusercontent.com/16/type/{f['mimeType']}")
    f.setdefault("createdTime", now)
    f.setdefault("modifiedTime", f["createdTime"])
    owners = f.get("owners") or [{"emailAddress": owner}]
    f["owners"] = [_drive_user(o, owner) for o in owners]
    f.setdefault("lastModifyingUser", f["owners"][0])
    if isinstance(f.get("lastModifyingUser"), dict):
        f["lastModifyingUser"] = _drive_user(f["lastModifyingUser"], owner)
    f["ownedByMe"] = any(o["me"] for o in f["owners"])
    if "size" in f:
        f["size"] = str(f["size"])
    perms = [normalize_permission(p) for p in permissions]
    owner_ids = {p["id"] for p in perms if p.get("role") == "owner"}
    for o in f["owners"]:
        if o["permissionId"] not in owner_ids and not any(
                p.get("emailAddress", "").lower() == o["emailAddress"].lower() and p.get("role") == "owner"
                for p in perms):
            perms.insert(0, normalize_permission({"id": o["permissionId"], "type": "user", "role": "owner",
                                                  "emailAddress": o["emailAddress"],
                                                  "displayName": o["displayName"]}))
    f["shared"] = any(p.get("role") != "owner" for p in perms)
    f["permissionIds"] = [p["id"] for p in perms]
    out = {k: f[k] for k in FILE_KEY_ORDER if k in f}
    out.update({k: v for k, v in f.items() if k not in out})
    return out, perms


def file_resource(df: DriveFile) -> dict[str, Any]:
    """The File resource as Drive returns it: `permissions` is part of it (when `fields` asks for it)."""
    return {**df.file, "permissions": df.permissions}


def touch(st: State, drive: DriveStore, df: DriveFile, *, modified: bool = True) -> None:
    """Record a change to a file (and bump modifiedTime/version for content/metadata edits)."""
    now = rfc3339(st.clock.now())
    if modified:
        df.file["modifiedTime"] = now
        df.file["version"] = str(int(df.file.get("version", "1")) + 1)
    df.file["shared"] = any(p.get("role") != "owner" for p in df.permissions)
    df.file["permissionIds"] = [p["id"] for p in df.permissions]
    drive.log_change(df.file["id"], now)
    st.dirty = True


# -- files --------------------------------------------------------------------------------------


def _order_key(spec: str) -> list[tuple[str, bool]]:
    keys = []
    for part in spec.split(","):
        bits = part.strip().split()
        if not bits or bits[0] not in ORDER_KEYS or len(bits) > 2 or (len(bits) == 2 and bits[1].lower() != "desc"):
            raise errors.invalid_parameter("orderBy", "Invalid Value")
        keys.append((bits[0], len(bits) == 2))
    return keys


def _sort(files: list[DriveFile], spec: list[tuple[str, bool]]) -> list[DriveFile]:
    for key, desc in reversed(spec):
        def value(df: DriveFile, key: str = key) -> Any:
            f = df.file
            if key == "folder":
                return f.get("mimeType") != FOLDER
            if key in ("name", "name_natural"):
                return f.get("name", "").lower()
            if key == "starred":
                return bool(f.get("starred"))
            if key == "quotaBytesUsed":
                return int(f.get("size", 0))
            if key == "recency":
                return f.get("modifiedTime", "")
            return f.get(key, "") or ""
        files.sort(key=value, reverse=desc)
    return files


@bp.get("/files")
@api_method("drive.files.list")
def list_files(user: User) -> Response:
    try:
        q = parse_drive(request.args.get("q", ""))
    except QueryError as exc:
        raise errors.invalid_parameter("q", "Invalid Value") from exc
    size = arg_int("pageSize", 100, 1, 1000)
    order = _order_key(request.args.get("orderBy") or "modifiedTime desc")
    offset = token_int(request.args.get("pageToken"), "o")
    with get_state().lock:
        files = [df for df in user.drive.files.values() if q is None or drive_match(q, df, user.email, user.drive.root_id)]
        files.sort(key=lambda df: df.file["id"])
        files = _sort(files, order)
        page = files[offset:offset + size]
        out: dict[str, Any] = {"kind": "drive#fileList"}
        if offset + size < len(files):
            out["nextPageToken"] = encode_token({"o": offset + size})
        out["incompleteSearch"] = False
        out["files"] = [file_resource(df) for df in page]
        default = f"kind,nextPageToken,incompleteSearch,files({FILE_DEFAULT})"
        return respond(out, default)


@bp.get("/files/<fileId>")
@api_method("drive.files.get")
def get_file(user: User, fileId: str) -> Response:
    with get_state().lock:
        if fileId in ("root", user.drive.root_id) and fileId not in user.drive.files:
            return respond(_root(user.drive, user.email).file, FILE_DEFAULT)
        df = _file(user.drive, fileId)
        if request.args.get("alt") == "media":
            if df.file.get("mimeType", "").startswith("application/vnd.google-apps."):
                raise errors.forbidden("Only files with binary content can be downloaded. Use Export with Docs "
                                       "Editors files.", "fileNotDownloadable")
            mime_type = df.file.get("mimeType", "text/plain")
            if mime_type == "application/pdf":
                # Stored is the PDF's text layer; serve a real (one-page) PDF carrying it, so clients exercise
                # their PDF text extraction as they would against Drive.
                lines = [chunk for line in df.text.splitlines() for chunk in textwrap.wrap(line, 95) or [""]]
                return Response(make_pdf(lines, title=df.file.get("name", "")), content_type=mime_type)
            return Response(df.text.encode("utf-8"), content_type=mime_type)
        return respond(file_resource(df), FILE_DEFAULT)


def _tsv(text: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    for row in csv.reader(io.StringIO(text)):
        writer.writerow(row)
    return out.getvalue()


@bp.get("/files/<fileId>/export")
@api_method("drive.files.export")
def export_file(user: User, fileId: str) -> Response:
    target = request.args.get("mimeType")
    if not target:
        raise errors.required_parameter("mimeType")
    with get_state().lock:
        df = _file(user.drive, fileId)
        source = df.file.get("mimeType", "")
        if source not in EXPORTS:
            raise errors.forbidden("Export only supports Docs Editors files.", "fileNotExportable")
        if target not in EXPORTS[source]:
            raise errors.ApiError(400, "The requested conversion is not supported.", "badRequest",
                                  location="convertTo", location_type="parameter")
        text = df.text
        if target == "text/tab-separated-values":
            text = _tsv(text)
        elif target == "text/html":
            import html as _html
            text = "<html><body><pre>" + _html.escape(text) + "</pre></body></html>"
        return Response(text.encode("utf-8"), content_type=f"{target}; charset=utf-8")


_WRITABLE = {"name", "description", "starred", "trashed", "mimeType", "parents", "properties", "appProperties"}


@bp.post("/files")
@api_method("drive.files.create")
def create_file(user: User) -> Response:
    body = json_body()
    st = get_state()
    with st.lock:
        meta = {k: v for k, v in body.items() if k in _WRITABLE or k == "id"}
        fid = meta.get("id") or secrets.token_urlsafe(25)[:33]
        if fid in user.drive.files:
            raise errors.ApiError(409, "A file already exists with the provided ID.", "duplicate")
        meta["id"] = fid
        meta.setdefault("name", "Untitled")
        meta.setdefault("mimeType", "application/octet-stream")
        now = rfc3339(st.clock.now())
        meta["createdTime"] = meta["modifiedTime"] = now
        file, perms = normalize_file(meta, user.email, [], now, user.drive.root_id)
        df = DriveFile(file, "", perms)
        user.drive.files[fid] = df
        touch(st, user.drive, df, modified=False)
        return respond(file_resource(df), FILE_DEFAULT)


@bp.patch("/files/<fileId>")
@api_method("drive.files.update")
def update_file(user: User, fileId: str) -> Response:
    body = json_body()
    st = get_state()
    with st.lock:
        df = _file(user.drive, fileId)
        bad = [k for k in body if k not in _WRITABLE and k not in ("kind", "id")]
        if bad:
            raise errors.ApiError(403, "The resource body includes fields which are not directly writable.",
                                  "fieldNotWritable")
        for key, value in body.items():
            if key in _WRITABLE:
                df.file[key] = value
        if "trashed" in body:
            df.file["explicitlyTrashed"] = bool(body["trashed"])
        add = [p for p in request.args.get("addParents", "").split(",") if p]
        remove = [p for p in request.args.get("removeParents", "").split(",") if p]
        if add or remove:
            df.file["parents"] = [p for p in df.file.get("parents", []) if p not in remove] + add
        touch(st, user.drive, df)
        return respond(file_resource(df), FILE_DEFAULT)


@bp.delete("/files/<fileId>")
@api_method("drive.files.delete")
def delete_file(user: User, fileId: str) -> None:
    st = get_state()
    with st.lock:
        _file(user.drive, fileId)
        del user.drive.files[fileId]
        user.drive.log_change(fileId, rfc3339(st.clock.now()), removed=True)
        st.dirty = True


# -- permissions ----------------------------------------------------------------------------------


@bp.get("/files/<fileId>/permissions")
@api_method("drive.permissions.list")
def list_permissions(user: User, fileId: str) -> Response:
    size = arg_int("pageSize", 100, 1, 100)
    offset = token_int(request.args.get("pageToken"), "o")
    with get_state().lock:
        perms = _file(user.drive, fileId).permissions
        out: dict[str, Any] = {"kind": "drive#permissionList"}
        if offset + size < len(perms):
            out["nextPageToken"] = encode_token({"o": offset + size})
        out["permissions"] = perms[offset:offset + size]
        return respond(out, f"kind,nextPageToken,permissions({PERMISSION_DEFAULT})")


@bp.get("/files/<fileId>/permissions/<permissionId>")
@api_method("drive.permissions.get")
def get_permission(user: User, fileId: str, permissionId: str) -> Response:
    with get_state().lock:
        for p in _file(user.drive, fileId).permissions:
            if p["id"] == permissionId:
                return respond(p, PERMISSION_DEFAULT)
    raise errors.ApiError(404, f"Permission not found: {permissionId}.", "notFound", location="permissionId",
                          location_type="parameter")


@bp.post("/files/<fileId>/permissions")
@api_method("drive.permissions.create")
def create_permission(user: User, fileId: str) -> Response:
    body = json_body(required=True)
    ptype, role = body.get("type"), body.get("role")
    if not ptype:
        raise errors.ApiError(400, "The permission type field is required.", "required",
                              location="permission.type", location_type="other")
    if not role:
        raise errors.ApiError(400, "The permission role field is required.", "required",
                              location="permission.role", location_type="other")
    if ptype not in TYPES:
        raise errors.ApiError(400, "The permission type field is invalid.", "invalid",
                              location="permission.type", location_type="other")
    if role not in ROLES:
        raise errors.ApiError(400, "The permission role field is invalid.", "invalid",
                              location="permission.role", location_type="other")
    email = body.get("emailAddress")
    if ptype in ("user", "group") and (not isinstance(email, str) or not re.match(r"^[^@\s]+@[^@\s]+$", email)):
        raise errors.ApiError(400, "The permission emailAddress field is required.", "required",
                              location="permission.emailAddress", location_type="other")
    if ptype == "domain" and not body.get("domain"):
        raise errors.ApiError(400, "The permission domain field is required.", "required",
                              location="permission.domain", location_type="other")
    if role == "owner" and request.args.get("transferOwnership", "false").lower() != "true":
        raise errors.forbidden("The transferOwnership parameter must be enabled when the permission role is "
                               "'owner'.", "forbidden")
    st = get_state()
    with st.lock:
        df = _file(user.drive, fileId)
        fields = {k: body[k] for k in ("type", "role", "emailAddress", "domain", "allowFileDiscovery",
                                       "expirationTime", "view") if k in body}
        if ptype in ("user", "group"):
            target = st.get_user(email)
            fields["displayName"] = target.name if target else email.split("@")[0]
        elif ptype == "domain":
            fields["displayName"] = body["domain"]
        perm = normalize_permission(fields)
        for i, existing in enumerate(df.permissions):
            if existing["id"] == perm["id"]:
                df.permissions[i] = perm
                break
        else:
            df.permissions.append(perm)
        touch(st, user.drive, df, modified=False)
        return respond(perm, PERMISSION_DEFAULT)


@bp.delete("/files/<fileId>/permissions/<permissionId>")
@api_method("drive.permissions.delete")
def delete_permission(user: User, fileId: str, permissionId: str) -> None:
    st = get_state()
    with st.lock:
        df = _file(user.drive, fileId)
        keep = [p for p in df.permissions if p["id"] != permissionId]
        if len(keep) == len(df.permissions):
            raise errors.ApiError(404, f"Permission not found: {permissionId}.", "notFound",
                                  location="permissionId", location_type="parameter")
        df.permissions = keep
        touch(st, user.drive, df, modified=False)


# -- changes, about -------------------------------------------------------------------------------


@bp.get("/changes/startPageToken")
@api_method("drive.changes.getStartPageToken")
def start_page_token(user: User) -> dict[str, Any]:
    with get_state().lock:
        return {"kind": "drive#startPageToken", "startPageToken": str(user.drive.next_change)}


@bp.get("/changes")
@api_method("drive.changes.list")
def list_changes(user: User) -> Response:
    token = request.args.get("pageToken")
    if not token:
        raise errors.required_parameter("pageToken")
    try:
        start = int(token)
    except ValueError as exc:
        raise errors.invalid_parameter("pageToken") from exc
    size = arg_int("pageSize", 100, 1, 1000)
    include_removed = request.args.get("includeRemoved", "true").lower() != "false"
    with get_state().lock:
        drive = user.drive
        if start < 1 or start > drive.next_change:
            raise errors.invalid_parameter("pageToken")
        pending = [c for c in drive.changes if c["id"] >= start]
        page = pending[:size]
        items = []
        for c in page:
            df = drive.files.get(c["fileId"])
            removed = c["removed"] or df is None
            if removed and not include_removed:
                continue
            item: dict[str, Any] = {"kind": "drive#change", "changeType": "file", "time": c["time"],
                                    "removed": removed, "fileId": c["fileId"]}
            if not removed:
                item["file"] = file_resource(df)
            items.append(item)
        out: dict[str, Any] = {"kind": "drive#changeList"}
        if len(pending) > size:
            out["nextPageToken"] = str(page[-1]["id"] + 1)
        else:
            out["newStartPageToken"] = str(drive.next_change)
        out["changes"] = items
        default = (f"kind,nextPageToken,newStartPageToken,changes(kind,changeType,time,removed,fileId,"
                   f"file({FILE_DEFAULT}))")
        return respond(out, default)


@bp.get("/about")
@api_method("drive.about.get")
def about(user: User) -> Response:
    if not request.args.get("fields"):
        raise errors.required_parameter("fields")
    with get_state().lock:
        used = sum(int(df.file.get("size", 0)) for df in user.drive.files.values())
        me = _drive_user({"emailAddress": user.email, "displayName": user.name}, user.email)
        return respond({"kind": "drive#about", "user": me,
                        "storageQuota": {"limit": str(15 * 1024**3), "usage": str(used),
                                         "usageInDrive": str(used), "usageInDriveTrash": "0"}})
