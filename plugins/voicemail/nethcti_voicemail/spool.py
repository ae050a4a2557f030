"""File storage: app_voicemail's spool ``<spool_dir>/<context>/<box>/<Folder>/msgNNNN.{txt,wav,…}``.

Blocking file work; the async facade (``SpoolStorage``) runs it in a thread. Changes take the folder's
lock the way Asterisk does (``.lock`` hard link, asterisk.conf ``lockmode = lockfile``), and leave the
folder numbered without gaps, as app_voicemail leaves it.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from loguru import logger

from nethcti_voicemail.errors import MailboxLocked, NoVoicemailBox
from nethcti_voicemail.model import FOLDERS, NEW_FOLDERS, OLD_FOLDERS, Counts, Message, valid_box

MESSAGE_FILE = re.compile(r"msg(\d{4,5})\.txt\Z")
MSG_ID = re.compile(r"[0-9]{1,20}-[0-9A-Za-z]{1,40}\Z")  # Asterisk's "<time>-<counter as 8 hex>"
GREETING_FILE = r"{}\.[0-9A-Za-z]{{1,10}}\Z"


def read_info(path: Path) -> dict[str, str]:
    """The ``key=value`` lines of a msgNNNN.txt."""
    values = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith((";", "[")):
            values[key.strip()] = value.strip()
    return values


def inside(path: Path, directory: Path) -> Path:
    """``path`` resolved, if it stays inside ``directory`` (symbolic links followed); else ValueError."""
    resolved = path.resolve()
    if not resolved.is_relative_to(directory.resolve()):
        raise ValueError(f"{path} leads out of {directory}")
    return resolved


class Spool:
    """One voicemail context of the spool; every name is checked before it becomes a path."""

    def __init__(self, spool_dir: str, context: str, lock_timeout: float = 5.0):
        self.root = Path(spool_dir) / context
        self.lock_timeout = lock_timeout

    def box_dir(self, box: str) -> Path:
        if not valid_box(box):  # users.json names it: refused as no box at all, never a path
            raise NoVoicemailBox("Not a voicemail box number", {"voicemail": box[:40]})
        return self.root / box

    # -- reading

    def messages(self, box: str, folders=FOLDERS) -> Iterator[Message]:
        box_dir = self.box_dir(box)
        for folder in folders:
            directory = box_dir / folder
            try:
                names = os.listdir(directory)
            except (FileNotFoundError, NotADirectoryError):
                continue
            for name in names:
                if found := MESSAGE_FILE.match(name):
                    try:
                        info = read_info(directory / name)
                    except FileNotFoundError:  # moved meanwhile
                        continue
                    yield self._message(box, folder, int(found.group(1)), directory, info)

    @staticmethod
    def _message(box: str, folder: str, msgnum: int, directory: Path, info: dict[str, str]) -> Message:
        origtime = info.get("origtime", "")
        msg_id = info.get("msg_id", "")
        if not MSG_ID.match(msg_id):  # a message from before Asterisk 12: an id of its place
            msg_id = f"{origtime if origtime.isdigit() else 0}-{folder}{msgnum:04d}"
        return Message(msg_id, box, folder, msgnum, origtime, info.get("duration", ""), info.get("callerid", ""),
                       str(directory))

    def list(self, box: str, folders=FOLDERS) -> list[Message]:
        return sorted(self.messages(box, folders), key=Message.sort_key)

    def find(self, msg_id: str, boxes: tuple[str, ...]) -> Message | None:
        """The message ``msg_id``, searched in ``boxes`` first, then in every box of the context."""
        others = (entry.name for entry in _scandir(self.root) if valid_box(entry.name) and entry.name not in boxes)
        for box in (*boxes, *others):
            found = next((m for m in self.messages(box) if m.id == msg_id), None)
            if found is not None:
                return found
        return None

    def audio(self, message: Message) -> bytes | None:
        folder = self.box_dir(message.box) / message.folder
        for suffix in ("wav", "WAV"):
            path = folder / f"msg{message.msgnum:04d}.{suffix}"
            if path.is_file():
                return _read_inside(path, folder)
        return None

    def counts(self, box: str) -> Counts:
        box_dir = self.box_dir(box)

        def count(folders) -> int:
            return sum(1 for folder in folders for entry in _scandir(box_dir / folder)
                       if MESSAGE_FILE.match(entry.name))

        return Counts(count(NEW_FOLDERS), count(OLD_FOLDERS))

    # -- changing, under Asterisk's folder locks

    def move(self, message: Message, to_folder: str) -> None:
        """Move the message to the end of ``to_folder`` (as app_voicemail saves to a folder), then close the gap."""
        box_dir = self.box_dir(message.box)
        source, target = box_dir / message.folder, box_dir / to_folder
        with ExitStack() as locks:
            locks.enter_context(self.lock(source))
            locks.enter_context(self.lock(target))
            current = self._current(message, source)
            if current is None:
                return
            self._rename(source, current, target, self._last_index(target) + 1)
            self._resequence(source)

    def delete(self, message: Message) -> bool:
        folder = self.box_dir(message.box) / message.folder
        with self.lock(folder):
            current = self._current(message, folder)
            if current is None:
                return False
            txt = folder / f"msg{current:04d}.txt"
            txt.unlink()  # first: from now on the message is gone for every counter
            for path in self._files(folder, current):
                path.unlink(missing_ok=True)
            self._resequence(folder)
            return True

    def _current(self, message: Message, folder: Path) -> int | None:
        """The message's number now (another client may have moved it since it was read)."""
        return next((m.msgnum for m in self.messages(message.box, (message.folder,)) if m.id == message.id), None)

    @staticmethod
    def _files(folder: Path, msgnum: int) -> list[Path]:
        """Every format of message ``msgnum`` (directory entries: renamed or removed, never followed)."""
        stem = f"msg{msgnum:04d}"
        return [entry for entry in folder.glob(f"{stem}.*") if entry.name.partition(".")[0] == stem]

    def _rename(self, source: Path, msgnum: int, target: Path, new: int) -> None:
        files = sorted(self._files(source, msgnum), key=lambda path: path.suffix == ".txt")  # the .txt last
        for path in files:
            os.rename(path, target / f"msg{new:04d}{path.suffix}")

    @staticmethod
    def _last_index(folder: Path) -> int:
        return max((int(found.group(1)) for entry in _scandir(folder) if (found := MESSAGE_FILE.match(entry.name))),
                   default=-1)

    def _resequence(self, folder: Path) -> None:
        """Number the folder's messages 0, 1, 2 … in their order, as app_voicemail's resequence_mailbox."""
        numbers = sorted(int(found.group(1)) for entry in _scandir(folder)
                         if (found := MESSAGE_FILE.match(entry.name)))
        for index, msgnum in enumerate(numbers):
            if index != msgnum:
                self._rename(folder, msgnum, folder, index)

    @contextmanager
    def lock(self, folder: Path):
        """Asterisk's ``ast_lock_path`` (lockfile mode): a unique file hard-linked to ``<folder>/.lock``."""
        folder.mkdir(parents=True, exist_ok=True)
        temp = folder / f".lock-{secrets.token_hex(4)}"
        os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        lock = folder / ".lock"
        deadline = time.monotonic() + self.lock_timeout
        try:
            while True:
                try:
                    os.link(temp, lock)
                    break
                except FileExistsError:
                    if time.monotonic() > deadline:
                        raise MailboxLocked(details={"folder": folder.name}) from None
                    time.sleep(0.01)
        finally:
            temp.unlink(missing_ok=True)
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)

    # -- greetings: <box>/<type>.wav, what app_voicemail plays

    def greeting(self, box: str, kind: str) -> bytes | None:
        box_dir = self.box_dir(box)
        path = box_dir / f"{kind}.wav"
        return _read_inside(path, box_dir) if path.is_file() else None

    def set_greeting(self, box: str, kind: str, wav: bytes) -> None:
        """Write ``<type>.wav`` whole (temporary file, then rename) and remove the greeting's other formats,
        which Asterisk could otherwise prefer."""
        box_dir = self.box_dir(box)
        box_dir.mkdir(parents=True, exist_ok=True)
        target = box_dir / f"{kind}.wav"  # replaced as a name: a symbolic link there is replaced, not followed
        temp = box_dir / f".{kind}-{secrets.token_hex(4)}.wav"
        temp.write_bytes(wav)
        os.replace(temp, target)
        self._remove_greeting(box_dir, kind, keep=target.name)

    def delete_greeting(self, box: str, kind: str) -> bool:
        return self._remove_greeting(self.box_dir(box), kind)

    @staticmethod
    def _remove_greeting(box_dir: Path, kind: str, keep: str | None = None) -> bool:
        pattern = re.compile(GREETING_FILE.format(kind))
        removed = False
        for entry in _scandir(box_dir):
            if pattern.match(entry.name) and entry.name != keep and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed = True
        return removed


def _read_inside(path: Path, directory: Path) -> bytes | None:
    """The file's bytes, unless a symbolic link leads it out of ``directory`` (then None, and a warning)."""
    try:
        return inside(path, directory).read_bytes()
    except ValueError:
        logger.warning("voicemail: {} leads out of {}, not read", path, directory)
        return None


def _scandir(directory: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(directory) as entries:
            return list(entries)
    except (FileNotFoundError, NotADirectoryError):
        return []


class SpoolStorage:
    """The async face of the spool for the service: every call runs in a worker thread."""

    kind = "file"

    def __init__(self, spool_dir: str, context: str, lock_timeout: float = 5.0):
        self.spool = Spool(spool_dir, context, lock_timeout)

    @staticmethod
    def parse_id(raw: str) -> str | None:
        return raw if MSG_ID.match(raw) else None

    async def list(self, box: str, folders) -> list[Message]:
        return await asyncio.to_thread(self.spool.list, box, folders)

    async def find(self, msg_id: str, boxes: tuple[str, ...]) -> Message | None:
        return await asyncio.to_thread(self.spool.find, msg_id, boxes)

    async def audio(self, message: Message) -> bytes | None:
        return await asyncio.to_thread(self.spool.audio, message)

    async def move(self, message: Message, to_folder: str) -> None:
        await asyncio.to_thread(self.spool.move, message, to_folder)

    async def delete(self, message: Message) -> bool:
        return await asyncio.to_thread(self.spool.delete, message)

    async def counts(self, box: str) -> Counts:
        return await asyncio.to_thread(self.spool.counts, box)

    async def greeting(self, box: str, kind: str) -> bytes | None:
        return await asyncio.to_thread(self.spool.greeting, box, kind)

    async def set_greeting(self, box: str, kind: str, wav: bytes) -> None:
        await asyncio.to_thread(self.spool.set_greeting, box, kind, wav)

    async def delete_greeting(self, box: str, kind: str) -> bool:
        return await asyncio.to_thread(self.spool.delete_greeting, box, kind)

    async def close(self) -> None:
        pass

    def describe(self) -> str:
        return str(self.spool.root)
