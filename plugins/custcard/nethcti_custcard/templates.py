"""Card templates: Jinja2's sandbox with autoescape, loaded only from the templates directory."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, FileSystemLoader, TemplateError, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment

from nethcti_custcard.errors import NoSuchTemplate, TemplateFailed

TEMPLATE_NAME = re.compile(r"[\w.-]{1,100}\Z")


class Templates:
    """``render(name or text, context)``: a SecurityError (attribute access to internals) or any other template
    error is TemplateFailed (400), never a 500 and never the template's own output."""

    def __init__(self, directory: str | None):
        loader = FileSystemLoader(directory) if directory else BaseLoader()  # no directory: inline templates only
        self.env = SandboxedEnvironment(loader=loader, autoescape=True)

    def check(self, name: str) -> None:
        """NoSuchTemplate (404) unless ``name`` is a template file of the directory."""
        if not TEMPLATE_NAME.match(name) or name.startswith("."):
            raise NoSuchTemplate(details={"template": name})
        try:
            self.env.get_template(name)
        except TemplateNotFound:
            raise NoSuchTemplate(details={"template": name}) from None
        except TemplateError as exc:
            raise TemplateFailed(f"Template {name}: {exc}") from None

    def render(self, context: dict[str, Any], *, name: str | None = None, source: str | None = None) -> str:
        try:
            if name is not None:
                self.check(name)
                template = self.env.get_template(name)
            else:
                template = self.env.from_string(source or "")
            return template.render(context)
        except (NoSuchTemplate, TemplateFailed):
            raise
        except TemplateError as exc:  # SecurityError is one
            raise TemplateFailed(f"{type(exc).__name__}: {exc}"[:300]) from None
        except Exception as exc:  # a filter on an unexpected value: the card fails, not the server
            raise TemplateFailed(f"{type(exc).__name__}"[:300]) from None


def directory_exists(directory: str | None) -> bool:
    return directory is None or Path(directory).is_dir()
