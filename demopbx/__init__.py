"""demopbx: a private, sandboxed Asterisk 16 that nethcti starts by itself.

One :class:`DemoPBX` is one Asterisk process with its own configuration,
AstDB, logs, spool and control socket under ``workdir``, bound to 127.0.0.1
only, plus one sipp UAS that plays every phone (it answers each call at once).

    from demopbx import DemoPBX
    with DemoPBX("/tmp/pbx") as pbx:          # free loopback ports
        print(pbx.ami_info())                 # host, port, username, secret
        print(pbx.cli("pjsip show endpoints"))

See docs/demo-pbx.md for what the sample PBX contains. Stdlib only.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import string
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

from .ami import AMIClient, AMIError, get

__all__ = [
    "DEFAULT_AMI_SECRET",
    "DEFAULT_AMI_USERNAME",
    "EXTENSIONS",
    "QUEUES",
    "AMIClient",
    "AMIError",
    "DemoPBX",
    "DemoPBXError",
    "asterisk_available",
    "free_port",
    "free_udp_range",
    "get",
    "missing_binaries",
]

HOST = "127.0.0.1"
DEFAULT_AMI_USERNAME = "nethcti"
DEFAULT_AMI_SECRET = "nethcti-secret"
MODULES_DIR = "/usr/lib/asterisk/modules"
DATA_DIR = "/usr/share/asterisk"
TEMPLATES_DIR = Path(__file__).with_name("templates")

#: The sample PBX. ``online``: has a (sipp) contact; 204 has none.
EXTENSIONS = {
    "201": {"name": "Alice Rossi", "user": "alice", "online": True},
    "91201": {"name": "Alice Rossi", "user": "alice", "online": True, "main": "201"},
    "202": {"name": "Bob Bianchi", "user": "bob", "online": True},
    "203": {"name": "Carol Verdi", "user": "carol", "online": True},
    "204": {"name": "Dave Neri", "user": "dave", "online": False},
}
QUEUES = {
    "401": {"name": "Support", "static": ["201", "202"], "dynamic": []},
    "402": {"name": "Sales", "static": [], "dynamic": ["203", "201"]},
}
#: AstDB keys written after every boot (nethcti's queueMemberAdd reads them).
SEED_ASTDB = [
    ("QPENALTY/402/agents", "203", "0"),
    ("QPENALTY/402/agents", "201", "0"),
    # call waiting on, as FreePBX enables it for a new extension (sub-call-ext: off -> busy while in a call)
    *(("CW", exten, "ENABLED") for exten in ("201", "91201", "202", "203", "204")),
]

#: Loaded when present in MODULES_DIR (module -> Debian package).
OPTIONAL_MODULES = {"app_voicemail.so": "asterisk-voicemail"}

# NethVoice's asteriskcdrdb.cdr, in SQLite: cdr_sqlite3_custom inserts into it (log/master.db). AcctId is what
# the module checks to decide the table exists; created here so the columns have types and the indexes exist.
CDR_COLUMNS = (
    "calldate TEXT NOT NULL DEFAULT '', clid TEXT NOT NULL DEFAULT '', src TEXT NOT NULL DEFAULT '', "
    "dst TEXT NOT NULL DEFAULT '', dcontext TEXT NOT NULL DEFAULT '', channel TEXT NOT NULL DEFAULT '', "
    "dstchannel TEXT NOT NULL DEFAULT '', lastapp TEXT NOT NULL DEFAULT '', lastdata TEXT NOT NULL DEFAULT '', "
    "duration INTEGER NOT NULL DEFAULT 0, billsec INTEGER NOT NULL DEFAULT 0, disposition TEXT NOT NULL DEFAULT '', "
    "amaflags INTEGER NOT NULL DEFAULT 0, accountcode TEXT NOT NULL DEFAULT '', uniqueid TEXT NOT NULL DEFAULT '', "
    "userfield TEXT NOT NULL DEFAULT '', did TEXT NOT NULL DEFAULT '', recordingfile TEXT NOT NULL DEFAULT '', "
    "cnum TEXT NOT NULL DEFAULT '', cnam TEXT NOT NULL DEFAULT '', outbound_cnum TEXT NOT NULL DEFAULT '', "
    "outbound_cnam TEXT NOT NULL DEFAULT '', dst_cnam TEXT NOT NULL DEFAULT '', linkedid TEXT NOT NULL DEFAULT '', "
    "peeraccount TEXT NOT NULL DEFAULT '', sequence INTEGER NOT NULL DEFAULT 0, ccompany TEXT NOT NULL DEFAULT '', "
    "dst_ccompany TEXT NOT NULL DEFAULT ''"
)
CDR_INDEXES = ("calldate", "uniqueid", "linkedid", "src", "dst", "cnum")
# NethVoice's asteriskcdrdb.queue_log, in the same file: Asterisk writes it through realtime (extconfig.conf,
# res_config_sqlite3); the queuestats plugin reads it, through these indexes (NethVoice's).
QUEUE_LOG_COLUMNS = (
    "id INTEGER PRIMARY KEY, time TEXT NOT NULL DEFAULT '', callid TEXT NOT NULL DEFAULT '', "
    "queuename TEXT NOT NULL DEFAULT '', agent TEXT NOT NULL DEFAULT '', event TEXT NOT NULL DEFAULT '', "
    "data TEXT NOT NULL DEFAULT '', data1 TEXT NOT NULL DEFAULT '', data2 TEXT NOT NULL DEFAULT '', "
    "data3 TEXT NOT NULL DEFAULT '', data4 TEXT NOT NULL DEFAULT '', data5 TEXT NOT NULL DEFAULT ''"
)
QUEUE_LOG_INDEXES = ("time", "queuename", "event", "callid")

_CTL_PATH_MAX = 100  # AF_UNIX path limit is 108 bytes


class ConfigTemplate(string.Template):
    """``string.Template`` for Asterisk files: only ``$lowercase_name`` is a
    placeholder; ``${VAR}`` and ``$[expr]`` are left alone for Asterisk."""

    flags = 0
    pattern = r"""
    \$(?:
      (?P<escaped>\$) |
      (?P<named>[a-z][a-z0-9_]*) |
      (?P<braced>(?!)) |
      (?P<invalid>(?!))
    )
    """


class DemoPBXError(RuntimeError):
    """The demo PBX could not be started, controlled or stopped."""


# ---------------------------------------------------------------------- helpers
def missing_binaries() -> list[str]:
    """Names of the needed executables that are not installed."""
    return [b for b in ("asterisk", "sipp") if _which(b) is None]


def asterisk_available() -> bool:
    """True when both ``asterisk`` and ``sipp`` are installed."""
    return not missing_binaries()


def _which(name: str) -> str | None:
    # /usr/sbin is not always on PATH for non-root shells.
    path = os.environ.get("PATH", "") + os.pathsep + "/usr/sbin:/usr/bin:/sbin"
    return shutil.which(name, path=path)


def free_port(host: str = HOST) -> int:
    """A loopback port that is free for both TCP and UDP right now."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind((host, 0))
            port = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind((host, port))
                except OSError:
                    continue
        return port
    raise DemoPBXError("no free loopback port found")


def _udp_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        try:
            udp.bind((host, port))
        except OSError:
            return False
    return True


def free_udp_range(size: int = 100, low: int = 20000, high: int = 32000, host: str = HOST) -> tuple[int, int]:
    """``(start, end)`` of ``size`` UDP ports, even start, none bound right now.

    Picked at random below the kernel's ephemeral range, so that several
    instances rarely share a range (Asterisk copes if they do).
    """
    for _ in range(50):
        start = random.randrange(low, high - size) & ~1
        if all(_udp_free(p, host) for p in range(start, start + size, 2)):
            return start, start + size - 1
    raise DemoPBXError("no free UDP port range found")


def _tail(path: Path, lines: int = 40) -> str:
    try:
        data = path.read_bytes()[-20000:]
    except OSError:
        return ""
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])


# every running instance (strong references), so that nothing outlives the
# Python process even if the DemoPBX object itself was dropped
_instances: set[DemoPBX] = set()


@atexit.register
def _kill_leftovers() -> None:
    for pbx in list(_instances):
        with contextlib.suppress(Exception):
            pbx.stop(timeout=3)


# ---------------------------------------------------------------------- DemoPBX
class DemoPBX:
    """A private Asterisk + sipp, loopback only.

    Ports left as ``None`` are chosen free when the object is created.
    ``workdir`` holds everything (config in ``etc/``, logs in ``log/``, AstDB in
    ``var/lib/``, spool, run dir, sipp log); it is created if missing and
    reused as is (AstDB survives :meth:`kill` + :meth:`start`).
    """

    def __init__(
        self,
        workdir: str | os.PathLike,
        ami_port: int | None = None,
        sip_port: int | None = None,
        sipp_port: int | None = None,
        rtp_start: int | None = None,
        rtp_end: int | None = None,
        ami_username: str = DEFAULT_AMI_USERNAME,
        ami_secret: str = DEFAULT_AMI_SECRET,
        *,
        verbose: int = 3,
        sipp_media_port: int | None = None,
    ):
        self.workdir = Path(workdir).resolve()
        self.host = HOST
        self.ami_port = ami_port or free_port()
        self.sip_port = sip_port or free_port()
        self.sipp_port = sipp_port or free_port()
        if rtp_start is None:
            rtp_start, rtp_end = free_udp_range()
        elif rtp_end is None:
            rtp_end = rtp_start + 99
        if not 0 < rtp_start < rtp_end < 65536:
            raise ValueError(f"bad RTP range {rtp_start}-{rtp_end}")
        self.rtp_start, self.rtp_end = rtp_start, rtp_end
        self.ami_username = ami_username
        self.ami_secret = ami_secret
        self.verbose = verbose
        self._sipp_media_port_fixed = sipp_media_port
        self.sipp_media_port = sipp_media_port

        self.etc_dir = self.workdir / "etc"
        self.log_dir = self.workdir / "log"
        self.var_dir = self.workdir / "var"
        self.spool_dir = self.workdir / "spool"
        self.moh_dir = self.workdir / "moh"
        self.run_dir = self._pick_run_dir()
        self.asterisk_conf = self.etc_dir / "asterisk.conf"
        self.asterisk_out = self.log_dir / "asterisk.out"
        self.sipp_out = self.log_dir / "sipp.err"
        self.sipp_messages = self.log_dir / "sipp-messages.log"  # every SIP message sipp sent or received

        self._asterisk: subprocess.Popen | None = None
        self._sipp: subprocess.Popen | None = None
        self._lock = threading.RLock()
        self.boot_seconds: float | None = None
        self.entity_id = ":".join(f"{b:02x}" for b in uuid.uuid4().bytes[:6])

    def __repr__(self) -> str:
        state = "running" if self.is_running else "stopped"
        return (
            f"<DemoPBX {state} ami={self.host}:{self.ami_port} sip={self.sip_port} "
            f"sipp={self.sipp_port} dir={self.workdir}>"
        )

    # ------------------------------------------------------------ configuration
    def _pick_run_dir(self) -> Path:
        run = self.workdir / "run"
        if len(str(run / "asterisk.ctl")) <= _CTL_PATH_MAX:
            return run
        # The control socket path would be too long for AF_UNIX.
        return Path(tempfile.mkdtemp(prefix="demopbx-run-"))

    def config_values(self) -> dict[str, str]:
        """The ``$placeholders`` of the templates."""
        return {
            "workdir": str(self.workdir),
            "etcdir": str(self.etc_dir),
            "moddir": MODULES_DIR,
            "datadir": DATA_DIR,
            "vardir": str(self.var_dir),
            "spooldir": str(self.spool_dir),
            "rundir": str(self.run_dir),
            "logdir": str(self.log_dir),
            "mohdir": str(self.moh_dir),
            "verbose": str(self.verbose),
            "entityid": self.entity_id,
            "ami_port": str(self.ami_port),
            "ami_username": self.ami_username,
            "ami_secret": self.ami_secret,
            "sip_port": str(self.sip_port),
            "sipp_port": str(self.sipp_port),
            "rtp_start": str(self.rtp_start),
            "rtp_end": str(self.rtp_end),
            "optional_modules": "\n".join(
                f"load = {m}" if (Path(MODULES_DIR) / m).exists() else f"; {m}: not installed (package {pkg})"
                for m, pkg in OPTIONAL_MODULES.items()
            ),
        }

    def write_config(self) -> Path:
        """Create the work dir tree and render every template into ``etc/``.

        Returns the path of ``asterisk.conf``.
        """
        for d in (
            self.etc_dir,
            self.log_dir,
            self.var_dir / "lib",
            self.var_dir / "keys",
            self.var_dir / "agi-bin",
            self.var_dir / "cache",
            self.spool_dir / "outgoing",
            self.spool_dir / "voicemail" / "default",
            self.spool_dir / "monitor",
            self.spool_dir / "tmp",
            self.run_dir,
            self.moh_dir,
            self.workdir / "sipp",
        ):
            d.mkdir(parents=True, exist_ok=True)
        # Music on hold: no music is installed, so the default class plays
        # one second of silence (mu-law) in a loop.
        silence = self.moh_dir / "silence.ulaw"
        if not silence.exists():
            silence.write_bytes(b"\xff" * 8000)
        values = self.config_values()
        for tpl in sorted(TEMPLATES_DIR.glob("*.conf")):
            text = ConfigTemplate(tpl.read_text()).substitute(values)
            (self.etc_dir / tpl.name).write_text(text)
        shutil.copyfile(TEMPLATES_DIR / "sipp-phones.xml", self.workdir / "sipp" / "phones.xml")
        self._create_cdr_table()
        return self.asterisk_conf

    @property
    def cdr_db(self) -> Path:
        """The SQLite file Asterisk writes its CDRs (table ``cdr``) and its queue_log (table ``queue_log``) into,
        with NethVoice's columns."""
        return self.log_dir / "master.db"

    def _create_cdr_table(self) -> None:
        with contextlib.closing(sqlite3.connect(self.cdr_db)) as db, db:
            db.execute(f"CREATE TABLE IF NOT EXISTS cdr (AcctId INTEGER PRIMARY KEY, {CDR_COLUMNS})")
            for column in CDR_INDEXES:
                db.execute(f"CREATE INDEX IF NOT EXISTS cdr_{column} ON cdr ({column})")
            db.execute(f"CREATE TABLE IF NOT EXISTS queue_log ({QUEUE_LOG_COLUMNS})")
            for column in QUEUE_LOG_INDEXES:
                db.execute(f"CREATE INDEX IF NOT EXISTS queue_log_{column} ON queue_log ({column})")

    def ami_info(self) -> dict:
        """How to reach AMI: ``host``, ``port``, ``username``, ``secret``."""
        return {"host": self.host, "port": self.ami_port, "username": self.ami_username, "secret": self.ami_secret}

    # ------------------------------------------------------------ processes
    @property
    def is_running(self) -> bool:
        """Asterisk process alive (not necessarily booted)."""
        return self._asterisk is not None and self._asterisk.poll() is None

    @property
    def sipp_running(self) -> bool:
        return self._sipp is not None and self._sipp.poll() is None

    @property
    def pid(self) -> int | None:
        return self._asterisk.pid if self.is_running else None

    @property
    def sipp_pid(self) -> int | None:
        return self._sipp.pid if self.sipp_running else None

    def start(self, timeout: float = 15) -> DemoPBX:
        """Write the config, start sipp (if needed) and Asterisk, and wait
        until AMI accepts a login and ``FullyBooted`` arrives.

        Raises :class:`DemoPBXError` (with the tail of Asterisk's output) if
        Asterisk exits or does not boot within ``timeout`` seconds.
        """
        with self._lock:
            missing = missing_binaries()
            if missing:
                raise DemoPBXError(f"not installed: {', '.join(missing)} (run scripts/pbx install)")
            if self.is_running:
                return self
            t0 = time.monotonic()
            deadline = t0 + timeout
            self._check_ports()
            self.write_config()
            _instances.add(self)
            try:
                if not self.sipp_running:
                    self._spawn_sipp()
                self._start_asterisk()
                self._wait_booted(deadline)
                self._ensure_sipp(deadline)
            except BaseException:
                self.stop(timeout=3)
                raise
            self.boot_seconds = time.monotonic() - t0
            return self

    def _check_ports(self) -> None:
        """Fail fast (instead of a boot timeout) when a port is taken."""
        wanted = [("AMI", socket.SOCK_STREAM, self.ami_port), ("SIP", socket.SOCK_DGRAM, self.sip_port)]
        if not self.sipp_running:
            wanted.append(("sipp", socket.SOCK_DGRAM, self.sipp_port))
        for what, kind, port in wanted:
            with socket.socket(socket.AF_INET, kind) as sock:
                if kind == socket.SOCK_STREAM:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    sock.bind((HOST, port))
                except OSError as exc:
                    raise DemoPBXError(f"{what} port {HOST}:{port} is not free: {exc}") from None

    def _spawn_sipp(self) -> None:
        media = self._sipp_media_port_fixed or self._free_media_port()
        self.sipp_media_port = media
        cmd = [_which("sipp"), "-sf", str(self.workdir / "sipp" / "phones.xml")]
        cmd += ["-i", HOST, "-p", str(self.sipp_port)]  # SIP
        cmd += ["-mi", HOST, "-mp", str(media)]  # RTP (and media + 2)
        cmd += ["-ci", HOST, "-cp", str(free_port())]  # remote control
        cmd += ["-aa", "-nostdin"]  # 200 OK to INFO/NOTIFY/OPTIONS/UPDATE
        cmd += ["-trace_msg", "-message_file", str(self.sipp_messages)]  # what the phones received (NOTIFYs)
        cmd += ["-ringbuffer_size", "5000000", "-ringbuffer_files", "1"]  # bounded for a long scripts/run
        with open(self.sipp_out, "ab") as err:
            self._sipp = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                cwd=self.workdir / "sipp",
                start_new_session=True,
            )

    def _ensure_sipp(self, deadline: float) -> None:
        """sipp exits at once when it cannot bind a port: check it is still up
        (it was spawned before Asterisk, which does not need it to boot) and
        retry with other media/control ports if one of those was taken."""
        for attempt in range(6):
            settle = min(deadline, time.monotonic() + 0.1)
            while time.monotonic() < settle and self._sipp.poll() is None:
                time.sleep(0.02)
            if self._sipp.poll() is None:
                return
            tail = _tail(self.sipp_out, 5)
            retry = "bind" in tail.lower() and _udp_free(self.sipp_port)
            if not retry or attempt == 5 or time.monotonic() >= deadline:
                self._sipp = None
                raise DemoPBXError(f"sipp failed to start on {HOST}:{self.sipp_port}:\n{tail}")
            self._spawn_sipp()

    @staticmethod
    def _free_media_port() -> int:
        for _ in range(50):
            base = random.randrange(33000, 60000, 2)
            if _udp_free(base) and _udp_free(base + 2):
                return base
        raise DemoPBXError("no free UDP port for sipp media")

    def _start_asterisk(self) -> None:
        with open(self.asterisk_out, "ab") as out:
            self._asterisk = subprocess.Popen(
                [_which("asterisk"), "-C", str(self.asterisk_conf), "-f", "-n", "-q"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                start_new_session=True,
            )

    def _wait_booted(self, deadline: float) -> None:
        last_error = "no attempt"
        while True:
            if not self.is_running:
                raise DemoPBXError(
                    f"Asterisk exited with code {self._asterisk.returncode} during boot\n" + self.output_tail()
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DemoPBXError(f"Asterisk not fully booted in time ({last_error})\n" + self.output_tail())
            try:
                with self.ami(events="system", timeout=min(remaining, 2)) as ami:
                    ami.wait_event("FullyBooted", timeout=max(0.1, deadline - time.monotonic()))
                    for family, key, value in SEED_ASTDB:
                        ami.action("DBPut", Family=family, Key=key, Val=value)
                    return
            except AMIError as exc:
                last_error = str(exc)
                time.sleep(0.05)

    def stop(self, timeout: float = 10) -> None:
        """Stop Asterisk (``core stop now``, then SIGTERM, then SIGKILL) and sipp.

        Every step is bounded; after it returns no process of this instance
        is left. Safe to call more than once.
        """
        with self._lock:
            deadline = time.monotonic() + timeout
            proc = self._asterisk
            if proc is not None and proc.poll() is None:
                with contextlib.suppress(DemoPBXError):
                    self.cli("core stop now", timeout=max(0.5, min(3, timeout / 3)))
                self._wait_or_escalate(proc, deadline)
            self._asterisk = None
            if self._sipp is not None:
                self._wait_or_escalate(self._sipp, time.monotonic() + 3, term_first=True)
            self._sipp = None
            _instances.discard(self)
            if self.workdir not in self.run_dir.parents:  # short temp run dir
                shutil.rmtree(self.run_dir, ignore_errors=True)

    @staticmethod
    def _signal_group(proc: subprocess.Popen, sig: int) -> None:
        try:
            os.killpg(proc.pid, sig)  # own session: pgid == pid
        except (ProcessLookupError, PermissionError):
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(sig)

    def _wait_or_escalate(self, proc: subprocess.Popen, deadline: float, term_first: bool = False) -> None:
        if term_first:
            self._signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            if not term_first:
                self._signal_group(proc, signal.SIGTERM)
                try:
                    proc.wait(timeout=2)
                    return
                except subprocess.TimeoutExpired:
                    pass
            self._signal_group(proc, signal.SIGKILL)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                raise DemoPBXError(f"process {proc.pid} survived SIGKILL") from None
        # children of that process group, if any
        self._signal_group(proc, signal.SIGKILL)

    def kill(self) -> None:
        """SIGKILL Asterisk only (simulates a crash); sipp keeps running."""
        with self._lock:
            proc = self._asterisk
            if proc is None:
                return
            self._signal_group(proc, signal.SIGKILL)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                raise DemoPBXError(f"Asterisk {proc.pid} survived SIGKILL") from None

    def restart(self, timeout: float = 15) -> DemoPBX:
        """Graceful stop of Asterisk, then :meth:`start` (sipp stays up)."""
        with self._lock:
            proc = self._asterisk
            if proc is not None and proc.poll() is None:
                with contextlib.suppress(DemoPBXError):
                    self.cli("core stop now", timeout=3)
                self._wait_or_escalate(proc, time.monotonic() + 5)
            return self.start(timeout=timeout)

    def __enter__(self) -> DemoPBX:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------ control
    def cli(self, command: str, timeout: float = 10) -> str:
        """Run a CLI command (``asterisk -C ... -rx``) and return its output."""
        if not self.is_running:
            raise DemoPBXError("Asterisk is not running")
        try:
            res = subprocess.run(
                [_which("asterisk"), "-C", str(self.asterisk_conf), "-rx", command],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                text=True,
                start_new_session=True,
            )
        except subprocess.TimeoutExpired as exc:
            raise DemoPBXError(f"CLI command {command!r} timed out") from exc
        if res.returncode != 0:
            raise DemoPBXError(
                f"CLI command {command!r} failed ({res.returncode}): {(res.stdout + res.stderr).strip()}"
            )
        return res.stdout

    @staticmethod
    def _quote(value: str) -> str:
        if not value or re.search(r'[\s"\\]', value):
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return value

    def db_get(self, family: str, key: str) -> str | None:
        """AstDB value, or ``None`` when the key does not exist."""
        out = self.cli(f"database get {self._quote(family)} {self._quote(key)}")
        m = re.search(r"^Value: (.*)$", out, re.M)
        return m.group(1) if m else None

    def db_put(self, family: str, key: str, value: str) -> None:
        out = self.cli(f"database put {self._quote(family)} {self._quote(key)} {self._quote(str(value))}")
        if "success" not in out.lower():
            raise DemoPBXError(f"database put {family}/{key} failed: {out.strip()}")

    def db_del(self, family: str, key: str) -> bool:
        """Delete a key; False if it did not exist."""
        out = self.cli(f"database del {self._quote(family)} {self._quote(key)}")
        return out.strip() == "Database entry removed."

    PHONE_MODES = ("answer", "ring", "busy")

    def set_phone(self, exten: str, mode: str = "answer") -> None:
        """How the sipp phone of ``exten`` reacts to the next calls:
        ``answer`` (default: at once), ``ring`` (rings until cancelled) or
        ``busy`` (486). Stored in AstDB ``DEMOPBX/phone/<exten>``."""
        if mode not in self.PHONE_MODES:
            raise ValueError(f"mode must be one of {self.PHONE_MODES}")
        if mode == "answer":
            self.db_del("DEMOPBX/phone", exten)
        else:
            self.db_put("DEMOPBX/phone", exten, mode)

    def ami(self, events: str = "on", timeout: float = 5) -> AMIClient:
        """A new, logged-in :class:`AMIClient` (use it as a context manager)."""
        client = AMIClient(self.host, self.ami_port, timeout=timeout)
        client.connect()
        try:
            client.login(self.ami_username, self.ami_secret, events=events)
        except BaseException:
            client.close()
            raise
        return client

    def channels(self) -> list[str]:
        """Names of the active channels (``core show channels concise``)."""
        out = self.cli("core show channels concise")
        return [line.split("!", 1)[0] for line in out.splitlines() if "!" in line]

    def hangup_all(self, timeout: float = 5) -> None:
        """Hang up every channel and wait (bounded) until none is left."""
        deadline = time.monotonic() + timeout
        self.cli("channel request hangup all")
        while self.channels():
            if time.monotonic() > deadline:
                raise DemoPBXError(f"channels still up: {self.channels()}")
            time.sleep(0.05)

    def reset(self) -> None:
        """Back to the sample state: no calls or parked calls, no DND/CF*/ROB/OFFHOUR
        keys, no pending call files, no dynamic queue members, static members unpaused, queue stats
        zeroed, Custom:DND / CustomPresence states cleared, AstDB seeds
        rewritten. Takes about half a second."""
        self.hangup_all()
        for family in ("DND", "CF", "CFB", "CFU", "CW", "ROB", "DEMOPBX", "OFFHOUR"):
            self.cli(f"database deltree {family}")
        for call_file in (self.spool_dir / "outgoing").glob("*.call"):  # wake-up calls not made yet
            call_file.unlink(missing_ok=True)
        for queue in QUEUES:
            for line in self.cli(f"queue show {queue}").splitlines():
                m = re.search(r"\(((?:Local|PJSIP)/[^ )]+)", line)
                if not m:
                    continue
                if "(dynamic)" in line:
                    self.cli(f"queue remove member {m.group(1)} from {queue}")
                elif "(paused" in line:
                    self.cli(f"queue unpause member {m.group(1)} queue {queue}")
        self.cli("queue reset stats")
        for exten in EXTENSIONS:
            self.cli(f"devstate change Custom:DND{exten} UNKNOWN")
            self.cli(f"presencestate change CustomPresence:{exten} NOT_SET")
        for family, key, value in SEED_ASTDB:
            self.db_put(family, key, value)

    # ------------------------------------------------------------ diagnostics
    def output_tail(self, lines: int = 40) -> str:
        """Last lines of Asterisk's stdout/stderr and of its ``messages`` log."""
        parts = []
        for path in (self.asterisk_out, self.log_dir / "messages"):
            text = _tail(path, lines)
            if text:
                parts.append(f"--- {path}\n{text}")
        return "\n".join(parts) or "(no Asterisk output)"
