"""What both storages share: app_voicemail's folders and greetings, a message, a box's counters."""

from __future__ import annotations

import re
from dataclasses import dataclass

# app_voicemail's folders, in its order; the API's ``type`` is the name lower-cased
FOLDERS = ("INBOX", "Old", "Work", "Family", "Friends", "Cust1", "Cust2", "Cust3", "Cust4", "Cust5", "Deleted",
           "Urgent")
FOLDER_OF_TYPE = {folder.lower(): folder for folder in FOLDERS}
NEW_FOLDERS, OLD_FOLDERS = ("INBOX", "Urgent"), ("Old",)  # what MWI counts as new and old, as app_voicemail
GREETINGS = ("greet", "busy", "unavail")
BOX = re.compile(r"[0-9A-Za-z_+-]{1,40}\Z")  # a mailbox number; never "." nor ".."
CONTEXT = re.compile(r"[0-9A-Za-z_+-]{1,80}\Z")


def valid_box(box: str) -> bool:
    return bool(BOX.match(box))


@dataclass(frozen=True, slots=True)
class Message:
    """A voice message: ``id`` is the storage's (row id, or the spool's msg_id), ``folder`` app_voicemail's."""

    id: int | str
    box: str
    folder: str
    msgnum: int
    origtime: str
    duration: str
    callerid: str
    dir: str

    def row(self) -> dict:
        """The original's list row."""
        return {"origtime": self.origtime, "duration": self.duration, "id": self.id, "dir": self.dir,
                "callerid": self.callerid, "mailboxuser": self.box, "type": self.folder.lower()}

    def sort_key(self) -> tuple:
        """Newest first, as the original's ``ORDER BY origtime DESC``."""
        return (-int(self.origtime) if self.origtime.isdigit() else 0, FOLDERS.index(self.folder), self.msgnum)


@dataclass(frozen=True, slots=True)
class Counts:
    new: int
    old: int
