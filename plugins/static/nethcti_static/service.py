"""The one-shot file store on ``app.extensions["static"]``: publish a file, serve it once, forget it after a while."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import shutil
import stat
import time
from collections.abc import AsyncIterator
from pathlib import Path

NAME = re.compile(r"[A-Za-z0-9_-]{32}(\.[A-Za-z0-9]{1,10})?\Z")  # token_urlsafe(24) and an optional suffix
SUFFIX = re.compile(r"(\.[A-Za-z0-9]{1,10})?\Z")
MAX_NAME = 64  # longer names are refused before any file system call
CHUNK = 64 * 1024
_PENDING, _TAKEN = ".tmp-", ".taken-"  # files being written / being served: never match NAME


class BadSuffix(ValueError):
    """A suffix other than a dot and 1-10 letters or digits."""


class StaticFiles:
    """Files in one directory, each named by an unguessable token; ``take`` hands a file out once.

    Several processes may share the directory: a file is claimed by renaming it, so only one request gets it.
    """

    def __init__(self, directory: str | Path, ttl: float):
        self.directory = Path(directory)
        self.ttl = ttl
        self.served = self.expired = 0

    def prepare(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.directory = self.directory.resolve()

    async def publish(self, source: str | os.PathLike | bytes, suffix: str = "") -> str:
        """Copy the file at ``source`` (or write the bytes) under a new unguessable name ending in ``suffix``
        (".wav"); returns the name, valid for one download within ``ttl`` seconds."""
        if not SUFFIX.match(suffix):
            raise BadSuffix(f"not a file suffix: {suffix[:20]!r}")
        name = secrets.token_urlsafe(24) + suffix
        pending = self.directory / f"{_PENDING}{name}"
        await asyncio.to_thread(self._write, source, pending, self.directory / name)
        return name

    @staticmethod
    def _write(source, pending: Path, final: Path) -> None:
        try:
            if isinstance(source, bytes | bytearray | memoryview):
                pending.write_bytes(source)
            else:
                shutil.copyfile(source, pending)
            pending.chmod(0o600)
            pending.rename(final)
        finally:
            pending.unlink(missing_ok=True)

    def valid_name(self, name: str) -> bool:
        return len(name) <= MAX_NAME and NAME.match(name) is not None

    async def take(self, name: str) -> tuple[int, AsyncIterator[bytes]] | None:
        """The size and content of file ``name``, which no one can take again; None when there is none.

        Only names ``publish`` makes are looked up; the file must be a regular file (not a symlink) and fresh.
        """
        if not self.valid_name(name):
            return None
        return await asyncio.to_thread(self._claim, name)

    def _claim(self, name: str):
        claimed = self.directory / f"{_TAKEN}{secrets.token_hex(8)}-{name}"
        try:
            os.rename(self.directory / name, claimed)  # atomic: a second request finds nothing
        except OSError:
            return None
        try:
            fd = os.open(claimed, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            _remove(claimed)
            return None
        info = os.fstat(fd)
        _remove(claimed)  # the open descriptor keeps the content until it is read
        if not stat.S_ISREG(info.st_mode) or time.time() - info.st_mtime > self.ttl:
            os.close(fd)
            return None
        self.served += 1
        return info.st_size, _read(fd)

    def sweep(self, now: float | None = None) -> int:
        """Delete what is older than ``ttl`` (unserved files, leftovers of crashes); returns how many."""
        now = time.time() if now is None else now
        removed = 0
        with os.scandir(self.directory) as entries:
            for entry in entries:
                try:
                    if now - entry.stat(follow_symlinks=False).st_mtime > self.ttl:
                        _remove(Path(entry.path))
                        removed += 1
                except FileNotFoundError:
                    continue  # served meanwhile
        self.expired += removed
        return removed

    def count(self) -> int:
        with os.scandir(self.directory) as entries:
            return sum(1 for _ in entries)


def _remove(path: Path) -> None:
    """Remove a file, or an empty directory someone made; anything else stays (and is never served)."""
    try:
        path.unlink()
    except IsADirectoryError:
        with contextlib.suppress(OSError):
            path.rmdir()
    except FileNotFoundError:
        pass


async def _read(fd: int) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(os.read, fd, CHUNK):
            yield chunk
    finally:
        os.close(fd)
