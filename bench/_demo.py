"""The demo Asterisk with more phones, sipp placing calls through it, and an AMI tap timing its events.

``LoadDemoPBX(workdir, phones)`` is demopbx.DemoPBX plus ``phones`` PJSIP extensions 20000… (the numbering of
bench/_confs.py), answered by the demo's sipp like the others, and dialled from ``from-internal``.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from _common import BENCH, HOST, free_port
from _confs import extension
from nethcti_ami.meter import RateMeter
from nethcti_ami.protocol import AMIProtocol

from demopbx import DemoPBX, free_udp_range

UAC_SCENARIO = BENCH / "sipp-uac.xml"


class LoadDemoPBX(DemoPBX):
    def __init__(self, workdir: Path, phones: int):
        start, end = free_udp_range(size=1000)  # RTP: two legs per call
        super().__init__(workdir, rtp_start=start, rtp_end=end, verbose=0)
        self.phones = phones

    def write_config(self) -> Path:
        conf = super().write_config()
        with open(self.etc_dir / "pjsip.conf", "a") as pjsip:
            for i in range(self.phones):
                e = extension(i)
                pjsip.write(f'\n[{e}](phone-endpoint)\naors = {e}\ncallerid = "User {i}" <{e}>\n'
                            f"[{e}](sipp-aor)\ncontact = sip:{e}@{HOST}:{self.sipp_port}\n")
        with open(self.etc_dir / "extensions.conf", "a") as dialplan:
            dialplan.write("\n[from-internal]\nexten => _2XXXX,1,Gosub(sub-call-ext,${EXTEN},1)\n same => n,Hangup()\n")
        return conf


def place_calls(pbx: DemoPBX, workdir: Path, *, pairs: int, rate: float, total: int, hold_ms: int) -> subprocess.Popen:
    """sipp as the calling phones: ``total`` calls at ``rate``/s, extension 2i calls 2i+1, each up ``hold_ms``."""
    calls = workdir / "calls.csv"
    calls.write_text("SEQUENTIAL\n" + "".join(f"{extension(2 * i)};{extension(2 * i + 1)};\n" for i in range(pairs)))
    media = free_udp_range(size=4, low=33000, high=60000)[0]  # away from Asterisk's RTP range (20000-32000)
    command = ["sipp", f"{HOST}:{pbx.sip_port}", "-sf", str(UAC_SCENARIO), "-inf", str(calls),
               "-i", HOST, "-p", str(free_port()), "-mi", HOST, "-mp", str(media),
               "-r", str(rate), "-m", str(total), "-d", str(hold_ms), "-l", str(pairs), "-nostdin",
               "-trace_err", "-error_file", str(workdir / "sipp-uac.err"), "-cp", str(free_port())]
    with open(workdir / "sipp-uac.out", "wb") as out:
        return subprocess.Popen(command, cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=out)


class Tap:
    """An AMI session of its own: when each PJSIP channel was created and hung up, as Asterisk wrote it."""

    def __init__(self, wanted: Callable[[str], bool]):
        self.wanted = wanted
        self.created: dict[str, float] = {}
        self.hung_up: dict[str, float] = {}
        self.protocol: AMIProtocol | None = None

    def on_event(self, message, name: str) -> None:
        if name in ("Newchannel", "Hangup"):
            channel = message.get("Channel", "")
            if self.wanted(channel):
                (self.created if name == "Newchannel" else self.hung_up)[channel] = time.monotonic()

    async def connect(self, pbx: DemoPBX) -> Tap:
        loop = asyncio.get_running_loop()
        _, self.protocol = await loop.create_connection(lambda: AMIProtocol(self.on_event, RateMeter()), HOST,
                                                        pbx.ami_port)
        login = self.protocol.send({"Action": "Login", "Username": pbx.ami_username, "Secret": pbx.ami_secret,
                                    "Events": "call"})
        reply = await asyncio.wait_for(login.future, 10)
        if reply.get("Response") != "Success":
            raise RuntimeError(f"AMI tap: login refused: {reply}")
        return self

    def close(self) -> None:
        if self.protocol is not None:
            self.protocol.close("done")
