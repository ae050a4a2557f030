"""Run a service unit's commands as systemd would, where systemd is not PID 1 (containers, CI sandboxes).

What is reproduced: ExecStartPre then ExecStart, as ``User=``/``Group=`` with the user's supplementary
groups (initgroups), the unit's ``Environment=`` over systemd's base environment, ``WorkingDirectory``
(default /), the state and logs directories' variables, a new session, and the stop: ``KillSignal=`` then
SIGKILL after ``TimeoutStopSec=``. Not reproduced: the sandboxing directives (NoNewPrivileges, ProtectSystem,
PrivateTmp), cgroups, Restart=, the journal (output goes to a file).
"""

from __future__ import annotations

import grp
import os
import pwd
import shlex
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

# systemd's default PATH for system services
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass
class Unit:
    """The [Service] section of a unit file: each directive's values in order (directives may repeat)."""

    path: Path
    service: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Unit:
        unit, section = cls(path), None
        for line in path.read_text().splitlines():
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line.strip("[]")
            elif section == "Service":
                key, _, value = line.partition("=")
                unit.service.setdefault(key.strip(), []).append(value.strip())
        return unit

    def get(self, key: str, default: str | None = None) -> str | None:
        values = self.service.get(key)
        return values[-1] if values else default

    def environment(self) -> dict[str, str]:
        """``Environment=`` assignments (each line may hold several, quoted as in a shell)."""
        env = {}
        for line in self.service.get("Environment", []):
            for assignment in shlex.split(line):
                name, _, value = assignment.partition("=")
                env[name] = value
        return env

    def commands(self, key: str) -> list[list[str]]:
        """``ExecStart=``-like lines as argv lists (systemd's prefixes ``-@:+!`` are not used by our units)."""
        commands = []
        for line in self.service.get(key, []):
            argv = shlex.split(line)
            assert argv and argv[0].startswith("/"), f"{self.path}: {key}={line}: not an absolute command"
            commands.append(argv)
        return commands


class RunAsSystemd:
    """The unit's processes, started the way systemd starts them."""

    def __init__(self, unit: Unit, output: Path):
        self.unit = unit
        self.output = output
        self.user = pwd.getpwnam(unit.get("User", "root"))
        self.group = grp.getgrnam(unit.get("Group") or grp.getgrgid(self.user.pw_gid).gr_name)
        self.process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        env = {"PATH": SYSTEMD_PATH, "LANG": "C.UTF-8", "USER": self.user.pw_name, "LOGNAME": self.user.pw_name,
               "HOME": self.user.pw_dir, "SHELL": self.user.pw_shell}
        for key, variable, base in (("StateDirectory", "STATE_DIRECTORY", "/var/lib"),
                                    ("LogsDirectory", "LOGS_DIRECTORY", "/var/log")):
            if self.unit.get(key):
                env[variable] = f"{base}/{self.unit.get(key)}"
        env.update(self.unit.environment())
        return env

    def _popen_args(self) -> dict:
        return {"user": self.user.pw_uid, "group": self.group.gr_gid,
                "extra_groups": os.getgrouplist(self.user.pw_name, self.group.gr_gid), "umask": 0o022,
                "env": self.env(), "cwd": self.unit.get("WorkingDirectory", "/"), "stdin": subprocess.DEVNULL,
                "start_new_session": True}

    def start(self) -> subprocess.Popen:
        """Run every ExecStartPre to completion (a failure raises, as it fails the unit), then ExecStart."""
        with self.output.open("ab") as log:
            for argv in self.unit.commands("ExecStartPre"):
                pre = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, timeout=60, **self._popen_args())
                if pre.returncode:  # the unit fails to start
                    log.flush()
                    raise AssertionError(f"ExecStartPre {' '.join(argv)}: exit {pre.returncode}\n"
                                         f"{self.output.read_text()}")
            (argv,) = self.unit.commands("ExecStart")
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, **self._popen_args())
        return self.process

    def run_as_user(self, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
        """Another command as the unit's user, with its environment (``nethcti reload``, the health check)."""
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, **{**self._popen_args(), **kwargs})

    def stop(self) -> int:
        """KillSignal=, then SIGKILL to the whole session after TimeoutStopSec=; the main process's exit code."""
        assert self.process is not None
        sig = signal.Signals[self.unit.get("KillSignal", "SIGTERM")]
        timeout = float(self.unit.get("TimeoutStopSec", "90").rstrip("s"))
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode

    def kill(self) -> None:
        """For a finalizer: whatever is left of the session, gone."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
