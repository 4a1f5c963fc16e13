"""`debates submit --template`: a commented YAML skeleton of what a step expects, from its schema."""

from __future__ import annotations

import enum
import json
import types
import typing
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

if typing.TYPE_CHECKING:
    from models.followup.items import ItemState
    from models.stages.answers import GrievanceShown

Examples = Mapping[str, Sequence[str]]
"""Lines (after the description) to write for a field instead of its generic example."""


def unwrap(annotation: Any) -> tuple[Any, bool]:
    """(inner type, optional) of `X | None` and Annotated[...]."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            annotation = args[0]
        else:
            return annotation, optional


def _example(annotation: Any) -> tuple[str, str]:
    """(YAML value, hint) for a scalar type."""
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        choices = [str(m.value) for m in annotation]
        return choices[0], "one of: " + ", ".join(choices)
    if typing.get_origin(annotation) is typing.Literal:
        choices = [str(a) for a in typing.get_args(annotation)]
        return choices[0], "one of: " + ", ".join(choices)
    if annotation is datetime:
        return "2026-03-14T09:00:00+00:00", "date and time with timezone (Bamako is +00:00)"
    if annotation is date:
        return "2026-03-14", "date"
    if annotation is bool:
        return "false", ""
    if annotation is int:
        return "0", "number"
    return '""', "text"


def _field_lines(name: str, info: FieldInfo, pad: str, examples: Examples) -> list[str]:
    annotation, optional = unwrap(info.annotation)
    note = f"{info.description or name}" + (" (optional)" if optional else "")
    lines = [f"{pad}# {note}"]
    if name in examples:
        return lines + [f"{pad}{line}" for line in examples[name]]
    if typing.get_origin(annotation) is dict:
        key, _ = unwrap(typing.get_args(annotation)[0])
        value, hint = _example(key)
        lines.append(f"{pad}{name}:")
        lines.append(f"{pad}  {value}: 0" + (f"  # keys {hint}" if hint else ""))
        return lines
    if typing.get_origin(annotation) is list:
        item, _ = unwrap(typing.get_args(annotation)[0])
        if isinstance(item, type) and issubclass(item, BaseModel):
            lines.append(f"{pad}{name}:")
            nested = skeleton(item, pad + "    ", examples)
            nested[0] = f"{pad}  - " + nested[0].removeprefix(pad + "    ")
            lines += nested
        else:
            value, hint = _example(item)
            lines.append(f"{pad}{name}:")
            lines.append(f"{pad}  - {value}" + (f"  # {hint}" if hint else ""))
        return lines
    value, hint = _example(annotation)
    off = "# " if optional else ""  # optional fields stay commented out until filled in
    lines.append(f"{pad}{off}{name}: {value}" + (f"  # {hint}" if hint else ""))
    return lines


def skeleton(model: type[BaseModel], pad: str = "", examples: Examples | None = None) -> list[str]:
    lines: list[str] = []
    for name, info in model.model_fields.items():
        lines += _field_lines(name, info, pad, examples or {})
    return lines


def yaml_template(model: type[BaseModel], step: str, examples: Examples | None = None) -> str:
    head = [f"# Input for step '{step}': {(model.__doc__ or '').strip()}", ""]
    return "\n".join(head + skeleton(model, examples=examples)) + "\n"


def plan_template(model: type[BaseModel], step: str, grievances: Sequence[GrievanceShown]) -> str:
    """The plan's skeleton, each action's `answers` listing the grievances of the cycle's minutes
    it may name (a sensitive one by its number only)."""
    listed = " · ".join(
        f"{g.reference} {g.theme}" if g.theme else f"{g.reference} (sensible / sensitive)"
        for g in grievances
    )
    answers = [
        f"# griefs des procès-verbaux / the minutes' grievances: {listed or 'aucun / none'}",
        'answers: []  # e.g. ["1.2", "2.1"], in quotes',
    ]
    return yaml_template(model, step, {"answers": answers})


def visit_template(model: type[BaseModel], step: str, items: tuple[ItemState, ...]) -> str:
    """A visit's skeleton: the generic one, with `items` listing each of the cycle's tracked items
    as it stands (status and progress filled in: change what the visit found)."""
    head = [f"# Input for step '{step}': {(model.__doc__ or '').strip()}", ""]
    lines: list[str] = []
    for name, info in model.model_fields.items():
        if name != "items":
            lines += _field_lines(name, info, "", {})
            continue
        lines.append(f"# {info.description}")
        lines.append("# Change status (planned, in_progress, done, dropped) and progress (0-100);")
        lines.append("# a dropped item needs 'reason'. Leave out an item the visit did not see.")
        lines.append("items:" if items else "items: []")
        for item in items:
            owner = item.owner or "responsable à désigner / owner not set"
            lines.append(
                f"  # {item.number}. {item.title} · {owner} · échéance / deadline "
                f"{item.deadline} · now {item.status} {item.progress}%"
            )
            lines.append(f"  - item: {item.number}")
            lines.append(f"    status: {item.status}")
            lines.append(f"    progress: {item.progress}")
            lines.append('    # note: ""')
            if item.drop_reason is not None:
                lines.append(f"    reason: {json.dumps(item.drop_reason, ensure_ascii=False)}")
            else:
                lines.append('    # reason: ""  # why it was dropped (required when dropped)')
            lines.append(f"    # deadline: {item.deadline}  # a new deadline")
            lines.append('    # owner: ""  # a name or an office (mayor …) of the roster')
    return "\n".join(head + lines) + "\n"
