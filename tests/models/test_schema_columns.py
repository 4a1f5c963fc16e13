"""Every input schema's text limits equal the columns that hold them, so they cannot drift apart.

A text longer than its column passes SQLite and fails PostgreSQL ("value too long"): the schema
must refuse it first, at the edge, with the field, the limit and the length. This test walks every
Pydantic model of the models package and the Resume forms (flows/inputs.py), and checks each text
field against its column, found by name in the schema's table or by the declared mapping below.
"""

from __future__ import annotations

import importlib
import pkgutil
import re._parser as regex_parser
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import String, Text

import models
from models.base import Base
from models.language import LANGUAGES

# The table an input schema's fields land in (fields found there by name).
TABLE_OF: dict[str, str] = {
    "BaselineSubmission": "baseline_studies",
    "SessionPlan": "debate_sessions",
    "SessionOutcome": "debate_sessions",
    "MinutesFields": "minutes",
    "MinutesSubmission": "minutes",
    "MinutesForm": "minutes",
    "AttendanceIn": "attendance_counts",
    "GrievanceText": "grievances",
    "GrievanceIn": "grievances",
    "CommitmentIn": "commitments",
    "SafetyPlanSubmission": "safety_plans",
    "PlanActionIn": "plan_actions",
    "HandoverSubmission": "safety_plans",
    "FacilitatorRow": "facilitators",
    "Period": "facilitator_unavailability",
    "CommuneRow": "communes",
    "RosterRow": "commune_people",
    "ItemUpdateIn": "item_updates",
    "VisitSubmission": "monitoring_visits",
    "ItemChange": "item_updates",
}

# Text fields whose column is not of their name in their schema's table.
COLUMN_OF: dict[str, str] = {
    "SessionOutcome.reason": "debate_sessions.status_reason",
    "MinutesFields.agreements": "agreements.text",
    "MinutesSubmission.agreements": "agreements.text",
    "MinutesForm.agreements": "agreements.text",
    "FacilitatorRow.contacts": "facilitator_contacts.url",
    "CommuneRow.region": "regions.name",
    "CommuneRow.region_pcode": "regions.pcode",
    "CommuneRow.cercle": "cercles.name",
    "CommuneRow.cercle_pcode": "cercles.pcode",
    "CommuneRow.commune": "communes.official_name",
    "CommuneRow.commune_pcode": "communes.pcode",
    "CommuneRow.cercle_fr": "cercles.name",
    "CommuneRow.commune_fr": "communes.name",
    "Settings.actor": "audit_events.actor",
    "RosterRow.contacts": "commune_person_contacts.url",
    "ItemUpdateIn.reason": "tracked_items.drop_reason",
    "ItemChange.reason": "tracked_items.drop_reason",
    "CycleAdminRequest.reason": "cycle_pauses.reason",
    "LaunchRequest.funder": "cycles.funder",
}

# Text fields that never reach a column as typed, and why.
NOT_STORED: dict[str, str] = {
    "SessionOutcome.outcome": "a choice, stored as the session's status (held, postponed …)",
    "FacilitatorRow.home_commune": "a name or P-code, resolved to a commune's P-code",
    "FacilitatorRow.regions": "names or P-codes, resolved to regions' P-codes",
    "FacilitatorRow.languages": "language names, stored as their codes (a JSON list)",
    "CommuneRow.commune_fr_match": "how reliable commune_fr is; read, never stored",
    "LaunchRequest.communes": "names or P-codes looked up, never stored",
    "LaunchRequest.cercle": "a name or P-code looked up, never stored",
    "LaunchRequest.region": "a name or P-code looked up, never stored",
    "Settings.database_url": "configuration",
    "Settings.locale": "configuration",
    "Settings.prefect_api_url": "configuration",
    "Settings.prefect_database_url": "configuration",
    "Settings.prefect_ui_url": "configuration",
    "Settings.kobo_url": "configuration",
    "Settings.kobo_assets": "configuration",
    "Settings.kobo_token": "configuration (a secret, never stored)",
    "Settings.contacts_key": "configuration (a secret, never stored)",
    "Settings.ui_url": "configuration",
    "ReminderPolicy.quiet_schemes": "the policy file; no column holds it",
    "MatchingPolicy.region_languages": "the policy file; no column holds it",
    "Phrase.key": "an output (the matcher's words), not an input",
    "Phrase.params": "an output (the matcher's words), not an input",
    "RosterRow.commune": "a name or P-code, resolved to a commune's P-code",
    "ItemUpdateIn.owner": "a name or office, resolved to a commune person's id",
    "ItemChange.owner": "a name or office, resolved to a commune person's id",
    "PlanActionIn.answers": "'session.grievance' references, stored as links to the grievances",
    "SessionPlan.commune": "a name or P-code, resolved to a commune's P-code",
    "CycleAdminRequest.action": "a choice: which use case runs",
    "CycleAdminRequest.region": "a name or P-code looked up, never stored",
    "CycleAdminRequest.step": "a step name looked up, never stored",
    "ReportRequest.period": "a period (2026Q1, 2026-03, 2026) read, never stored",
    "ReportRequest.region": "a name or P-code looked up, never stored",
    "ReportRequest.cercle": "a name or P-code looked up, never stored",
    "ReportRequest.funder": "a filter matched against cycles.funder, never stored",
}

# Text fields a validator turns into a short known value (no maxLength in the schema).
BOUND_BY_VALIDATOR: dict[str, int] = {
    "SessionPlan.language": max(len(code) for code in LANGUAGES),
    "BaselineSubmission.languages": max(len(code) for code in LANGUAGES),
}


def _input_schemas() -> list[type[BaseModel]]:
    for found in pkgutil.walk_packages(models.__path__, "models."):
        importlib.import_module(found.name)
    importlib.import_module("flows.inputs")

    def below(cls: type[BaseModel]) -> Iterator[type[BaseModel]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    schemas = {
        cls
        for cls in below(BaseModel)
        if cls.__module__.startswith(("models.", "flows.inputs")) and "[" not in cls.__name__
    }
    return sorted(schemas, key=lambda cls: (cls.__module__, cls.__name__))


def _domain_schema(cls: type[BaseModel]) -> type[BaseModel]:
    """A Resume form's domain schema (flows/inputs.py: `class MinutesInput(RunInput, MinutesForm)`)."""
    if cls.__module__ == "flows.inputs":
        return next(base for base in cls.__mro__[1:] if base.__module__.startswith("models."))
    return cls


def _string_leaves(prop: dict[str, Any], defs: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The text parts of a JSON-schema property: itself, list items, union members; enums too.
    Nested models are skipped: they are schemas of their own, checked on their own."""
    if "$ref" in prop:
        target = defs[prop["$ref"].rsplit("/", 1)[1]]
        if "enum" in target:
            yield target
        return
    for member in prop.get("anyOf", []):
        yield from _string_leaves(member, defs)
    if "items" in prop:
        yield from _string_leaves(prop["items"], defs)
    if isinstance(prop.get("additionalProperties"), dict):
        yield from _string_leaves(prop["additionalProperties"], defs)
    if prop.get("type") == "string" and prop.get("format") not in (
        "date",
        "date-time",
        "time",
        "path",
    ):
        yield prop


def _text_fields() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    for cls in _input_schemas():
        schema = _domain_schema(cls)
        json_schema = schema.model_json_schema(by_alias=False)
        defs = json_schema.get("$defs", {})
        for name, prop in json_schema.get("properties", {}).items():
            leaves = list(_string_leaves(prop, defs))
            if leaves:
                yield f"{schema.__name__}.{name}", leaves


def _column(field: str) -> Any | None:
    schema, name = field.split(".", 1)
    tables = Base.metadata.tables
    if field in COLUMN_OF:
        table, column = COLUMN_OF[field].split(".")
        return tables[table].c[column]
    table_name = TABLE_OF.get(schema)
    if table_name is not None and name in tables[table_name].c:
        return tables[table_name].c[name]
    return None


def _bound(field: str, leaf: dict[str, Any]) -> tuple[str, int] | None:
    """('max', n) for a length limit the column must equal; ('fits', n) for a value that must fit."""
    if "maxLength" in leaf:
        return "max", int(leaf["maxLength"])
    if "enum" in leaf or "const" in leaf:
        values = leaf.get("enum", [leaf.get("const")])
        return "fits", max(len(str(v)) for v in values)
    if "pattern" in leaf:
        return "fits", int(regex_parser.parse(leaf["pattern"]).getwidth()[1])
    if field in BOUND_BY_VALIDATOR:
        return "fits", BOUND_BY_VALIDATOR[field]
    return None


def test_every_text_field_of_every_input_schema_is_mapped_to_its_column_or_said_not_stored() -> (
    None
):
    unmapped = [
        field for field, _ in _text_fields() if field not in NOT_STORED and _column(field) is None
    ]
    assert not unmapped, (
        f"text fields with no column: {', '.join(unmapped)}. In tests/models/test_schema_columns.py "
        "add the schema's table to TABLE_OF (fields found there by name), the field's "
        "'table.column' to COLUMN_OF, or the field to NOT_STORED with why"
    )


def test_every_text_limit_equals_its_column_length() -> None:
    wrong = []
    for field, leaves in _text_fields():
        column = _column(field)
        if column is None or isinstance(column.type, Text) or not isinstance(column.type, String):
            continue  # Text and JSON have no length in either database
        length = column.type.length
        for leaf in leaves:
            bound = _bound(field, leaf)
            if bound is None:
                wrong.append(f"{field}: no limit, column {column} holds {length}")
            elif bound[0] == "max" and bound[1] != length:
                wrong.append(f"{field}: at most {bound[1]}, column {column} holds {length}")
            elif bound[0] == "fits" and bound[1] > length:
                wrong.append(f"{field}: values up to {bound[1]}, column {column} holds {length}")
    assert not wrong, "; ".join(sorted(set(wrong)))


def test_the_walk_finds_every_step_schema_and_resume_form() -> None:
    names = {cls.__name__ for cls in _input_schemas()}
    assert {
        "MinutesSubmission",
        "MinutesForm",
        "MinutesInput",
        "SafetyPlanSubmission",
        "FacilitatorRow",
    } <= names
    assert set(TABLE_OF) <= names


@pytest.mark.parametrize(
    ("step", "field", "data"),
    [
        ("minutes-1", "validated_by", {"validated_by": "x" * 153}),
        ("plan", "validated_by", {"validated_by": "x" * 201}),
        ("handover", "received_by", {"received_by": "x" * 201}),
    ],
)
def test_a_text_over_its_limit_is_refused_with_the_field_the_length_and_the_limit(
    step: str, field: str, data: dict[str, Any]
) -> None:
    from models.cycle.stepflow import parse_submission
    from models.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        parse_submission(step, data)
    limit = 120 if step == "minutes-1" else 200
    assert (f"field {field}", f"{len(data[field])} characters; at most {limit}") in (
        refused.value.problems
    )
