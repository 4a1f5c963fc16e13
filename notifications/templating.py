"""The one way this project builds a Jinja2 environment, whatever the template family.

StrictUndefined everywhere: a variable missing from the context is an error at render time, never
an empty string in a message. Autoescape exactly when the output is HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined


def template_environment(
    folder: Path,
    *,
    html: bool = False,
    trim: bool = True,
    keep_trailing_newline: bool = True,
    finalize: Callable[[Any], Any] | None = None,
    filters: dict[str, Callable[..., Any]] | None = None,
) -> Environment:
    """An environment over `folder`; `trim` turns on trim_blocks and lstrip_blocks together."""
    env = Environment(
        loader=FileSystemLoader(folder),
        undefined=StrictUndefined,
        autoescape=html,
        finalize=finalize,
        trim_blocks=trim,
        lstrip_blocks=trim,
        keep_trailing_newline=keep_trailing_newline,
    )
    env.filters.update(filters or {})
    return env
