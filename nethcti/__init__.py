"""nethcti: a plugin-based CTI server for Asterisk, compatible with NethVoice CTI clients.

What a plugin imports is here (docs/writing-plugins.md, "The plugin API"); tests import from nethcti.testing.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nethcti")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

from nethcti.apidoc import Answer, ServerEvent, documented
from nethcti.app import NethctiApp  # after __version__, which submodules read
from nethcti.config import secret_field
from nethcti.doctor import Finding, check_database
from nethcti.errors import (
    APIError,
    BadRequest,
    Conflict,
    Forbidden,
    GatewayTimeout,
    InvalidJSON,
    NotFound,
    ServiceUnavailable,
    StartupError,
    TooManyRequests,
    Unauthorized,
)
from nethcti.hookspecs import hookimpl, hookspec
from nethcti.web import header_value, json_body, load_params, permission, public

__all__ = [  # the list in docs/writing-plugins.md (tests/host/test_docs.py)
    "APIError",
    "Answer",
    "BadRequest",
    "Conflict",
    "Finding",
    "Forbidden",
    "GatewayTimeout",
    "InvalidJSON",
    "NethctiApp",
    "NotFound",
    "ServerEvent",
    "ServiceUnavailable",
    "StartupError",
    "TooManyRequests",
    "Unauthorized",
    "__version__",
    "check_database",
    "documented",
    "header_value",
    "hookimpl",
    "hookspec",
    "json_body",
    "load_params",
    "permission",
    "public",
    "secret_field",
]
