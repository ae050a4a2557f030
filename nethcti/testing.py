"""Helpers for testing nethcti and its plugins: conf.d in a temp dir, a running app, a test client."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from quart.testing.app import LifespanError

from nethcti.app import NethctiApp
from nethcti.errors import StartupError
from nethcti.server import build


def write_conf(conf_dir: Path, name: str, text: str) -> Path:
    """Write one drop-in (``name`` like ``50-test.toml``) into ``conf_dir``, creating it."""
    conf_dir.mkdir(parents=True, exist_ok=True)
    path = conf_dir / name
    path.write_text(textwrap.dedent(text))
    return path


def base_conf(tmp_path: Path, extra: str = "") -> Path:
    """A conf.d with a [server] section whose state lives in ``tmp_path``, plus ``extra`` TOML."""
    conf_dir = tmp_path / "conf.d"
    write_conf(conf_dir, "00-server.toml", f'[server]\nstate_dir = "{tmp_path / "state"}"\n')
    if extra:
        write_conf(conf_dir, "50-test.toml", extra)
    return conf_dir


@asynccontextmanager
async def running_app(conf_dir: Path, extra_plugins: Iterable[tuple[str, object]] = ()) -> AsyncIterator[NethctiApp]:
    """Build the app from ``conf_dir`` and run its start-up and shutdown around the block.

    A failing start-up raises StartupError with the plugin's message, as ``nethcti serve`` reports it.
    """
    app = build(conf_dir, extra_plugins)
    try:
        test_app = await app.test_app().__aenter__()
    except LifespanError as exc:
        raise StartupError(str(exc).removeprefix("Error during startup ")) from None
    try:
        yield app
    finally:
        await test_app.__aexit__(None, None, None)
