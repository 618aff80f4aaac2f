"""Build Drive v3 File and Permission resources from ``drive_content``."""
from __future__ import annotations

import base64
from datetime import datetime

from ._mime import USER_EMAIL, UTC, digest, display_name, rfc3339
from .drive_content import FILES, FOLDERS, F, Folder

#: Id of Sam's "My Drive" root folder (top-level folders' parent), Drive-style.
DRIVE_ROOT_ID = "0AEtwBSwd5YqjUk9PVA"

MIME = {
    "folder": "application/vnd.google-apps.folder",
    "doc": "application/vnd.google-apps.document",
    "sheet": "application/vnd.google-apps.spreadsheet",
    "slides": "application/vnd.google-apps.presentation",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "png": "image/png",
    "jpg": "image/jpeg",
    "zip": "application/zip",
}
GOOGLE_TYPES = {"folder", "doc", "sheet", "slides"}
EXTENSIONS = {"pdf": "pdf", "xlsx": "xlsx", "docx": "docx", "png": "png", "jpg": "jpg", "zip": "zip"}

# The colleagues (all appear in emails.csv / calendar_events.csv), by first name.
COLLEAGUES = {
    e.split(".")[0]: e
    for e in [
        "aisha.chen@atlas.com",
        "akira.sato@atlas.com",
        "amir.ali@atlas.com",
        "anaya.patel@atlas.com",
        "carlos.rodriguez@atlas.com",
        "chenwei.zhang@atlas.com",
        "dmitri.ivanov@atlas.com",
        "fatima.khan@atlas.com",
        "jinsoo.kim@atlas.com",
        "kofi.mensah@atlas.com",
        "leila.azizi@atlas.com",
        "lena.schmidt@atlas.com",
        "luis.ortiz@atlas.com",
        "nadia.moreau@atlas.com",
        "nia.johnson@atlas.com",
        "olga.petrova@atlas.com",
        "raj.patel@atlas.com",
        "santiago.martinez@atlas.com",
        "sofia.santos@atlas.com",
        "yuki.tanaka@atlas.com",
    ]
}
COLLEAGUES["sam"] = USER_EMAIL

EXTERNAL_NAMES = {
    "megan.obrien@northwindoutfitters.com": "Megan O'Brien",
    "owen.price@northwindoutfitters.com": "Owen Price",
    "emre.yildiz@anadoluperakende.com.tr": "Emre Y\u0131ld\u0131z",
    "zeynep.arslan@anadoluperakende.com.tr": "Zeynep Arslan",
    "priya.raman@ledgerline.io": "Priya Raman",
    "marco@studioferro.design": "Marco Ferro",
}

ROLES = {"w": "writer", "c": "commenter", "r": "reader"}


def drive_id(*parts: object) -> str:
    """A Drive-like file id: 33 chars of [A-Za-z0-9_-], starting with '1' like real ones."""
    b = base64.urlsafe_b64encode(digest("drive-id", *parts)).decode("ascii")
    return "1" + b[:32]


def _numeric_id(*parts: object) -> str:
    return str(int.from_bytes(digest("perm-id", *parts)[:8], "big"))[:20].rjust(20, "0")


def _name_for(email: str) -> str:
    if email == USER_EMAIL:
        return "Sam"
    return EXTERNAL_NAMES.get(email) or display_name(email)


def _user(email: str, me: bool) -> dict:
    u = {
        "kind": "drive#user",
        "displayName": _name_for(email),
        "emailAddress": email,
        "permissionId": _numeric_id("user", email),
    }
    if me:
        u["me"] = True
    return u


def _perm_user(email: str, role: str) -> dict:
    return {
        "kind": "drive#permission",
        "id": _numeric_id("user", email),
        "type": "user",
        "role": role,
        "emailAddress": email,
        "displayName": _name_for(email),
    }


def permissions(owner_email: str, shares: str) -> list[dict]:
    perms = [_perm_user(owner_email, "owner")]
    for tok in shares.split():
        kind, _, arg = tok.partition(":")
        if kind == "domain":
            perms.append(
                {
                    "kind": "drive#permission",
                    "id": _numeric_id("domain", "atlas.com"),
                    "type": "domain",
                    "role": ROLES[arg],
                    "domain": "atlas.com",
                    "displayName": "Atlas",
                    "allowFileDiscovery": True,
                }
            )
        elif kind == "anyone":
            perms.append(
                {
                    "kind": "drive#permission",
                    "id": "anyoneWithLink",
                    "type": "anyone",
                    "role": ROLES[arg],
                    "allowFileDiscovery": False,
                }
            )
        elif kind.startswith("ext-"):
            perms.append(_perm_user(arg, ROLES[kind[4:]]))
        else:
            email = COLLEAGUES[arg]
            if email != owner_email:
                perms.append(_perm_user(email, ROLES[kind]))
    return perms


def _ts(s: str, salt: str) -> str:
    dt = datetime.strptime(s, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    d = digest("ts", salt, s)
    return rfc3339(dt.replace(second=d[0] % 60, microsecond=(d[1] * 1000 + d[2]) % 1000 * 1000), millis=True)


def web_view_link(kind: str, fid: str) -> str:
    if kind == "doc":
        return f"https://docs.google.com/document/d/{fid}/edit?usp=drivesdk"
    if kind == "sheet":
        return f"https://docs.google.com/spreadsheets/d/{fid}/edit?usp=drivesdk"
    if kind == "slides":
        return f"https://docs.google.com/presentation/d/{fid}/edit?usp=drivesdk"
    if kind == "folder":
        return f"https://drive.google.com/drive/folders/{fid}"
    return f"https://drive.google.com/file/d/{fid}/view?usp=drivesdk"


def folder_ids() -> dict[str, str]:
    return {f.key: drive_id("folder", f.key) for f in FOLDERS}


def _resource(
    *, key: str, fid: str, name: str, kind: str, owner: str, parent: str, created: str, modified: str,
    shares: str, desc: str | None, star: bool, size: int | None,
) -> dict:
    owner_email = COLLEAGUES[owner]
    perms = permissions(owner_email, shares)
    created_ts = _ts(created, key + "c")
    # uploads are created and last modified at the same instant; never modified before created
    modified_ts = created_ts if created == modified else max(created_ts, _ts(modified, key + "m"))
    res = {
        "kind": "drive#file",
        "id": fid,
        "name": name,
        "mimeType": MIME[kind],
        "starred": star,
        "trashed": False,
        "parents": [parent],
        "webViewLink": web_view_link(kind, fid),
        "createdTime": created_ts,
        "modifiedTime": modified_ts,
        "owners": [_user(owner_email, owner_email == USER_EMAIL)],
        "lastModifyingUser": _user(owner_email, owner_email == USER_EMAIL),
        "ownedByMe": owner_email == USER_EMAIL,
        "shared": len(perms) > 1,
    }
    if desc:
        res["description"] = desc
    if kind not in GOOGLE_TYPES:
        res["size"] = str(size if size is not None else 0)
        res["fileExtension"] = EXTENSIONS[kind]
        res["md5Checksum"] = digest("md5", fid).hex()[:32]
    return {"file": res, "permissions": perms}


def drive_files() -> list[dict]:
    fids = folder_ids()
    out = []
    for f in FOLDERS:
        item = _resource(
            key=f.key, fid=fids[f.key], name=f.name, kind="folder", owner=f.owner,
            parent=fids[f.parent] if f.parent else DRIVE_ROOT_ID, created=f.created, modified=f.modified,
            shares=f.shares, desc=None, star=False, size=None,
        )
        item["text"] = ""
        out.append(item)
    for f in FILES:
        item = _resource(
            key=f.key, fid=drive_id("file", f.key), name=f.name, kind=f.kind, owner=f.owner,
            parent=fids[f.folder], created=f.created, modified=f.modified, shares=f.shares,
            desc=f.desc, star=f.star, size=f.size,
        )
        item["text"] = f.text.strip("\n") + "\n" if f.text else ""
        out.append(item)
    return out


__all__ = ["DRIVE_ROOT_ID", "MIME", "drive_files", "drive_id", "F", "Folder"]
