"""The minutes' Resume form (flows/inputs.MinutesInput): the Prefect UI takes no sensitive
grievance's text, only their number, and what it receives becomes the minutes to record, with a
row to record per sensitive grievance. What `debates submit` hands Prefect fits the same form."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from prefect.utilities.schema_tools import ValidationError as SchemaRefused
from prefect.utilities.schema_tools import validate
from pydantic import ValidationError as PydanticError

from flows.inputs import input_for, submission_of
from models.stages.minutes import MinutesSubmission
from models.stages.minutes_form import SENSITIVE_TO_RECORD, TO_RECORD, as_form
from tests.flows import inputs

DAY = date(2026, 4, 20)


def _properties(node: Any, defs: dict[str, Any]) -> Iterator[str]:
    """Every property name under a JSON-schema node, following $refs, list items and unions."""
    if isinstance(node, dict):
        if "$ref" in node:
            yield from _properties(defs[node["$ref"].rsplit("/", 1)[1]], defs)
        for name, sub in node.get("properties", {}).items():
            yield name
            yield from _properties(sub, defs)
        for key in ("items", "additionalProperties"):
            yield from _properties(node.get(key), defs)
        for member in node.get("anyOf", []) + node.get("allOf", []):
            yield from _properties(member, defs)


def _form_schema() -> dict[str, Any]:
    """The schema Prefect stores with the suspension and builds the Resume form from."""
    form = input_for("minutes-1").with_initial_data(description="…")
    return form.model_json_schema()


def test_the_forms_grievances_have_no_sensitive_field_and_the_count_follows_them() -> None:
    schema = _form_schema()
    grievances = schema["properties"]["grievances"]
    below = set(_properties(grievances, schema["$defs"]))
    assert below == {"theme", "summary"}  # nothing sensitive can be typed
    assert "sensitive" not in json.dumps(grievances["items"]).lower()
    count = schema["properties"]["sensitive_grievances"]
    assert (count["type"], count["minimum"], count["maximum"], count["default"]) == (
        "integer",
        0,
        100,
        0,
    )
    names = list(schema["properties"])
    assert names[names.index("grievances") + 1] == "sensitive_grievances"
    for words in ("ne se tape jamais ici", "debates amend CYCLE minutes-N", "KoboToolbox / ODK"):
        assert words in count["description"]
    assert "non sensibles" in grievances["description"]


def test_the_cli_schema_still_takes_sensitive_grievances() -> None:
    schema = MinutesSubmission.model_json_schema()
    assert "sensitive" in _properties(schema["properties"]["grievances"], schema["$defs"])
    assert "sensitive_grievances" not in schema["properties"]


def test_what_the_form_receives_is_recorded_with_a_row_to_record_per_sensitive_grievance() -> None:
    received = input_for("minutes-1").model_validate(inputs.minutes_form(DAY, sensitive=2))
    submission = submission_of(received)
    assert isinstance(submission, MinutesSubmission)
    assert [(g.theme, g.summary, g.sensitive) for g in submission.grievances] == [
        ("eau", "Puits du quartier partagé", False),
        (TO_RECORD.theme, SENSITIVE_TO_RECORD, True),
        (TO_RECORD.theme, SENSITIVE_TO_RECORD, True),
    ]
    assert (
        submission.commitments == MinutesSubmission.model_validate(inputs.minutes(DAY)).commitments
    )


@pytest.mark.parametrize(("count", "said"), [(-1, "greater than or equal to 0"), (101, "100")])
def test_a_count_out_of_bounds_is_refused_naming_the_field(count: int, said: str) -> None:
    with pytest.raises(PydanticError) as refused:
        input_for("minutes-1").model_validate(inputs.minutes_form(DAY, sensitive=count))
    assert "sensitive_grievances" in str(refused.value) and said in str(refused.value)


def test_what_submit_hands_prefect_fits_the_form_and_holds_no_sensitive_text() -> None:
    """The server validates a resume's input against the form's schema: the CLI's minutes must
    fit it, and the old shape (a `sensitive` flag per grievance) must not."""
    full = inputs.minutes(DAY)
    full["grievances"] = [
        {"theme": "eau", "summary": "Puits du quartier partagé", "sensitive": False},
        {"theme": "exactions de 2013", "summary": "Un nom cité", "sensitive": True},
        *full["grievances"],  # "Champs occupés", sensitive
    ]
    handed = as_form(MinutesSubmission.model_validate(full)).model_dump(mode="json")
    schema = _form_schema()
    validate(handed, schema, raise_on_error=True)
    assert handed["grievances"] == [{"theme": "eau", "summary": "Puits du quartier partagé"}]
    assert handed["sensitive_grievances"] == 2
    text = json.dumps(handed, ensure_ascii=False)
    assert "Un nom cité" not in text and "Champs occupés" not in text and "exactions" not in text
    with pytest.raises(SchemaRefused):
        validate(full, schema, raise_on_error=True)


def test_other_steps_forms_hand_back_what_they_received() -> None:
    received = input_for("baseline").model_validate(inputs.baseline(DAY))
    assert submission_of(received) is received
