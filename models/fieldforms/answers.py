"""A field submission read back into its step: which cycle, which step, which commune, and the
input the step's schema validates (the same schema `debates submit` uses)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from models.cycle.stepflow import parse_submission
from models.errors import DomainError, InvalidInput
from models.fieldforms.exports import FieldRecord
from models.fieldforms.forms import BY_ID, COMMUNES, FORM_FIELD, FieldForm
from models.fieldforms.questions import TEXT_OF_REPEAT, Question


@dataclass(frozen=True)
class FieldInput:
    form: FieldForm
    cycle_id: int
    step: str
    commune: str
    submission: BaseModel


LARGEST = 2**31 - 1  # the database's integer columns


def _number(values: dict[str, Any], name: str) -> int:
    if name not in values:
        raise InvalidInput(
            "invalid submission",
            [
                (
                    f"field {name}",
                    "no such column in the export; export from KoboToolbox with 'XML values "
                    "and headers' (not labels), or from ODK Central as its CSV zip",
                )
            ],
        )
    value = values.get(name, "")
    try:
        number = int(str(value))
    except ValueError:
        shown = f"'{value}' is not a number" if value != "" else "is missing"
        raise InvalidInput(
            "invalid submission", [(f"field {name}", f"{shown}; give it as 12")]
        ) from None
    if not 1 <= number <= LARGEST:
        raise InvalidInput(
            "invalid submission",
            [(f"field {name}", f"{number} is not a number from 1 to {LARGEST}")],
        )
    return number


def _answer(q: Question, values: dict[str, Any], repeats: dict[str, list[dict[str, Any]]]) -> Any:
    """The field's input from the form's answers; None when the form left it empty."""
    match q.kind:
        case "repeat":
            return [
                {c.name: v for c in q.children if (v := _answer(c, row, {})) is not None}
                for row in repeats.get(q.name, [])
            ]
        case "texts":
            return [row.get(TEXT_OF_REPEAT, "") for row in repeats.get(q.name, [])]
        case "counts":
            present = {key: values.get(f"{q.name}_{key}", "") for key in q.keys}
            return {key: count for key, count in present.items() if count not in ("", None)}
        case _:
            pass
    value = values.get(q.name, "")
    if value in ("", None):
        return None
    match q.kind:
        case "multiple":
            return str(value).split()
        case "separated":
            return [part.strip() for part in str(value).split(";") if part.strip()]
        case _:
            return value


def identify(record: FieldRecord) -> tuple[int | None, str | None]:
    """The cycle and step a submission names, as far as it names them (for the report of one
    that fails validation)."""
    form = BY_ID.get(str(record.values.get(FORM_FIELD, "")))
    try:
        cycle = _number(record.values, "cycle")
    except InvalidInput:
        return None, None
    if form is None:
        return cycle, None
    try:
        return cycle, form.step(_number(record.values, form.number) if form.number else None)
    except DomainError:
        return cycle, None


def field_input(record: FieldRecord) -> FieldInput:
    """The step input of `record`, validated by the step's schema; InvalidInput names the field."""
    values = record.values
    form = BY_ID.get(str(values.get(FORM_FIELD, "")))
    if form is None:
        raise InvalidInput(
            "not a debates form",
            [
                (
                    f"field {FORM_FIELD}",
                    "missing or unknown; build the forms with 'debates forms build'",
                )
            ],
        )
    cycle_id = _number(values, "cycle")
    step = form.step(_number(values, form.number) if form.number else None)
    commune = str(values.get(COMMUNES, "")).strip()
    if not commune:
        raise InvalidInput("invalid submission", [(f"field {COMMUNES}", "is missing")])
    repeated = [q.name for q in form.questions() if q.children]
    if repeated and not record.repeats_read:
        raise InvalidInput(
            "invalid submission",
            [
                (
                    f"form {form.id}",
                    f"a CSV export carries no repeat groups ({', '.join(repeated)}); "
                    "export this form from KoboToolbox as XLSX or JSON",
                )
            ],
        )
    data: dict[str, Any] = {}
    for q in form.questions():
        answer = _answer(q, values, record.repeats)
        if answer is not None:
            data[q.name] = answer
    return FieldInput(form, cycle_id, step, commune, parse_submission(step, data))
