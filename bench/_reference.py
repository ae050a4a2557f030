"""The original's socket.io stack as a fan-out reference: bench/node/reference.js (socket.io 3 on node)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

from _common import BENCH, wait_port
from _confs import username
from _fakepbx import LoadPBX
from _server import MeasuredProcess

NODE_DIR = BENCH / "node"


def ensure_node_packages() -> None:
    """socket.io 3 from npm, pinned by bench/node/package-lock.json, installed on first use."""
    if shutil.which("node") is None:
        raise RuntimeError("the node reference needs node and npm (apt-get install nodejs npm)")
    if not (NODE_DIR / "node_modules" / "socket.io").is_dir():
        subprocess.run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True)


class NodeReference(MeasuredProcess):
    """``async with NodeReference(pbx, port, workdir) as server``: listening and logged in to ``pbx``'s AMI."""

    def __init__(self, pbx: LoadPBX, port: int, workdir: Path):
        self.pbx, self.port = pbx, port
        self.log = workdir / f"reference-{port}.err"

    async def __aenter__(self) -> NodeReference:
        ensure_node_packages()
        self.pbx.logged_in.clear()
        with open(self.log, "ab") as err:
            self.process = subprocess.Popen(
                ["node", str(NODE_DIR / "reference.js"), str(self.port), str(self.pbx.port), self.pbx.username,
                 self.pbx.secret], stdout=subprocess.DEVNULL, stderr=err)
        try:
            await wait_port(self.port, 30, alive=lambda: self.process.poll() is None)
            await asyncio.wait_for(self.pbx.logged_in.wait(), 30)
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def logins(self, users: int) -> list[tuple[str, str]]:
        """The reference accepts any token: one login per user, as nethcti's clients get them."""
        return [(username(i), "reference") for i in range(min(50, users))]
