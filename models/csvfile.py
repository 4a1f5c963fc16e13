"""Reading a CSV file a person made: UTF-8, a header row, errors that name the line and field."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from models.errors import InvalidInput
from models.textfile import read_text


@dataclass
class ImportReport:
    """What an import of a CSV file did, row by row (the registry's and the facilitators')."""

    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    """Terms of office ended by a successor (the roster's)."""


RowModel = TypeVar("RowModel", bound=BaseModel)


def read_rows(path: Path, *, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) pairs; blank cells become absent keys."""
    text = read_text(
        path, encoding="utf-8-sig", utf8_fix="save the file as 'CSV UTF-8' and import it again"
    )
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [name for name in required if name not in header]
    if missing:
        raise InvalidInput(
            f"{path}: line 1 (header) lacks the column(s) {', '.join(missing)}; "
            f"the header must name {', '.join(required)}"
        )
    for row in reader:
        cleaned = {
            (k or "").strip(): v.strip()
            for k, v in row.items()
            if k is not None and isinstance(v, str) and v.strip()
        }
        yield reader.line_num, cleaned


def parse_row(model: type[RowModel], line: int, row: dict[str, str]) -> RowModel:
    try:
        return model.model_validate(row)
    except ValidationError as exc:
        raise InvalidInput("invalid row", problems=problems(exc, prefix=f"line {line}")) from exc


def parse_rows(
    path: Path, model: type[RowModel], *, required: Sequence[str]
) -> tuple[list[tuple[int, RowModel]], list[tuple[str, str]]]:
    """The rows that parse, and the problems of those that do not, by line and field; an import
    checks its parsed rows further (places, repeats) and reports every problem at once."""
    parsed: list[tuple[int, RowModel]] = []
    found: list[tuple[str, str]] = []
    for line, raw in read_rows(path, required=required):
        try:
            parsed.append((line, model.model_validate(raw)))
        except ValidationError as exc:
            found.extend(problems(exc, prefix=f"line {line}"))
    if not parsed and not found:
        raise InvalidInput(f"{path}: the file has a header but no rows")
    return parsed, found


def parse_file(
    path: Path, model: type[RowModel], *, required: Sequence[str]
) -> list[tuple[int, RowModel]]:
    """Every row of the file parsed, or one error listing every bad line and field (nothing
    half-read): the first half of an import that is validated whole before it writes."""
    parsed, found = parse_rows(path, model, required=required)
    if found:
        raise InvalidInput(f"{path}: nothing was imported", found)
    return parsed


def problems(exc: ValidationError, *, prefix: str = "") -> list[tuple[str, str]]:
    """Pydantic errors as (where, what) pairs a person can read: 'line 4, field sex'."""
    found = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "row"
        where = f"{prefix}, field {field}" if prefix else f"field {field}"
        found.append((where, said(error)))
    return found


def said(error: ErrorDetails) -> str:
    """One Pydantic error in words; a text too long gives its length and the limit."""
    if error["type"] == "string_too_long" and isinstance(error["input"], str):
        limit = (error.get("ctx") or {}).get("max_length")
        return f"{len(error['input'].strip())} characters; at most {limit}"
    return error["msg"].removeprefix("Value error, ")
