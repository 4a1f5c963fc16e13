"""What `debates submit` reads: a YAML or JSON file, then `field=value` pairs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from models.errors import InvalidInput


class _DatesAsText(yaml.SafeLoader):
    """YAML without date guessing: '2026-02-30' reaches the schema, which names the field."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _yaml(text: str) -> Any:
    return yaml.load(text, Loader=_DatesAsText)


def read_input(path: Path | None, assignments: list[str]) -> dict[str, Any]:
    """The input from a YAML/JSON file, then `field=value` pairs (values read as YAML)."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise InvalidInput(f"--file {path}: no such file") from exc
        try:
            loaded = json.loads(text) if path.suffix == ".json" else _yaml(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise InvalidInput(f"--file {path} cannot be read: {exc}") from exc
        if not isinstance(loaded, dict):
            raise InvalidInput(f"--file {path} must hold one mapping of field: value")
        data.update(loaded)
    for item in assignments:
        field, sep, value = item.partition("=")
        if not sep or not field.strip():
            raise InvalidInput(f"--set '{item}' is not field=value")
        data[field.strip()] = _yaml(value) if value.strip() else None
    if not data:
        raise InvalidInput("give the input with --file input.yaml or --set field=value")
    return data
