"""Video sources as configured: conf.d ``[streaming.sources.<id>]`` and NethVoice's streaming.json."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from marshmallow import ValidationError

from nethcti_streaming.schemas import SOURCE_ID, NethVoiceSourceSchema

ROOM_PREFIX = "streaming_"  # the original's socket.io room of a source: streaming_<id>


class SourcesError(Exception):
    """streaming.json cannot be read, or a source in it is invalid."""


@dataclass(frozen=True)
class Source:
    id: str
    description: str
    url: str | None
    user: str
    password: str
    auth: str
    frame_rate: int  # ms between two frames pushed to subscribers
    extension: str | None
    open: str  # DTMF sent to the extension to open the door

    @property
    def room(self) -> str:
        return ROOM_PREFIX + self.id

    @property
    def permission(self) -> str:
        """The profile permission that lets a user see and open this source (NethVoice: ``streaming.vs_<x>``)."""
        return f"streaming.{self.id}"

    def to_json(self) -> dict[str, Any]:
        """The original's ``GET /streaming/sources`` entry; credentials are not sent to clients."""
        return {"id": self.id, "url": _without_credentials(self.url), "user": self.user, "cmdOpen": self.open,
                "password": "", "frameRate": self.frame_rate, "extension": self.extension or "",
                "description": self.description}


def _without_credentials(url: str | None) -> str:
    if not url:
        return ""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def source_from(source_id: str, values: Mapping[str, Any]) -> Source:
    return Source(id=source_id, description=values["description"] or source_id, url=values["url"],
                  user=values["user"], password=values["password"], auth=values["auth"],
                  frame_rate=values["frame_rate"], extension=values["extension"], open=values["open"])


def read_streaming_json(path: Path) -> dict[str, Source]:
    """NethVoice's ``{"vs_door": {"descr", "url", "user", "secret", "frame-rate", "exten", "open"}}``."""
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SourcesError(f"streaming_json {path}: {exc}") from None
    if not isinstance(document, dict):
        raise SourcesError(f"streaming_json {path}: not a JSON object")
    schema = NethVoiceSourceSchema()
    sources = {}
    for source_id, entry in document.items():
        try:
            SOURCE_ID(source_id)
            sources[source_id] = source_from(source_id, schema.load(entry))
        except ValidationError as exc:
            raise SourcesError(f"streaming_json {path}: source {source_id!r}: {exc.messages}") from None
    return sources


def configured_sources(config: Mapping[str, Any]) -> dict[str, Source]:
    """streaming.json's sources, then conf.d's (a conf.d source replaces a streaming.json one of the same id)."""
    sources = read_streaming_json(Path(config["streaming_json"])) if config["streaming_json"] else {}
    sources.update({source_id: source_from(source_id, values) for source_id, values in config["sources"].items()})
    return sources
