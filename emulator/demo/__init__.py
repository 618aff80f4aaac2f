"""Demo world for the local Google Workspace emulator: Sam's Gmail, Calendar and Drive.

``load_demo()`` returns the WorkBench mailbox (500 emails) and calendar (300 events) of
Sam (sam@atlas.com), plus hand-written extras: a Turkish Airlines trip scenario, ~35
external messages (clients, vendors, newsletters, receipts, a prompt-injection attempt)
and a Drive of ~70 files and 11 folders on the same projects. See README.md.

Everything is deterministic: every call returns equal data (fresh objects each time, so
callers may mutate them).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ._mime import NOW, USER_EMAIL
from .drive import DRIVE_ROOT_ID, drive_files
from .extra_mail import extra_messages
from .travel import travel_events, travel_messages
from .workbench import workbench_events, workbench_messages

__all__ = ["DemoData", "load_demo", "NOW", "USER_EMAIL", "DRIVE_ROOT_ID"]


@dataclass
class DemoData:
    user_email: str
    messages: list[dict]
    events: list[dict]
    files: list[dict]
    #: parent id of the top-level Drive folders (Sam's "My Drive"); not itself in `files`
    root_folder_id: str = field(default=DRIVE_ROOT_ID)


def load_demo() -> DemoData:
    messages = workbench_messages() + travel_messages() + extra_messages()
    messages.sort(key=lambda m: (int(m["internalDate"]), m["id"]))
    events = workbench_events() + travel_events()
    events.sort(key=lambda e: (e["start"]["dateTime"], e["id"]))
    return DemoData(user_email=USER_EMAIL, messages=messages, events=events, files=drive_files())
