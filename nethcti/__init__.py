"""nethcti: a plugin-based CTI server for Asterisk, compatible with NethVoice CTI clients."""

from importlib.metadata import PackageNotFoundError, version

from nethcti.hookspecs import hookimpl

try:
    __version__ = version("nethcti")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

__all__ = ["__version__", "hookimpl"]
