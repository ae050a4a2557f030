"""``app.extensions["astproxy"]``: the live model, its (re)loading, lookups and JSON per viewer.

Imports neither Quart nor panoramisk: the AMI service, the users service, ``notify`` and ``spawn``
are given to it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from loguru import logger

from nethcti_astproxy.errors import ModelNotReady, NoSuchExtension
from nethcti_astproxy.loader import build_model, fetch_snapshot
from nethcti_astproxy.model import Account, Model, normalize_mac
from nethcti_astproxy.objects import Channel, Conference, Extension, Parking, Queue, QueueMember, Trunk
from nethcti_astproxy.phones import Phones
from nethcti_astproxy.publish import Publisher
from nethcti_astproxy.render import Mask, Renderer
from nethcti_astproxy.statics import Statics

AD_QUEUE_AGENT = "queue_agent.ad_queue_agent"
OPERATOR_QUEUE = "ctiopqueue"
RELOAD_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)


@dataclass(frozen=True)
class ConversationRef:
    """A conversation of ``owner`` for the operations: its id, the owner's channel and both ends."""

    id: str
    owner: str
    channel: Channel  # the owner's channel
    source: Channel | None
    dest: Channel | None

    @property
    def counterpart(self) -> Channel | None:
        return self.dest if self.channel is self.source else self.source


class Astproxy:
    """The live PBX model of one Asterisk, kept from its AMI events."""

    def __init__(
        self,
        ami: Any,
        users: Any,
        statics: Statics,
        notify: Callable[..., Awaitable[None]],
        listening: Callable[[str], bool],
        spawn: Callable[[Awaitable, str], asyncio.Task],
        load_concurrency: int = 8,
    ):
        self.ami, self.users, self.statics = ami, users, statics
        self.notify, self.spawn = notify, spawn
        self.publisher = Publisher(notify, listening)
        self.load_concurrency = load_concurrency
        self.model: Model | None = None
        self.mask = Mask(users.mask_number, users.mask_name)
        self.loads = 0  # successful loads
        self.last_error: str | None = None
        self._buffer: list | None = None  # events that arrive while a load is running
        self._load_task: asyncio.Task | None = None
        # the plugins' choice of a user's device (hook default_extension), set by the plugin at start-up
        self.default_extension: Callable[[Any], str | None] = lambda user: None
        # may a user book a recall on busy (hook recall_on_busy_enabled), set by the plugin at start-up
        self.recall_on_busy_enabled: Callable[[Any], bool] = lambda user: True
        # the service that writes call forwards (presence's, when enabled: cfcall/cfvm), set at start-up
        self.forward_writer: Callable[[], Any] = lambda: None
        # desk phones' remote control and the users' socket.io clients (ops/phones.py, ops/webrtc.py), set at start-up
        self.phones = Phones()
        self.pins: Any = None  # the outbound-route PINs (nethcti_astproxy.pins.PinStore), set at start-up

    # ------------------------------------------------------------------ loading

    @property
    def ready(self) -> bool:
        return self.model is not None

    @property
    def loading(self) -> bool:
        return self._buffer is not None

    def accounts(self) -> dict[str, Account]:
        """Every main and secondary extension of the configured users."""
        accounts = {}
        for user in self.users:
            for exten in sorted(user.extension_ids):
                device = user.extension(exten)
                accounts[exten] = Account(user.name, user.username, normalize_mac(device.mac if device else None))
        return accounts

    def request_load(self) -> asyncio.Task:
        """(Re)load the model in an owned task; a load already running is cancelled first."""
        if self._load_task is not None and not self._load_task.done():
            self._load_task.cancel()
        self._load_task = self.spawn(self._load_until_done(), "astproxy-load")
        return self._load_task

    def cancel_load(self) -> None:
        if self._load_task is not None and not self._load_task.done():
            self._load_task.cancel()

    async def _load_until_done(self) -> None:
        for attempt in range(1_000_000):
            try:
                await self.load()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                if not self.ami.connected:
                    logger.warning("astproxy: loading the PBX state failed ({}); will load at the next AMI link-up",
                                   self.last_error)
                    return
                delay = RELOAD_DELAYS[min(attempt, len(RELOAD_DELAYS) - 1)]
                logger.warning("astproxy: loading the PBX state failed ({}); retrying in {:g} s",
                               self.last_error, delay)
                await asyncio.sleep(delay)

    async def load(self) -> Model:
        """Load the whole state with list actions and swap it in; events meanwhile are replayed on top."""
        started = time.monotonic()
        buffer: list = []
        self._buffer = buffer
        old = self.model
        try:
            accounts = self.accounts()
            snapshot = await fetch_snapshot(self.ami, accounts, self.statics, self.load_concurrency)
            model = build_model(snapshot, self.statics, accounts)
        except BaseException:
            self._buffer = None
            if old is not None:
                for event in buffer:
                    old.apply(event)
            raise
        # no await from here to the swap: no event can slip between the replay and the new model
        for event in buffer:
            model.apply(event)
        if old is not None:
            model.recordings = {convid: state for convid, state in old.recordings.items()
                                if all(name in model.channels for name in convid.split(">") if name)}
        self.publisher.seal(model)
        self._buffer = None
        self.model = model
        self.loads += 1
        self.last_error = None
        logger.info("astproxy: PBX state loaded in {:.2f} s: {} extensions, {} channels, {} queues, {} trunks "
                    "({} events replayed)", time.monotonic() - started, len(model.extensions), len(model.channels),
                    len(model.queues), len(model.trunks), len(buffer))
        await self.notify("model_reloaded")
        return model

    async def handle(self, event: Mapping[str, Any]) -> None:
        """The AMI handler of every event the model uses: apply, then announce the changes."""
        buffer = self._buffer
        if buffer is not None:
            buffer.append(event)
            return
        model = self.model
        if model is not None:
            model.apply(event)
            await self.publisher.flush(model)

    async def poll_queue_stats(self, interval: float) -> None:
        """Queue statistics (hold and talk time, completed, abandoned, service level) every ``interval`` s."""
        while True:
            await asyncio.sleep(interval)
            model = self.model
            if model is None or self.loading or not self.ami.connected or not model.queues:
                continue
            try:
                rows = await self.ami.send_list_action({"Action": "QueueStatus"})
            except Exception as exc:
                logger.debug("astproxy: QueueStatus poll failed: {}", exc)
                continue
            if model is self.model and not self.loading:
                model.apply_queue_params(rows)
                await self.publisher.flush(model)

    # ------------------------------------------------------------------ lookups

    def current(self) -> Model:
        """The loaded model; ModelNotReady (503) before the first load."""
        if self.model is None:
            raise ModelNotReady()
        return self.model

    def extension(self, exten: str) -> Extension | None:
        return self.model.extensions.get(exten) if self.model else None

    def trunk(self, name: str) -> Trunk | None:
        return self.model.trunks.get(name) if self.model else None

    def queue(self, qid: str) -> Queue | None:
        return self.model.queues.get(qid) if self.model else None

    def parking(self, slot: str) -> Parking | None:
        return self.model.parkings.get(slot) if self.model else None

    def conference(self, conf_id: str) -> Conference | None:
        return self.model.conferences.get(conf_id) if self.model else None

    def channel(self, name: str) -> Channel | None:
        return self.model.channels.get(name) if self.model else None

    def conversations(self, exten: str) -> list[ConversationRef]:
        ext = self.extension(exten)
        if ext is None:
            return []
        model = self.current()
        refs = []
        for ch in ext.channels.values():
            source, dest = model.pair(ch)
            refs.append(ConversationRef(model.conversation_id(source, dest), exten, ch, source, dest))
        return refs

    def conversation(self, exten: str, convid: str) -> ConversationRef | None:
        """The conversation ``convid`` of extension ``exten`` (as clients name it), or None."""
        return next((ref for ref in self.conversations(exten) if ref.id == convid), None)

    def peer(self, channel: Channel) -> Channel | None:
        """The channel ``channel`` talks to (its bridge partner, or whom it dials / who dials it)."""
        return self.current().peer(channel)

    # ------------------------------------------------------------------ changes made by operations

    async def set_recording(self, convid: str, state: str) -> None:
        """Recording state of a conversation ("true", "mute", "false"), kept across reloads; announced."""
        model = self.current()
        model.set_recording(convid, state)
        await self.publisher.flush(model)

    async def set_db_value(self, exten: str, family: str, value: str | None) -> None:
        """An AstDB DND/CF/CFB/CFU value nethcti just wrote (None: deleted); announced as extension change."""
        model = self.current()
        model.db_value(f"{family}/{exten}", value, announce=False)
        await self.publisher.flush(model)

    async def read_dnd(self, exten: str) -> bool:
        """DND of ``exten`` as AstDB has it now; a model that drifted is corrected (and announced)."""
        replies = await self.ami.send_list_action({"Action": "DBGet", "Family": "DND", "Key": exten}, raw=True)
        enabled = any(reply.get("Event") == "DBGetResponse" for reply in replies)
        model = self.model
        if model is not None and (ext := model.extensions.get(exten)) is not None and ext.dnd != enabled:
            await self.set_db_value(exten, "DND", "YES" if enabled else None)
        return enabled

    # ------------------------------------------------------------------ JSON

    def masks(self, viewer: Any, exten: str | None = None) -> tuple[Mask | None, Mask | None]:
        """(out-of-queue, in-queue) masks of ``viewer`` for extension ``exten``; None = in clear."""
        users = self.users
        if viewer is None or not users.privacy_applies(viewer, exten):
            return None, None
        if users.has_permission(viewer, AD_QUEUE_AGENT):
            return self.mask, None
        return self.mask, self.mask

    def queue_mask(self, viewer: Any) -> Mask | None:
        users = self.users
        if viewer is None or not users.privacy_applies(viewer) or users.has_permission(viewer, AD_QUEUE_AGENT):
            return None
        return self.mask

    def plain_mask(self, viewer: Any) -> Mask | None:
        return self.mask if viewer is not None and self.users.privacy_applies(viewer) else None

    def renderer(self) -> Renderer:
        return Renderer(self.current())

    def to_json(self, obj: Any, viewer: Any = None, *, privacy: bool | None = None) -> dict:
        """JSON of a model object for ``viewer`` (a users.User; None = in clear), or for an audience:
        ``privacy=True`` masks everything that privacy masks, ``privacy=False`` shows it in clear."""
        render = self.renderer()
        masked = self.mask if privacy else None
        if isinstance(obj, Extension):
            out, into = (masked, masked) if privacy is not None else self.masks(viewer, obj.exten)
            return render.extension(obj, out, into)
        if isinstance(obj, Queue):
            return render.queue(obj, masked if privacy is not None else self.queue_mask(viewer))
        if isinstance(obj, QueueMember):
            return render.member(obj)
        if isinstance(obj, Trunk):
            return render.trunk(obj, masked if privacy is not None else self.plain_mask(viewer))
        if isinstance(obj, Parking):
            return render.parking(obj, masked if privacy is not None else self.plain_mask(viewer))
        if isinstance(obj, Conference):
            return render.conference(obj)
        raise TypeError(f"no JSON for {obj!r}")

    def extensions_json(self, viewer: Any) -> dict:
        render = self.renderer()
        return {exten: render.extension(ext, *self.masks(viewer, exten))
                for exten, ext in render.model.extensions.items()}

    def extension_json(self, exten: str, viewer: Any) -> dict:
        ext = self.current().extensions.get(exten)
        if ext is None:
            raise NoSuchExtension(f"No extension {exten}", {"exten": exten})
        return self.renderer().extension(ext, *self.masks(viewer, exten))

    def queues_json(self, viewer: Any, only: set[str] | None = None) -> dict:
        render = self.renderer()
        mask = self.queue_mask(viewer)
        return {qid: render.queue(queue, mask) for qid, queue in render.model.queues.items()
                if OPERATOR_QUEUE not in qid and (only is None or qid in only)}

    def trunks_json(self, viewer: Any) -> dict:
        render = self.renderer()
        mask = self.plain_mask(viewer)
        return {name: render.trunk(trunk, mask) for name, trunk in render.model.trunks.items()}

    def parkings_json(self, viewer: Any) -> dict:
        render = self.renderer()
        mask = self.plain_mask(viewer)
        return {slot: render.parking(parking, mask) for slot, parking in render.model.parkings.items()}

    def conference_json(self, exten: str) -> dict:
        conf = self.current().conferences.get(exten)
        return Renderer.conference(conf) if conf is not None else {}

    def operator_json(self, viewer: Any) -> dict:
        """The operator panel's queues: ``in_queue_<q>`` and ``waiting_queue_<profile>`` permissions."""
        granted = viewer.profile.granted if viewer is not None and viewer.profile is not None else frozenset()
        out: dict[str, Any] = {}
        for name in sorted(granted):
            macro, _, permission = name.partition(".")
            if macro != "operator_panel":
                continue
            if permission.startswith("in_queue_"):
                out["inQueue"] = permission[len("in_queue_"):]
            elif permission.startswith("waiting_queue_"):
                out["waitingQueue"] = OPERATOR_QUEUE + permission[len("waiting_queue_"):]
        render = self.renderer()
        mask = self.queue_mask(viewer)
        for key in ("inQueue", "waitingQueue"):
            if key in out and (queue := render.model.queues.get(out[key])) is not None:
                out[queue.queue] = render.queue(queue, mask)
        return out

    def qmanager_queues(self, viewer: Any) -> set[str]:
        """Queues a supervisor may see: profile permissions ``qmanager.qmanager_<queue>``."""
        granted = viewer.profile.granted if viewer is not None and viewer.profile is not None else frozenset()
        prefix = "qmanager.qmanager_"
        return {name[len(prefix):] for name in granted if name.startswith(prefix)}

    # ------------------------------------------------------------------ health

    def status(self) -> dict:
        model = self.model
        return {
            "ok": model is not None and self.ami.connected and not self.last_error,
            "loaded": model is not None, "loading": self.loading, "loads": self.loads,
            "last_error": self.last_error,
            "extensions": len(model.extensions) if model else 0, "channels": len(model.channels) if model else 0,
            "queues": len(model.queues) if model else 0, "trunks": len(model.trunks) if model else 0,
        }
