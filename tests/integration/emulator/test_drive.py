"""Drive v3 through googleapiclient: files.list q, get/fields, export, permissions, changes."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from googleapiclient.errors import HttpError

DOC = "application/vnd.google-apps.document"
SHEET = "application/vnd.google-apps.spreadsheet"
SLIDES = "application/vnd.google-apps.presentation"


def put(emu, fid, name, mime, modified, text="", **extra):
    file = {"id": fid, "name": name, "mimeType": mime, "createdTime": "2023-06-01T09:00:00.000Z",
            "modifiedTime": modified}
    file.update(extra)
    emu.control._call("POST", f"/users/{emu.email}/files", json={"file": file, "text": text, "permissions": [
        {"type": "user", "role": "writer", "emailAddress": "aisha.chen@atlas.com", "displayName": "Aisha Chen"}]})


def seed(emu):
    put(emu, "docBudget", "Q4 Budget Review", DOC, "2023-11-20T10:00:00.000Z",
        "Budget review notes.\nHeadcount is flat; travel spend is up 12%.", description="finance")
    put(emu, "sheetPlan", "Annual Budget Planning 2024", SHEET, "2023-11-24T17:00:00.000Z",
        "Department,Amount\nEngineering,1200000\nSales,800000\n")
    put(emu, "slidesLaunch", "Launch deck", SLIDES, "2023-10-02T08:00:00.000Z", "Slide 1: Launch in November")
    put(emu, "pdfContract", "Vendor contract.pdf", "application/pdf", "2023-09-15T12:00:00.000Z",
        "Contract text mentions budget caps", size=48213)
    put(emu, "oldDoc", "Old budget draft", DOC, "2023-03-01T00:00:00.000Z", "superseded", trashed=True)


def names(resp):
    return sorted(f["name"] for f in resp["files"])


def test_list_queries(emu):
    seed(emu)
    files = emu.drive.files()
    assert names(files.list(q="name contains 'budget'").execute()) == [
        "Annual Budget Planning 2024", "Old budget draft", "Q4 Budget Review"]
    assert names(files.list(q="name contains 'budget' and trashed = false").execute()) == [
        "Annual Budget Planning 2024", "Q4 Budget Review"]
    assert names(files.list(q="name contains 'udget'").execute()) == []  # prefix match on words, like Drive
    assert names(files.list(q="fullText contains 'headcount'").execute()) == ["Q4 Budget Review"]
    assert names(files.list(q="fullText contains 'budget' and trashed = false").execute()) == [
        "Annual Budget Planning 2024", "Q4 Budget Review", "Vendor contract.pdf"]
    assert names(files.list(q=f"mimeType = '{SHEET}'").execute()) == ["Annual Budget Planning 2024"]
    assert names(files.list(q="modifiedTime > '2023-11-01T00:00:00'").execute()) == [
        "Annual Budget Planning 2024", "Q4 Budget Review"]
    assert names(files.list(q="modifiedTime <= '2023-03-01T00:00:00Z' or name = 'Launch deck'").execute()) == [
        "Launch deck", "Old budget draft"]
    assert names(files.list(q="not mimeType contains 'google-apps' and trashed = false").execute()) == [
        "Vendor contract.pdf"]
    assert names(files.list(q="'aisha.chen@atlas.com' in writers and name contains 'launch'").execute()) == [
        "Launch deck"]
    assert len(files.list(q="'sam@atlas.com' in owners").execute()["files"]) == 5
    assert len(files.list(q="'root' in parents").execute()["files"]) == 5
    assert names(files.list(q="name = 'Launch deck'").execute()) == ["Launch deck"]


@pytest.mark.parametrize("q", ["name contains", "name contains 'x' and", "foo = 'x'", "name > 'x'",
                               "trashed = maybe", "(name contains 'x'", "modifiedTime > 'not a date'",
                               "name contains 'unterminated"])
def test_bad_query_is_400(emu, q):
    with pytest.raises(HttpError) as err:
        emu.drive.files().list(q=q).execute()
    assert err.value.resp.status == 400
    assert err.value.error_details[0]["location"] == "q"


def test_default_fields_paging_and_order(emu):
    seed(emu)
    files = emu.drive.files()
    default = files.list(q="trashed = false").execute()
    assert set(default["files"][0]) == {"kind", "id", "name", "mimeType"}  # Drive v3 default fields
    assert default["files"][0]["name"] == "Annual Budget Planning 2024"  # modifiedTime desc
    rich = files.list(q="trashed = false", orderBy="name", pageSize=2,
                      fields="nextPageToken,files(id,name,modifiedTime,owners(emailAddress),webViewLink)").execute()
    assert [f["name"] for f in rich["files"]] == ["Annual Budget Planning 2024", "Launch deck"]
    assert rich["files"][0]["owners"] == [{"emailAddress": "sam@atlas.com"}]
    assert rich["files"][0]["webViewLink"].startswith("https://docs.google.com/spreadsheets/d/sheetPlan")
    rest = files.list(q="trashed = false", orderBy="name", pageSize=2, pageToken=rich["nextPageToken"]).execute()
    assert names(rest) == ["Q4 Budget Review", "Vendor contract.pdf"]
    with pytest.raises(HttpError) as err:
        files.list(orderBy="bogus desc").execute()
    assert err.value.resp.status == 400


def test_get_and_download(emu):
    seed(emu)
    files = emu.drive.files()
    assert files.get(fileId="docBudget").execute() == {"kind": "drive#file", "id": "docBudget",
                                                       "name": "Q4 Budget Review", "mimeType": DOC}
    full = files.get(fileId="pdfContract", fields="*").execute()
    assert full["size"] == "48213" and full["ownedByMe"] is True and full["shared"] is True
    pdf = files.get_media(fileId="pdfContract").execute()
    assert pdf.startswith(b"%PDF-")  # a real PDF whose text layer is the file's text
    assert "Contract text mentions budget caps" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    with pytest.raises(HttpError) as err:
        files.get_media(fileId="docBudget").execute()
    assert err.value.resp.status == 403
    with pytest.raises(HttpError) as err:
        files.get(fileId="missing").execute()
    assert err.value.resp.status == 404 and "File not found: missing" in err.value.reason
    assert files.get(fileId="root", fields="id,name").execute()["name"] == "My Drive"


def test_export_text(emu):
    seed(emu)
    files = emu.drive.files()
    assert files.export(fileId="docBudget", mimeType="text/plain").execute().startswith(b"Budget review notes.")
    assert files.export(fileId="sheetPlan", mimeType="text/csv").execute().splitlines()[1] == b"Engineering,1200000"
    assert files.export(fileId="sheetPlan", mimeType="text/tab-separated-values").execute().splitlines()[1] == \
        b"Engineering\t1200000"
    assert files.export(fileId="slidesLaunch", mimeType="text/plain").execute() == b"Slide 1: Launch in November"
    with pytest.raises(HttpError) as err:
        files.export(fileId="pdfContract", mimeType="text/plain").execute()
    assert err.value.resp.status == 403
    with pytest.raises(HttpError) as err:
        files.export(fileId="sheetPlan", mimeType="application/x-nope").execute()
    assert err.value.resp.status == 400


def test_permissions(emu):
    seed(emu)
    perms = emu.drive.permissions()
    listed = perms.list(fileId="docBudget").execute()["permissions"]
    assert [(p["role"], p.get("emailAddress")) for p in listed] == [
        ("owner", "sam@atlas.com"), ("writer", "aisha.chen@atlas.com")]
    created = perms.create(fileId="docBudget", body={"type": "user", "role": "reader",
                                                     "emailAddress": "kofi.mensah@atlas.com"},
                           sendNotificationEmail=False).execute()
    assert created["role"] == "reader" and created["type"] == "user"
    anyone = perms.create(fileId="docBudget", body={"type": "anyone", "role": "reader"}).execute()
    assert anyone["id"] == "anyoneWithLink"
    again = perms.list(fileId="docBudget", fields="permissions(id,role,emailAddress,displayName)").execute()
    assert len(again["permissions"]) == 4
    for body in ({"type": "user", "role": "reader"}, {"type": "user", "role": "boss", "emailAddress": "a@b.c"},
                 {"role": "reader"}):
        with pytest.raises(HttpError) as err:
            perms.create(fileId="docBudget", body=body).execute()
        assert err.value.resp.status == 400
    with pytest.raises(HttpError) as err:
        perms.list(fileId="missing").execute()
    assert err.value.resp.status == 404


def test_changes_feed(emu):
    seed(emu)
    start = emu.drive.changes().getStartPageToken().execute()["startPageToken"]
    empty = emu.drive.changes().list(pageToken=start).execute()
    assert empty["changes"] == [] and empty["newStartPageToken"] == start
    emu.drive.permissions().create(fileId="docBudget", body={"type": "user", "role": "reader",
                                                             "emailAddress": "kofi.mensah@atlas.com"}).execute()
    emu.drive.files().update(fileId="sheetPlan", body={"name": "Budget 2024 (final)"}).execute()
    emu.drive.files().delete(fileId="slidesLaunch").execute()
    put(emu, "newDoc", "Fresh notes", DOC, "2023-11-29T00:00:00.000Z")
    page1 = emu.drive.changes().list(pageToken=start, pageSize=3).execute()
    assert [c["fileId"] for c in page1["changes"]] == ["docBudget", "sheetPlan", "slidesLaunch"]
    assert page1["changes"][2]["removed"] is True and "file" not in page1["changes"][2]
    assert page1["changes"][1]["file"]["name"] == "Budget 2024 (final)"
    assert "newStartPageToken" not in page1
    page2 = emu.drive.changes().list(pageToken=page1["nextPageToken"], pageSize=3,
                                     fields="newStartPageToken,nextPageToken,changes(fileId,file(name,modifiedTime))"
                                     ).execute()
    assert [c["fileId"] for c in page2["changes"]] == ["newDoc"] and "nextPageToken" not in page2
    final = page2["newStartPageToken"]
    assert emu.drive.changes().list(pageToken=final).execute()["changes"] == []
    with pytest.raises(HttpError) as err:
        emu.drive.changes().list(pageToken="not-a-token").execute()
    assert err.value.resp.status == 400


def test_about(emu):
    about = emu.drive.about().get(fields="user(emailAddress,displayName)").execute()
    assert about["user"]["emailAddress"] == "sam@atlas.com"
