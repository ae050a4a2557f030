"""A private MariaDB server for tests and benchmarks: own data dir, loopback port, stopped with the run.

    with PrivateMariaDB(tmp_path) as server:
        url = server.create_database("phonebook")   # mysql+asyncmy://nethcti:…@127.0.0.1:<port>/phonebook_1

Never touches the system service (Debian's ``mariadb-server`` package only provides the binaries).
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from demopbx import free_port

HOST = "127.0.0.1"
USER, PASSWORD = "nethcti", "nethcti-test"
BINARIES = ("mariadbd", "mariadb-install-db", "mariadb")
# Durability traded for speed: a test server's data is thrown away with the run.
SERVER_OPTIONS = (
    "--skip-name-resolve", "--skip-log-bin", "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M",
    "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_general_ci", "--max-connections=200",
)


def missing_binaries() -> list[str]:
    return [name for name in BINARIES if not _which(name)]


def _which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")


class MariaDBError(RuntimeError):
    pass


class PrivateMariaDB:
    """A mariadbd process on a free loopback port, with a user that may create databases."""

    def __init__(self, workdir: str | os.PathLike):
        self.workdir = Path(workdir)
        self.datadir = self.workdir / "data"
        self.socket = self.workdir / "mysqld.sock"
        self.port = 0
        self.process: subprocess.Popen | None = None
        self._names = itertools.count(1)

    def __enter__(self) -> PrivateMariaDB:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 60) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        user = ["--user=root"] if os.geteuid() == 0 else []  # mariadbd refuses to run as root without it
        if not (self.datadir / "mysql").is_dir():
            subprocess.run(
                [_which("mariadb-install-db"), "--no-defaults", f"--datadir={self.datadir}", *user,
                 "--auth-root-authentication-method=socket", "--skip-test-db"],
                check=True, capture_output=True, timeout=timeout,
            )
        self.port = free_port()
        self.process = subprocess.Popen(
            [_which("mariadbd"), "--no-defaults", f"--datadir={self.datadir}", f"--socket={self.socket}",
             f"--port={self.port}", f"--bind-address={HOST}", f"--pid-file={self.workdir / 'mysqld.pid'}",
             f"--log-error={self.workdir / 'error.log'}", *user, *SERVER_OPTIONS],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise MariaDBError(f"mariadbd did not start; see {self.workdir / 'error.log'}")
            time.sleep(0.1)
        self.sql(
            f"CREATE USER IF NOT EXISTS '{USER}'@'{HOST}' IDENTIFIED BY '{PASSWORD}';"
            f"GRANT ALL PRIVILEGES ON *.* TO '{USER}'@'{HOST}';"
        )

    def _answers(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            self.sql("SELECT 1")
        except MariaDBError:
            return False
        return True

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def sql(self, statements: str, database: str = "") -> str:
        """Run SQL as root through the socket; the tab-separated output."""
        done = subprocess.run(
            [_which("mariadb"), "--no-defaults", f"--socket={self.socket}", "-uroot", "-N", "-B",
             *([database] if database else []), "-e", statements],
            capture_output=True, text=True, timeout=60,
        )
        if done.returncode:
            raise MariaDBError(done.stderr.strip())
        return done.stdout

    def url(self, database: str, driver: str = "asyncmy") -> str:
        return f"mysql+{driver}://{USER}:{PASSWORD}@{HOST}:{self.port}/{database}?charset=utf8mb4"

    def create_database(self, name: str) -> str:
        """A new empty database named after ``name`` (made unique); its SQLAlchemy async URL."""
        if not re.fullmatch(r"[A-Za-z0-9_]{1,48}", name):
            raise ValueError(f"database name {name!r}: letters, digits and _ only")
        database = f"{name}_{next(self._names)}"
        self.sql(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4")
        return self.url(database)
