"""What `debates submit` and `amend` read: a YAML or JSON file, then `field=value` pairs.

A `--set` value is read as its field's type says: text stays text (`reason=insécurité: route
coupée`), a number or yes/no field gets the text and Pydantic reads it as the schema says, and only
a list or mapping field is read as YAML (`risk_themes=[foncier, transhumance]`).
"""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from cli.templates import unwrap
from models.errors import InvalidInput
from models.textfile import read_text


class _DatesAsText(yaml.SafeLoader):
    """YAML without date guessing: '2026-02-30' reaches the schema, which names the field."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _yaml(text: str) -> Any:
    return yaml.load(text, Loader=_DatesAsText)


def _parse_file(path: Path) -> Any:
    text = read_text(path, label="--file")
    try:
        return json.loads(text) if path.suffix == ".json" else _yaml(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"--file {path}: line {exc.lineno}: {exc.msg}; correct the JSON there"
        ) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise InvalidInput(
            f"--file {path}: {line}{exc.problem or exc.context}; correct the YAML there"
        ) from exc
    except yaml.YAMLError as exc:
        raise InvalidInput(f"--file {path}: {exc}; correct the YAML") from exc


def _composite(annotation: Any) -> bool:
    """True for a list, a mapping or a nested schema: what a --set value must write as YAML."""
    inner, _optional = unwrap(annotation)
    if typing.get_origin(inner) in (list, dict, tuple, set):
        return True
    return isinstance(inner, type) and issubclass(inner, BaseModel | list | dict)


def set_value(schema: type[BaseModel], field: str, value: str) -> Any:
    """A `--set` value as its field takes it: YAML for a list or mapping, the text otherwise."""
    if not value.strip():
        return None
    info = schema.model_fields.get(field)
    if info is None or not _composite(info.annotation):
        return value
    try:
        return _yaml(value)
    except yaml.YAMLError as exc:
        raise InvalidInput(
            f"--set {field}: '{value}' is not a list or mapping; write it as [a, b] or {{k: v}}"
        ) from exc


def read_input(
    path: Path | None, assignments: list[str], schema: type[BaseModel]
) -> dict[str, Any]:
    """The input from a YAML/JSON file, then `field=value` pairs read as the schema's fields."""
    data: dict[str, Any] = {}
    if path is not None:
        loaded = _parse_file(path)
        if not isinstance(loaded, dict):
            raise InvalidInput(f"--file {path} must hold one mapping of field: value")
        data.update(loaded)
    for item in assignments:
        field, sep, value = item.partition("=")
        if not sep or not field.strip():
            raise InvalidInput(f"--set '{item}' is not field=value")
        data[field.strip()] = set_value(schema, field.strip(), value)
    if not data:
        raise InvalidInput("give the input with --file input.yaml or --set field=value")
    return data
