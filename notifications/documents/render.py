"""Render documents from their Jinja2 templates: HTML autoescaped, Markdown with every value escaped.

One template per document, format and language under templates/{fr,en}/. Words that depend on the
language (month names, participant groups, headings) live in the templates, never in Python.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment
from markupsafe import Markup

from models.clock import in_bamako
from models.errors import InvalidInput
from models.language import LANGUAGES
from notifications.phrases import discreetly_worded
from notifications.templating import template_environment

TEMPLATES = Path(__file__).with_name("templates")
LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"

Flavour = Literal["html", "md", "txt"]

# CommonMark's backslash-escapable punctuation that could start markup inside a line or a table.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")


def escape_markdown(value: Any) -> Any:
    """Escape text from the database so that Markdown shows it literally (`<script>` stays text).

    A template marks its own markup with `|safe` (a Markup value), which passes unchanged.
    """
    if isinstance(value, Markup):
        return str(value)
    if isinstance(value, str):
        return _MARKDOWN_SPECIAL.sub(r"\\\1", value).replace("\n", " ")
    return value


def _language_name(code: str, locale: str) -> str:
    english, french, _others = LANGUAGES.get(code, (code, code, ()))
    return french if locale == "fr" else english


@lru_cache(maxsize=3)
def environment(flavour: Flavour) -> Environment:
    return template_environment(
        TEMPLATES,
        html=flavour == "html",
        finalize=escape_markdown if flavour == "md" else None,
        filters={"language_name": _language_name, "bamako": in_bamako, "worded": discreetly_worded},
    )


def check_locale(locale: str) -> str:
    if locale not in LOCALES:
        raise InvalidInput(
            f"language '{locale}' has no document templates; use one of {', '.join(LOCALES)}"
        )
    return locale


def render(name: str, flavour: Flavour, locale: str, **context: Any) -> str:
    """Render templates/<locale>/<name>.<flavour>.j2 with `context` (and `locale`)."""
    template = environment(flavour).get_template(f"{check_locale(locale)}/{name}.{flavour}.j2")
    return template.render(locale=locale, **context)


def label(locale: str, macro: str, *args: Any) -> str:
    """One line from a macro of templates/<locale>/_labels.j2 (a subject, an artifact's description)."""
    module = environment("txt").get_template(f"{check_locale(locale)}/_labels.j2").module
    return str(getattr(module, macro)(*args)).strip()
