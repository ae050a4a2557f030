"""The off-hour service: who may see and change which inbound route and announcement, and the files."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from loguru import logger

from nethcti.errors import APIError
from nethcti_offhour.audio import decode_upload, to_announcement_wav
from nethcti_offhour.errors import (
    AnnouncementExists,
    AnnouncementFileMissing,
    NoExtension,
    NoSuchAnnouncement,
    NoSuchInboundRoute,
    NoSuchRecording,
    OffhourForbidden,
)
from nethcti_offhour.store import ACTION_CODES, ENABLED_CODES, Announcement, OffhourStore, Route, Rule

ADMIN, ADVANCED, BASIC = "off_hour.ad_off_hour", "off_hour.advanced_off_hour", "off_hour"
AUDIO_DIRNAME = "nethcti"  # announcements live in <sounds_dir>/nethcti, as on NethVoice
DIRECT = "from-did-direct,"
ACTION_NAMES = {code: name for name, code in ACTION_CODES.items()}
ENABLED_NAMES = {code: name for name, code in ENABLED_CODES.items()}
ASTDB_FAMILY = "OFFHOUR"
ASTDB_KEY = re.compile(r"^[0-9A-Za-z+*#_.-]*$")
EXTENSION = re.compile(r"^[0-9A-Za-z_+*#-]{1,40}$")


def file_stem(username: str) -> str:
    """``<user>-cti-<ms>``, as the original names announcement files (the name made safe for a path)."""
    return f"{re.sub(r'[^A-Za-z0-9_.@-]', '_', username)}-cti-{time.time_ns() // 1_000_000}"


def js_date(ts: int) -> str:
    """A Unix time as JavaScript's Date serialises (what the original's period dates were)."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Offhour:
    def __init__(self, store: OffhourStore, users, ami, static, config: dict,
                 default_extension: Callable = lambda user: None):
        self.store, self.users, self.ami, self.static = store, users, ami, static
        self.sounds_dir = Path(config["sounds_dir"])
        self.audio_dir = self.sounds_dir / AUDIO_DIRNAME
        self.record_dir = Path(config["record_dir"])
        self.max_upload_bytes = config["max_upload_bytes"]
        self.max_record_seconds = config["max_record_seconds"]
        self.astdb = config["astdb"]
        self.default_extension = default_extension
        self._sync_lock = asyncio.Lock()

    # -- permissions

    def level(self, user) -> str | None:
        for permission in (ADMIN, ADVANCED, BASIC):
            if self.users.has_permission(user, permission):
                return permission
        return None

    def _need_offhour(self, user) -> str:
        if (level := self.level(user)) is None:
            raise OffhourForbidden()
        return level

    def visible(self, user, level: str, route: Route) -> bool:
        """admin: every route; advanced: not the direct routes of others' extensions; basic: only their own."""
        if level == ADMIN:
            return True
        direct = route.destination.startswith(DIRECT)
        own = direct and self.users.owns_extension(user, route.destination.split(",")[1])
        return own or (level == ADVANCED and not direct)

    @staticmethod
    def usable(user, announcement: Announcement) -> bool:
        return announcement.privacy == "public" or announcement.username == user.username

    # -- inbound routes

    async def inbound_routes(self, user) -> dict:
        level = self._need_offhour(user)
        routes = [r for r in await self.store.routes() if self.visible(user, level, r)]
        rules = {(rule.did, rule.cid): rule for rule in await self.store.rules()}
        by_file = {Path(a.path).name: a for a in await self.store.announcements()}
        out = {}
        for route in routes:
            item = {"calledIdNum": route.did, "callerIdNum": route.cid, "destination": route.destination,
                    "description": route.description}
            if (rule := rules.get((route.did, route.cid))) is not None:
                item["offhour"] = self._rule(rule, by_file)
            out[f"{route.did}/{route.cid}"] = item
        return out

    @staticmethod
    def _rule(rule: Rule, by_file: dict) -> dict:
        action = ACTION_NAMES.get(rule.action, "redirect")
        out = {"calledIdNum": rule.did, "callerIdNum": rule.cid, "action": action,
               "enabled": ENABLED_NAMES.get(rule.enabled, "never")}
        if rule.tsbegin:
            out["period"] = {"datebegin": js_date(rule.tsbegin), "dateend": js_date(rule.tsend)}
        if action == "redirect":
            out["redirect"] = {"redirect_to": rule.param}
            return out
        found = by_file.get(f"{rule.message.rsplit('/', 1)[-1]}.wav")
        out["audiomsg"] = {key: getattr(found, key, "") for key in ("description", "privacy", "username")}
        out["audiomsg"]["announcement_id"] = str(found.id) if found else ""
        if action == "audiomsg_voicemail":
            out["voicemail"] = {"voicemail_id": rule.param}
        return out

    async def set_offhour(self, user, params: dict, period: tuple[int, int] | None) -> None:
        level = self._need_offhour(user)
        did, cid = params["calledIdNum"], params["callerIdNum"]
        route = next((r for r in await self.store.routes() if (r.did, r.cid) == (did, cid)), None)
        if route is None:
            raise NoSuchInboundRoute(details={"calledIdNum": did, "callerIdNum": cid})
        if not self.visible(user, level, route):
            raise OffhourForbidden("The inbound route is not one of the user's")
        values = {"enabled": ENABLED_CODES[params["enabled"]], "displayname": route.description[:50]}
        if period is not None:
            values["tsbegin"], values["tsend"] = period
        elif params["enabled"] == "always":
            values["tsbegin"] = values["tsend"] = 0
        action = params["action"]
        if action is not None:
            values["action"] = ACTION_CODES[action]
            if action == "redirect":
                values["param"] = params["redirect_to"]
            else:
                announcement = await self._announcement(params["announcement_id"])
                if level != ADMIN and not self.usable(user, announcement):
                    raise OffhourForbidden("The announcement is another user's private one")
                if action == "audiomsg_voicemail" and level == BASIC and \
                        not self.users.owns_voicemail(user, params["voicemail_id"]):
                    raise OffhourForbidden("The voicemail box is not the user's")
                values["param"] = params["voicemail_id"] if action == "audiomsg_voicemail" else str(announcement.id)
                values["message"] = f"{AUDIO_DIRNAME}/{Path(announcement.path).stem}"
        await self.store.set_rule(did, cid, values)
        await self.sync_dialplan()

    # -- announcements

    async def _announcement(self, announcement_id) -> Announcement:
        found = await self.store.announcement(int(announcement_id))
        if found is None:
            raise NoSuchAnnouncement(details={"id": str(announcement_id)})
        return found

    async def announcements(self, user) -> list[dict]:
        level = self._need_offhour(user)
        rows = await (self.store.announcements() if level == ADMIN
                      else self.store.announcements(user.username, public_too=True))
        return [{"id": a.id, "username": a.username, "description": a.description, "privacy": a.privacy,
                 "date_creation": a.creation.strftime("%d/%m/%Y") if a.creation else "",
                 "time_creation": a.creation.strftime("%H:%M:%S") if a.creation else ""} for a in rows]

    async def _listenable(self, user, announcement_id: str) -> Announcement:
        level = self._need_offhour(user)
        announcement = await self._announcement(announcement_id)
        if level != ADMIN and not self.usable(user, announcement):
            raise OffhourForbidden("The announcement is another user's private one")
        return announcement

    def _audio_file(self, announcement: Announcement) -> Path:
        """The announcement's file, only if it is a regular file of the announcements directory."""
        path = Path(announcement.path)
        inside = path.parent.resolve() == self.audio_dir.resolve() and path.suffix == ".wav"
        if not inside or path.is_symlink() or not path.is_file():
            raise AnnouncementFileMissing(details={"id": str(announcement.id)})
        return path

    async def audio(self, user, announcement_id: str) -> bytes:
        announcement = await self._listenable(user, announcement_id)
        return await asyncio.to_thread(self._audio_file(announcement).read_bytes)

    async def download(self, user, announcement_id: str) -> str:
        announcement = await self._listenable(user, announcement_id)
        return await self.static.publish(self._audio_file(announcement), ".wav")

    async def _owned(self, user, announcement_id: str) -> Announcement:
        self._need_offhour(user)
        announcement = await self._announcement(announcement_id)
        if announcement.username != user.username:
            raise OffhourForbidden("The announcement is another user's")
        return announcement

    async def modify(self, user, announcement_id: str, description: str | None, privacy: str | None) -> None:
        announcement = await self._owned(user, announcement_id)
        values = {key: value for key, value in (("description", description), ("privacy", privacy)) if value}
        await self.store.modify_announcement(announcement.id, values)

    async def delete(self, user, announcement_id: str) -> None:
        """The row, the rules that play it, and its file."""
        announcement = await self._owned(user, announcement_id)
        await self.store.delete_announcement(announcement.id)
        await self.store.delete_rules_playing(f"{AUDIO_DIRNAME}/{Path(announcement.path).stem}")
        try:
            (await asyncio.to_thread(self._audio_file, announcement)).unlink()
        except (APIError, OSError) as exc:
            logger.warning("offhour: the file of announcement {} was not removed: {}", announcement.id, exc)
        await self.sync_dialplan()

    async def record(self, user) -> dict:
        """Call the user's phone; what they say after the beep is recorded into record_dir (Asterisk's Record)."""
        self._need_offhour(user)
        exten = self.default_extension(user) or user.mainextension
        if not exten or not EXTENSION.match(exten):
            raise NoExtension()
        name = f"{file_stem(user.username)}.wav"
        await self.ami.originate(f"PJSIP/{exten}", application="Record",
                                 data=f"{self.record_dir / name},0,{self.max_record_seconds},k",
                                 caller_id=f'"Announcement" <{exten}>')
        return {"tempFilename": name}

    async def enable(self, user, temp_name: str, description: str, privacy: str) -> None:
        """Keep a recording made by ``record``: into the announcements directory, and a row."""
        self._need_offhour(user)
        source = self.record_dir / temp_name
        if not temp_name.startswith(file_stem(user.username).rsplit("-", 1)[0] + "-") or source.is_symlink() \
                or not source.is_file():
            raise NoSuchRecording(details={"tempFilename": temp_name})
        target = self.audio_dir / f"{file_stem(user.username)}.wav"
        await asyncio.to_thread(shutil.copyfile, source, target)
        await self._add(user, description, privacy, target)
        source.unlink(missing_ok=True)

    async def upload(self, user, description: str, privacy: str, audio_content: str) -> None:
        self._need_offhour(user)
        mime, data = decode_upload(audio_content, self.max_upload_bytes)
        wav = await to_announcement_wav(mime, data)
        target = self.audio_dir / f"{file_stem(user.username)}.wav"
        partial = target.with_suffix(".part")
        await asyncio.to_thread(partial.write_bytes, wav)
        os.replace(partial, target)
        await self._add(user, description, privacy, target)

    async def _add(self, user, description: str, privacy: str, target: Path) -> None:
        try:
            added = await self.store.add_announcement(user.username, description, privacy, str(target))
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        if added is None:
            target.unlink(missing_ok=True)
            raise AnnouncementExists(details={"description": description})

    # -- the dialplan's copy (astdb = true)

    def dialplan_entries(self, rules: list[Rule]) -> dict[str, str]:
        """AstDB ``OFFHOUR/<did>[/<cid>]`` = ``enabled|tsbegin|tsend|action|param|sound``, what the demo PBX reads."""
        entries = {}
        for rule in rules:
            if not (ASTDB_KEY.match(rule.did) and ASTDB_KEY.match(rule.cid)) or "|" in rule.param + rule.message:
                continue
            sound = str(self.sounds_dir / rule.message) if rule.message else ""
            key = f"{rule.did}/{rule.cid}" if rule.cid else rule.did
            entries[key] = "|".join(map(str, (rule.enabled, rule.tsbegin, rule.tsend, rule.action, rule.param, sound)))
        return entries

    async def sync_dialplan(self) -> None:
        """Rewrite the AstDB copy of every rule; AMI down: logged, the next ami_connected writes it."""
        if not self.astdb:
            return
        async with self._sync_lock:
            try:
                entries = self.dialplan_entries(await self.store.rules())
                await self.ami.send_action({"Action": "DBDelTree", "Family": ASTDB_FAMILY}, raw=True)
                for key, value in entries.items():
                    await self.ami.send_action({"Action": "DBPut", "Family": ASTDB_FAMILY, "Key": key, "Val": value})
            except APIError as exc:
                logger.warning("offhour: the rules were not copied to AstDB: {}", exc.message)

    def status(self) -> dict:
        return {"ok": True, **self.store.describe(), "announcements_dir": str(self.audio_dir), "astdb": self.astdb}
