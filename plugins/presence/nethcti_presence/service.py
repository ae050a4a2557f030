"""``app.extensions["presence"]``: users' presence read from the live model, set through AMI, announced on change.

Imports neither Quart nor panoramisk: the AMI, astproxy and users services and ``notify`` are given.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from loguru import logger
from nethcti_ami.errors import AMIActionError, AMITimeout
from nethcti_astproxy.ops.common import normalize_number
from nethcti_auth.errors import PermissionDenied

from nethcti_presence import rules
from nethcti_presence.errors import NoCellphone, NoVoicemail
from nethcti_presence.rules import UserPresence

DND_PERMISSION = "settings.dnd"
FORWARD_PERMISSION = "settings.call_forward"
DND_DEVICE_STATE = {"YES": "BUSY", None: "NOT_INUSE"}  # Custom:DND<ext>, as the FreePBX dialplan keeps it

Notify = Callable[..., Awaitable[None]]


def dial_cellphone(user: Any) -> str | None:
    """The user's first cellphone as it is dialled (and stored in CF): normalised like any number."""
    number = rules.first(user.cellphones)
    if number is None:
        return None
    try:
        return normalize_number(number)
    except ValueError:
        return number


def required_permission(status: str) -> str | None:
    """The profile permission a presence needs; online needs none (as the original)."""
    if status == "dnd":
        return DND_PERMISSION
    if status in ("callforward", "cellphone", "voicemail"):
        return FORWARD_PERMISSION
    return None


class Presences:
    """Presence of every user, kept in step with the model: read, set on all devices, mirrored, announced."""

    def __init__(self, ami: Any, astproxy: Any, users: Any, notify: Notify, mirror: bool = True):
        self.ami, self.astproxy, self.users, self.notify = ami, astproxy, users, notify
        self.mirror_enabled = mirror
        self._published: dict[str, UserPresence] = {}  # what the hooks last said, per username
        self._changing: set[str] = set()  # users whose extensions nethcti is writing: announce at the end
        self._locks: dict[str, asyncio.Lock] = {}  # one change at a time per user
        self._pending: dict[str, deque[tuple[str, dict]]] = {}  # hook calls not delivered yet, per user
        self._delivering: set[str] = set()

    @property
    def published(self) -> dict[str, UserPresence]:
        """What the hooks last said (or the first value seen), per username."""
        return self._published

    # ------------------------------------------------------------------ reading

    def state(self, user: Any) -> UserPresence:
        """The user's presence now; 503 pbx-model-not-ready before the model is loaded."""
        extensions = self.astproxy.current().extensions
        main = extensions.get(user.mainextension) if user.mainextension else None
        mine = [extensions[exten] for exten in sorted(user.extension_ids) if exten in extensions]
        return rules.user_state(main, mine, dial_cellphone(user))

    # ------------------------------------------------------------------ announcing

    async def refresh(self, user: Any) -> None:
        """Recompute ``user``'s presence and call the hooks for what changed since they last spoke."""
        if not self.astproxy.ready or user.username in self._changing:
            return
        new = self.state(user)
        old = self._published.get(user.username)
        self._published[user.username] = new
        if old is None:  # first sight (model loaded): what clients fetch, not a change
            return
        calls = [("user_presence_changed", {"kind": kind, "status": new.kind(kind).status, "to": new.kind(kind).to})
                 for kind in rules.KINDS if new.kind(kind) != old.kind(kind)]
        if new.main != old.main:
            calls.append(("user_main_presence_changed", {"status": new.main.status, "to": new.main.to}))
        if calls:
            await self._deliver(user.username, calls)

    async def _deliver(self, username: str, calls: list[tuple[str, dict]]) -> None:
        """Call the hooks in the order the changes happened, also when a hook changes a presence itself:
        one delivery per user at a time, and what arrives meanwhile is delivered by it, after."""
        pending = self._pending.setdefault(username, deque())
        pending.extend(calls)
        if username in self._delivering:
            return
        self._delivering.add(username)
        try:
            while pending:
                hook, arguments = pending.popleft()
                await self.notify(hook, username=username, **arguments)
        finally:
            self._delivering.discard(username)
            if not pending:
                self._pending.pop(username, None)

    async def extension_changed(self, exten: str) -> None:
        user = self.users.by_extension(exten)
        if user is not None:
            await self.refresh(user)

    async def model_reloaded(self) -> None:
        """After a (re)load: announce what changed meanwhile; users seen for the first time are silent."""
        known = {user.username for user in self.users}
        for username in set(self._published) - known:
            del self._published[username]
        for user in list(self.users):
            await self.refresh(user)

    @asynccontextmanager
    async def changing(self, user: Any) -> AsyncIterator[None]:
        """Writes to ``user``'s extensions, one change at a time per user; announced once, at the end."""
        lock = self._locks.setdefault(user.username, asyncio.Lock())
        try:
            async with lock:
                self._changing.add(user.username)
                try:
                    yield
                finally:
                    self._changing.discard(user.username)
        finally:
            await self.refresh(user)  # out of the lock: a hook may change this user's presence again

    # ------------------------------------------------------------------ setting

    @staticmethod
    def check_allowed(user: Any, status: str) -> None:
        """403 permission-denied when the user's profile does not allow this presence."""
        needed = required_permission(status)
        if needed is not None and not user.can(needed):
            raise PermissionDenied(f"The profile of {user.username} does not allow presence {status}",
                                   {"permission": needed})

    @staticmethod
    def targets(user: Any, status: str) -> tuple[str | None, str | None]:
        """(cellphone, voicemail) a presence forwards to; 400 when the user has none."""
        cellphone, voicemail = dial_cellphone(user), rules.first(user.voicemails)
        if status == "cellphone" and cellphone is None:
            raise NoCellphone(f"status: {user.username} has no cellphone", {"status": ["The user has no cellphone"]})
        if status == "voicemail" and voicemail is None:
            raise NoVoicemail(f"status: {user.username} has no voicemail",
                              {"status": ["The user has no voicemail box"]})
        return cellphone, voicemail

    def devices(self, user: Any) -> list[str]:
        """Every extension of the user, the main one first."""
        main = user.mainextension
        return ([main] if main else []) + sorted(user.extension_ids - {main})

    async def set_presence(self, user: Any, status: str, to: str | None = None) -> None:
        """DND / call forward on every extension of the user, then CustomPresence of the main extension."""
        self.check_allowed(user, status)
        cellphone, voicemail = self.targets(user, status)
        writes = rules.presence_writes(status, to, cellphone, voicemail)
        self.astproxy.current()
        async with self.changing(user):
            for exten in self.devices(user):
                for family, value in writes:
                    await self.write(exten, family, value)
            if user.mainextension:
                await self.cli(f"presencestate change CustomPresence:{user.mainextension} "
                               f"{rules.CUSTOM_PRESENCE[status]}")

    async def set_conditional(self, user: Any, kind: str, status: str, to: str | None = None) -> None:
        """Forward on busy (``presence_onbusy``) or on unavailable on every extension of the user."""
        self.check_allowed(user, status)
        cellphone, voicemail = self.targets(user, status)
        writes = rules.conditional_writes(kind, status, to, cellphone, voicemail)
        self.astproxy.current()
        async with self.changing(user):
            for exten in self.devices(user):
                for family, value in writes:
                    await self.write(exten, family, value)

    async def mirror(self, exten: str, setting: str) -> None:
        """A phone switched DND or a forward of ``exten``: the same value on the user's other extensions."""
        user = self.users.by_extension(exten)
        family = rules.SETTING_FAMILIES.get(setting)
        if not self.mirror_enabled or user is None or family is None or len(user.extension_ids) < 2:
            return
        async with self.changing(user):
            source = self.astproxy.extension(exten)
            if source is None:
                return
            value = rules.db_value(source, family)  # as it is now: a later change of the same key wins
            for other in self.devices(user):
                ext = self.astproxy.extension(other)
                if other != exten and ext is not None and rules.db_value(ext, family) != value:
                    await self.write(other, family, value)

    async def write(self, exten: str, family: str, value: str | None) -> None:
        """One AstDB write through AMI, then the model (it sees no event for it); DND keeps Custom:DND<ext>."""
        if value is None:
            reply = await self.ami.send_action({"Action": "DBDel", "Family": family, "Key": exten}, raw=True)
            if reply.get("Response") == "Error" and not _absent(reply):
                raise AMIActionError(f"Asterisk refused DBDel {family}/{exten}: {reply.get('Message')}",
                                     {"action": "DBDel"}, response=reply)
        else:
            await self.ami.send_action({"Action": "DBPut", "Family": family, "Key": exten, "Val": value})
        await self.astproxy.set_db_value(exten, family, value)
        if family == "DND":
            await self.cli(f"devstate change Custom:DND{exten} {DND_DEVICE_STATE[value]}")

    async def cli(self, command: str) -> None:
        """A CLI command for the phones' lamps (BLF); AstDB is already written, so a failure is only logged."""
        try:
            await self.ami.command(command)
        except (AMIActionError, AMITimeout) as exc:
            logger.warning("presence: {!r} failed: {}", command, exc)

def _absent(reply: Any) -> bool:
    """DBDel of a key that is not there: "Database entry not found" (Asterisk 13), "… could not be deleted" (16+)."""
    message = str(reply.get("Message", "")).lower()
    return "not found" in message or "could not be deleted" in message

