"""What ``/user`` reads from a NethVoice install besides the PBX: recall on busy, the subscription hash,
and the FreePBX ``asterisk`` database (parameterized URL of a profile, users' mobile numbers). All optional."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

from loguru import logger
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from nethcti_presence.errors import MobileNotConfigured, NoSuchPbxUser

SCRIPT_TIMEOUT = 120.0  # seconds retrieveHelper.sh may take to rebuild users.json


class NethVoiceError(Exception):
    """A NethVoice file that cannot be used; the message names it."""


def read_recall_on_busy(path: str | None) -> dict[str, str]:
    """recallonbusy.json ``{"<user>": {"recallonbusy": "enabled"|"disabled"}}`` -> {username: value}."""
    if not path:
        return {}
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NethVoiceError(f"{path}: {exc}") from None
    if not isinstance(document, dict):
        raise NethVoiceError(f"{path}: expected a JSON object")
    return {str(user).lower(): str(entry.get("recallonbusy", "disabled"))
            for user, entry in document.items() if isinstance(entry, dict)}


def read_lkhash(path: str | None) -> str | None:
    """sha256(SYSTEMID:SECRET) of /etc/sysconfig/subscription, as ``lkhash`` in /user/me; None without both."""
    if not path:
        return None
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise NethVoiceError(f"{path}: {exc}") from None
    values = {}
    for line in lines:
        key, sep, value = line.strip().partition("=")
        if sep:
            values[key.strip()] = value.strip().strip("'\"")
    if not values.get("SYSTEMID") or not values.get("SECRET"):
        return None
    return hashlib.sha256(f"{values['SYSTEMID']}:{values['SECRET']}".encode()).hexdigest()


class NethVoice:
    """The optional NethVoice data of ``[presence]``."""

    def __init__(self, config: dict[str, Any]):
        self.recall_on_busy = read_recall_on_busy(config["recallonbusy_file"])
        self.lkhash = read_lkhash(config["subscription_file"])
        self.mobile_script = config["mobile_script"]
        self.engine: AsyncEngine | None = None
        if config["asterisk_db_url"]:
            url = make_url(config["asterisk_db_url"])
            options = {} if url.get_backend_name() == "sqlite" else {"pool_pre_ping": True, "pool_recycle": 3600}
            self.engine = create_async_engine(url, **options)

    def recall_on_busy_of(self, username: str) -> str:
        return "enabled" if self.recall_on_busy.get(username) == "enabled" else "disabled"

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()

    async def paramurl(self, profile_id: str | None) -> dict:
        """The profile's row of ``rest_cti_profiles_paramurl`` ({} without one, or without the database)."""
        if self.engine is None or profile_id is None:
            return {}
        async with self.engine.connect() as conn:
            row = (await conn.execute(text(
                "SELECT id, profile_id, url, only_queues FROM rest_cti_profiles_paramurl WHERE profile_id = :pid"
            ), {"pid": profile_id})).mappings().first()
        return dict(row) if row is not None else {}

    async def set_mobile(self, username: str, number: str) -> None:
        """``rest_users.mobile`` of the PBX user ``username``, then the script that rebuilds users.json."""
        if self.engine is None:
            raise MobileNotConfigured()
        async with self.engine.begin() as conn:
            user_id = (await conn.execute(text("SELECT id FROM userman_users WHERE username = :u"),
                                          {"u": username})).scalar()
            if user_id is None:
                raise NoSuchPbxUser(f"{username} is not a user of the PBX", {"username": username})
            updated = await conn.execute(text("UPDATE rest_users SET mobile = :m WHERE user_id = :id"),
                                         {"m": number, "id": user_id})
            if not updated.rowcount:
                await conn.execute(text("INSERT INTO rest_users (user_id, mobile) VALUES (:id, :m)"),
                                   {"id": user_id, "m": number})
        if self.mobile_script:
            await self.run_script()

    async def run_script(self) -> None:
        """Run ``mobile_script`` (NethVoice's retrieveHelper.sh) to completion; a failure is logged, not raised:
        the number is saved and users.json is rebuilt by the next run."""
        try:
            process = await asyncio.create_subprocess_exec(
                self.mobile_script, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        except OSError as exc:
            logger.error("presence: cannot run {}: {}", self.mobile_script, exc)
            return
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), SCRIPT_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()
            logger.error("presence: {} did not end within {:g} s", self.mobile_script, SCRIPT_TIMEOUT)
            return
        if process.returncode:
            logger.error("presence: {} exited with {}: {}", self.mobile_script, process.returncode,
                         stderr.decode(errors="replace").strip()[-500:])
