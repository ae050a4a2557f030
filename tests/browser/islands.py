"""The two phone-islands the suite runs, as pinned in package.json: 0.13.4 in legacy mode (/webrest,
/socket.io) and the current one in new mode (/api, /api/ws)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
HOSTNAME = "nethvoice.test"  # mapped to the front's loopback address inside Chromium only


@dataclass(frozen=True)
class Island:
    """A phone-island the suite runs: its host page, and the mode it should pick (where its requests go)."""

    version: str
    page: str  # in tests/browser/page and build/
    package: str  # its name in node_modules
    api: str  # the base of its REST requests
    socket: str  # the URL of its socket.io websocket

    def __str__(self) -> str:
        return self.version


_PINNED = json.loads((HERE / "package.json").read_text())["dependencies"]
_SOCKET = f"wss://{HOSTNAME}/{{}}/?EIO=4&transport=websocket"
LEGACY = Island(_PINNED["@nethesis/phone-island"], "index.html", "@nethesis/phone-island",
                f"https://{HOSTNAME}/webrest", _SOCKET.format("socket.io"))
CURRENT = Island(_PINNED["phone-island-current"].rpartition("@")[2], "current.html", "phone-island-current",
                 f"https://{HOSTNAME}/api", _SOCKET.format("api/ws"))
ISLANDS = [LEGACY, CURRENT]
