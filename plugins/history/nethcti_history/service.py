"""The History service on ``app.extensions["history"]``: who may see which calls, privacy, recordings."""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Awaitable, Callable, Collection
from pathlib import Path
from typing import Any

from nethcti_history.errors import HistoryForbidden, NoSuchRecording, RecordingFileMissing, RecordingForbidden
from nethcti_history.queries import CdrReader, Interval, Page

CDR, AD_CDR, GROUP_CDR = "cdr", "cdr.ad_cdr", "cdr.group_cdr"
RECORDING, AD_RECORDING = "settings.recording", "presence_panel.ad_recording"
NUMBERS = (("cnum", ("cnam", "ccompany", "clid")), ("src", ()), ("dst", ("dst_cnam", "dst_ccompany")))
FILE_NAME = re.compile(r"[^/\\\x00]{1,255}\Z")  # a recordingfile that is a plain name in the day's directory
BASE_FIELDS = (
    "time",
    "channel",
    "dstchannel",
    "uniqueid",
    "linkedid",
    "userfield",
    "duration",
    "billsec",
    "disposition",
    "dcontext",
    "lastapp",
)
PARTY_FIELDS = ("cnum", "cnam", "ccompany", "src", "dst", "dst_cnam", "dst_ccompany", "clid")


class History:
    """Permissions as the original (cdr, ad_cdr, group_cdr, recording, ad_recording); SQL is CdrReader's."""

    def __init__(
        self,
        reader: CdrReader,
        users: Any,
        astproxy: Any,
        recordings_dir: Callable[[], str],
        publish: Callable[[Path, str], Awaitable[str]] | None,
    ):
        self.reader, self.users, self.astproxy = reader, users, astproxy
        self.recordings_dir = recordings_dir  # astproxy's, read at each use (it follows reloads)
        self.publish = publish

    # -- the lists

    async def user_history(
        self, viewer: Any, kind: str, target: str, interval: Interval, direction: str | None
    ) -> dict:
        """GET /historycall/interval: ``ad_cdr`` sees anyone's, ``cdr`` only the viewer's own extension or self."""
        own = target in viewer.extension_ids if kind == "extension" else target.lower() == viewer.username
        if not viewer.can(AD_CDR) and not (viewer.can(CDR) and own):
            raise HistoryForbidden(details={"permission": AD_CDR if viewer.can(CDR) else CDR})
        if kind == "user":
            user = self.users.get(target)
            endpoints = sorted(user.extension_ids) if user is not None else []
        else:
            endpoints = [target]
        if not endpoints:
            return {"count": 0, "rows": []}
        page = await self.reader.page(interval, self.reader.user_conditions(interval, endpoints, direction))
        recording = viewer.can(RECORDING) or viewer.can(AD_RECORDING)
        masked = not own and self.users.privacy_applies(viewer)  # one's own history is in clear, as the original
        rows = []
        for row in page.rows:
            out = self._row(row, recording)
            ours_out, ours_in = row["cnum"] in endpoints, row["dst"] in endpoints
            out["direction"] = "out" if ours_out and not ours_in else "in" if ours_in and not ours_out else ""
            out["queue"] = row["queue"]
            rows.append(self._mask(out, viewer) if masked else out)
        return {"count": page.count, "rows": rows}

    async def switch_history(self, viewer: Any, interval: Interval, kind: str | None) -> dict:
        """GET /histcallswitch/interval: every call of the PBX, with ``ad_cdr``."""
        if not viewer.can(AD_CDR):
            raise HistoryForbidden(details={"permission": AD_CDR})
        return await self._switch(viewer, interval, kind, self._pbx_extensions(), only_extens=False)

    async def groups_history(self, viewer: Any, interval: Interval, kind: str | None) -> dict:
        """GET /histcallsgroups/interval: calls of the extensions of everyone sharing an operator group with the
        viewer, with ``group_cdr``."""
        if not viewer.can(GROUP_CDR):
            raise HistoryForbidden(details={"permission": GROUP_CDR})
        members = {
            u for users in self.astproxy.statics.operator_groups.values() if viewer.username in users for u in users
        }
        extens = {e for u in members if (user := self.users.get(u)) is not None for e in user.extension_ids}
        if not extens:
            return {"count": 0, "rows": []}
        return await self._switch(viewer, interval, kind, extens, only_extens=True)

    async def _switch(
        self, viewer: Any, interval: Interval, kind: str | None, extens: Collection[str], only_extens: bool
    ) -> dict:
        trunks = set(self.astproxy.statics.trunks)
        conditions = self.reader.switch_conditions(interval, trunks, extens, kind, only_extens)
        page: Page = await self.reader.page(interval, conditions)
        recording, masked = viewer.can(AD_RECORDING), self.users.privacy_applies(viewer)
        rows = []
        for row in page.rows:
            out = self._row(row, recording)
            out["source"] = "cti"
            out["type"] = (
                "out"
                if _on_trunk(row["dstchannel"], trunks)
                else "in"
                if _on_trunk(row["channel"], trunks)
                else "internal"
            )
            rows.append(self._mask(out, viewer) if masked else out)
        return {"count": page.count, "rows": rows}

    def _pbx_extensions(self) -> set[str]:
        model = self.astproxy.model
        return set(model.extensions) if model is not None else set(self.astproxy.accounts())

    @staticmethod
    def _row(row: dict, recording: bool) -> dict:
        out = {name: row[name] for name in BASE_FIELDS if name != "time"}
        out = {"time": int(row["time"].timestamp()), **out}
        out["duration"], out["billsec"] = int(out["duration"] or 0), int(out["billsec"] or 0)
        if recording:
            out["recordingfile"] = row["recordingfile"]
        out.update({name: row[name] for name in PARTY_FIELDS})
        return out

    def _mask(self, row: dict, viewer: Any) -> dict:
        """Numbers end in the privacy string, names are replaced; the viewer's own extensions stay in clear."""
        for number, names in NUMBERS:
            if row[number] in viewer.extension_ids:
                continue
            row[number] = self.users.mask_number(row[number])
            for name in names:
                row[name] = self.users.mask_name(row[name])
        return row

    # -- recordings

    async def _recording(self, viewer: Any, uniqueid: str) -> tuple[Path, list[dict]]:
        """The file of call ``uniqueid``'s recording, if the viewer may use it: ``ad_recording`` any call's,
        ``recording`` the calls of their extensions."""
        if not viewer.can(AD_RECORDING) and not viewer.can(RECORDING):
            raise RecordingForbidden(details={"permission": f"{AD_RECORDING} or {RECORDING}"})
        rows = await self.reader.recording_of(uniqueid)
        if not viewer.can(AD_RECORDING) and not any(
            r["cnum"] in viewer.extension_ids or r["dst"] in viewer.extension_ids for r in rows
        ):
            raise RecordingForbidden(details={"uniqueid": uniqueid})
        recorded = next((r for r in rows if r["recordingfile"]), None)
        if recorded is None:
            raise NoSuchRecording(details={"uniqueid": uniqueid})
        name = recorded["recordingfile"]
        if not FILE_NAME.match(name) or name in (".", ".."):
            raise RecordingFileMissing(details={"uniqueid": uniqueid})
        return Path(self.recordings_dir(), f"{recorded['calldate']:%Y/%m/%d}", name), rows

    async def listen(self, viewer: Any, uniqueid: str) -> str:
        """The recording as base64 (GET /historycall/listen_callrec)."""
        path, _ = await self._recording(viewer, uniqueid)
        try:
            content = await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise RecordingFileMissing(details={"uniqueid": uniqueid}) from None
        return base64.b64encode(content).decode("ascii")

    async def download(self, viewer: Any, uniqueid: str) -> str:
        """A one-shot name under /static for the recording (GET /historycall/down_callrec)."""
        path, _ = await self._recording(viewer, uniqueid)
        try:
            return await self.publish(path, path.suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,10}", path.suffix) else "")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise RecordingFileMissing(details={"uniqueid": uniqueid}) from None

    async def delete(self, viewer: Any, uniqueid: str) -> None:
        """Remove the file and clear the rows' ``recordingfile`` (POST /historycall/delete_callrec)."""
        path, _ = await self._recording(viewer, uniqueid)
        await asyncio.to_thread(path.unlink, missing_ok=True)  # already gone: the rows are cleared all the same
        await self.reader.clear_recording(uniqueid)


def _on_trunk(channel: str, trunks: Collection[str]) -> bool:
    return any(f"/{trunk}-" in channel for trunk in trunks)
