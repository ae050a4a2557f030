"""The AMI load generator as a process of its own, so that the CPU it spends is not counted as nethcti's.

    python bench/_amigen.py     # prints "port <n>", then obeys lines on stdin:
      prepare <loops>  encode that many loops ahead (fresh ids each), so that streaming them costs no time
                       -> "prepared <loops>"
      stream <loops>   the recorded scenarios <loops> times (prepared ones first), as fast as the client reads
                       -> "streamed <events> <calls>"
      actions          -> one JSON line: {action name: how many were received}
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import deque

from _fakepbx import LoadPBX
from _transcripts import Stream, boot_actions, load_scenarios
from nethcti_astproxy.testing import fake_ami_answers


async def main() -> int:
    stream = Stream(load_scenarios())
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with LoadPBX() as pbx:
        fake_ami_answers(pbx, boot_actions())
        print(f"port {pbx.port}", flush=True)
        encoded, prepared = 0, deque()
        while line := (await reader.readline()).decode().split():
            if line[0] in ("prepare", "stream"):
                loops = int(line[1])
                while len(prepared) < loops:
                    prepared.append(stream.loop(encoded))
                    encoded += 1
            if line[0] == "prepare":
                print(f"prepared {loops}", flush=True)
            elif line[0] == "stream":
                await pbx.logged_in.wait()
                await pbx.stream(prepared.popleft() for _ in range(loops))
                print(f"streamed {loops * stream.events_per_loop} {loops * stream.calls_per_loop}", flush=True)
            elif line[0] == "actions":
                print(json.dumps(dict(pbx.actions)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
