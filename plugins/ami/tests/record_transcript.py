"""Record the AMI transcript the replay tests use: a call from 201 to 202 on a fresh demo PBX.

    cd /work/main  # the repository
    PYTHONPATH=. .venv/bin/python plugins/ami/tests/record_transcript.py \
        plugins/ami/tests/transcripts/originate-201-202.txt

Saves the events as Asterisk sent them (raw CRLF text), from the Originate to the last Hangup plus a
second; responses to the recorder's own actions are left out.
"""

import socket
import sys
import tempfile
import time

from demopbx import DemoPBX


def main(out_path: str) -> None:
    with tempfile.TemporaryDirectory() as workdir, DemoPBX(workdir) as pbx:
        sock = socket.create_connection((pbx.host, pbx.ami_port), timeout=5)
        stream = Recorder(sock)
        sock.sendall(action("Login", Username=pbx.ami_username, Secret=pbx.ami_secret, Events="on"))
        stream.until(lambda m: m.startswith("Event: FullyBooted"))
        stream.kept.clear()
        sock.sendall(action("Originate", Channel="PJSIP/201", Exten="202", Context="from-internal", Priority="1",
                            CallerID="Alice <201>", Timeout="15000", Async="true"))
        stream.until(lambda m: m.startswith("Event: BridgeEnter") and "Channel: PJSIP/202-" in m)
        time.sleep(1)
        sock.sendall(action("Hangup", Channel="/^PJSIP/201-.*$/"))
        hangups = set()

        def both_hung_up(message: str) -> bool:
            if message.startswith("Event: Hangup\r\n"):
                hangups.add(message.split("Channel: ", 1)[1].split("-", 1)[0])
            return {"PJSIP/201", "PJSIP/202"} <= hangups

        stream.until(both_hung_up)
        stream.until(lambda m: False, timeout=1.0, must=False)  # the trailing Cdr, CEL, device states
        sock.close()
    with open(out_path, "w", encoding="utf-8", newline="") as out:
        out.write("".join(message + "\r\n\r\n" for message in stream.kept))
    print(f"{len(stream.kept)} events written to {out_path}")


def action(name: str, **fields: str) -> bytes:
    return ("".join(f"{k}: {v}\r\n" for k, v in {"Action": name, "ActionID": f"rec-{name}", **fields}.items())
            + "\r\n").encode()


class Recorder:
    def __init__(self, sock: socket.socket):
        self.sock, self.buffer, self.kept = sock, b"", []

    def until(self, done, timeout: float = 10.0, must: bool = True) -> None:
        """Read and keep events until ``done(message)``; ``must``: that must happen within ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            while b"\r\n\r\n" in self.buffer:
                block, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
                message = block.decode("utf-8").removeprefix("Asterisk Call Manager/5.0.1\r\n")
                if message.startswith("Event: "):
                    self.kept.append(message)
                    if done(message):
                        return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if not must:
                    return
                raise TimeoutError("the call did not go as expected")
            self.sock.settimeout(remaining)
            try:
                self.buffer += self.sock.recv(65536)
            except TimeoutError:
                continue


if __name__ == "__main__":
    main(sys.argv[1])
