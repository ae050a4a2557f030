"""Plugin manager: entry points of ``nethcti.plugins``, gated by conf.d, called in dependency order."""

from __future__ import annotations

import importlib.util
import inspect
import re
from collections.abc import Iterable
from importlib import import_module
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import pluggy
from loguru import logger

from nethcti import hookspecs
from nethcti.config import RawConfig
from nethcti.errors import StartupError

ENTRY_POINT_GROUP = "nethcti.plugins"
# Core behaviour that is a plugin like any other, always loaded (style: "core behaviour is a default plugin").
BUILTIN_PLUGINS = {"errors": "nethcti.builtin.errors", "status": "nethcti.builtin.status"}


def installed_plugins() -> dict[str, EntryPoint]:
    """Entry points of the group, by plugin name; listing them imports nothing."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


class PluginManager(pluggy.PluginManager):
    """pluggy's manager plus the load order that ``requires`` implies and isolated hook calls."""

    def __init__(self) -> None:
        super().__init__("nethcti")
        self.add_hookspecs(hookspecs)
        self.order: list[str] = []
        self.versions: dict[str, str] = {}
        self._sorted: dict[tuple, list[pluggy.HookImpl]] = {}

    def implementations(self, hookname: str, reverse: bool = False) -> list[pluggy.HookImpl]:
        """The hook's implementations in dependency order; cached, since domain events call this per event."""
        key = (hookname, reverse, len(self.order))
        if key not in self._sorted:
            rank = {name: i for i, name in enumerate(self.order)}
            impls = sorted(getattr(self.hook, hookname).get_hookimpls(), key=lambda i: rank.get(i.plugin_name, -1))
            self._sorted[key] = impls[::-1] if reverse else impls
        return self._sorted[key]

    def register(self, plugin, name=None):
        self._sorted.clear()
        return super().register(plugin, name)

    def unregister(self, plugin=None, name=None):
        self._sorted.clear()
        return super().unregister(plugin, name)

    def add_hookspecs(self, module_or_class):
        self._sorted = {}  # pending implementations may now belong to a hook
        return super().add_hookspecs(module_or_class)

    def call_each(
        self, hookname: str, *, isolate: bool = False, reverse: bool = False, **kwargs
    ) -> list[tuple[str, Any]]:
        """Call a sync hook plugin by plugin; ``[(plugin name, result)]`` for results that are not None.

        A failure names the plugin: raised as StartupError, or only logged when ``isolate``.
        """
        results = []
        for impl in self.implementations(hookname, reverse):
            try:
                result = impl.function(*(kwargs[arg] for arg in impl.argnames))
            except Exception as exc:
                self._failed(impl.plugin_name, hookname, exc, isolate)
                continue
            if result is not None:
                results.append((impl.plugin_name, result))
        return results

    async def acall_each(
        self, hookname: str, *, isolate: bool = False, reverse: bool = False, **kwargs
    ) -> list[tuple[str, Any]]:
        """Like call_each, awaiting each plugin's coroutine before calling the next plugin."""
        results = []
        for impl in self.implementations(hookname, reverse):
            try:
                result = impl.function(*(kwargs[arg] for arg in impl.argnames))
                if inspect.isawaitable(result):
                    result = await result
            except Exception as exc:
                self._failed(impl.plugin_name, hookname, exc, isolate)
                continue
            if result is not None:
                results.append((impl.plugin_name, result))
        return results

    @staticmethod
    def _failed(plugin: str, hookname: str, exc: Exception, isolate: bool) -> None:
        if not isolate:
            if isinstance(exc, StartupError):  # already says what is wrong; just name the plugin
                raise StartupError(f"plugin {plugin!r}: {exc}") from exc
            raise StartupError(f"plugin {plugin!r}: hook {hookname} failed: {exc!r}") from exc
        logger.opt(exception=exc).error("plugin {}: hook {} failed: {!r}", plugin, hookname, exc)


def load_plugins(raw: RawConfig, extra: Iterable[tuple[str, object]] = ()) -> PluginManager:
    """Register the built-ins, every installed plugin conf.d enables, and ``extra`` (name, plugin) pairs.

    A plugin that conf.d does not enable is blocked before its entry point is imported.
    """
    pm = PluginManager()
    for name, module in BUILTIN_PLUGINS.items():
        _register(pm, name, import_module(module), "nethcti")
    for name, ep in sorted(installed_plugins().items()):
        if not raw.is_enabled(name):
            pm.set_blocked(name)
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            raise StartupError(f"plugin {name!r}: cannot import {ep.value}: {exc!r}") from exc
        _register(pm, name, plugin, ep.dist.version if ep.dist else "?")
    for name, plugin in extra:
        _register(pm, name, plugin, "?")

    for name in raw.sections:
        if name != "server" and raw.is_enabled(name) and not pm.has_plugin(name):
            raise StartupError(
                f"{raw.origin(name, 'enabled')}: plugin {name!r} is enabled but not installed "
                f"(no entry point {name!r} in group {ENTRY_POINT_GROUP!r})"
            )
    pm.order = _dependency_order(pm)  # first: "requires 'database'" says more than a hook of database's unknown
    _check_hooks(pm)
    return pm


def _check_hooks(pm: PluginManager) -> None:
    """pluggy's check_pending, with a message saying what to do: every hookimpl must match a hookspec of the host
    or of an enabled plugin, unless marked ``optionalhook=True``."""
    for hookname, caller in vars(pm.hook).items():
        if hookname.startswith("_") or caller.has_spec():
            continue
        for impl in caller.get_hookimpls():
            if impl.optionalhook:
                continue
            publisher = _publisher_of(pm, hookname)
            if publisher is not None:
                raise StartupError(
                    f"plugin {impl.plugin_name!r} implements hook {hookname!r} of plugin {publisher!r}, which is not "
                    f"enabled: enable {publisher!r}, or list it in `requires`, or mark the implementation "
                    f"@hookimpl(optionalhook=True) so that {impl.plugin_name!r} runs without it"
                )
            raise StartupError(
                f"plugin {impl.plugin_name!r}: unknown hook {hookname!r}: misspelled? A hook published by a plugin "
                f"that may not be enabled needs @hookimpl(optionalhook=True)"
            )


def _publisher_of(pm: PluginManager, hookname: str) -> str | None:
    """The blocked plugin whose ``hookspecs.py`` defines ``hookname``, found by reading it: disabled plugins are
    never imported (``find_spec`` of a top-level package locates it without importing it)."""
    definition = re.compile(rf"^\s*(async\s+)?def {re.escape(hookname)}\(", re.M)
    for name, ep in sorted(installed_plugins().items()):
        if not pm.is_blocked(name):
            continue
        try:
            spec = importlib.util.find_spec(ep.module.partition(".")[0])
        except (ImportError, ValueError):
            continue
        for location in (spec.submodule_search_locations or []) if spec else []:
            source = Path(location) / "hookspecs.py"
            if source.is_file() and definition.search(source.read_text(encoding="utf-8", errors="replace")):
                return name
    return None


def _register(pm: PluginManager, name: str, plugin: object, version: str) -> None:
    specs = getattr(plugin, "hookspecs", None)  # hooks this plugin publishes for others
    if specs is not None:
        pm.add_hookspecs(specs)
    try:
        pm.register(plugin, name)
    except (pluggy.PluginValidationError, ValueError) as exc:
        raise StartupError(f"plugin {name!r}: {exc}") from None
    pm.versions[name] = version


def _dependency_order(pm: PluginManager) -> list[str]:
    """Plugin names with every plugin after those it ``requires``; a missing one stops start-up."""
    plugins = {name: plugin for name, plugin in pm.list_name_plugin() if plugin is not None}  # None = blocked
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in visiting:
            raise StartupError(f"plugins require each other in a cycle: {' -> '.join((*chain, name))}")
        visiting.add(name)
        for needed in getattr(plugins[name], "requires", ()):
            if needed not in plugins:
                raise StartupError(f"plugin {name!r} requires plugin {needed!r}, which is not enabled")
            visit(needed, (*chain, name))
        visiting.discard(name)
        order.append(name)

    for name in plugins:
        visit(name, ())
    return order
