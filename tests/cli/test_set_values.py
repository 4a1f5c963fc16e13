"""`--set` reads each value as its field's type: text stays text, numbers and yes/no as the schema
says, lists and mappings as YAML."""

from __future__ import annotations

import pytest

from cli.step_input import read_input
from models.cycle.stepflow import parse_submission, schema_for
from models.errors import InvalidInput
from models.stages.baseline import BaselineSubmission
from models.stages.minutes import GrievanceIn, MinutesSubmission
from models.stages.sessions import SessionOutcome


def test_text_with_a_colon_stays_text() -> None:
    data = read_input(
        None, ["outcome=cancelled", "reason=insécurité: route coupée"], SessionOutcome
    )
    parsed = parse_submission("session-1", data)
    assert isinstance(parsed, SessionOutcome)
    assert parsed.reason == "insécurité: route coupée"


def test_numbers_yes_no_and_dates_look_like_text_are_kept_as_text_in_text_fields() -> None:
    data = read_input(None, ["theme=12", "summary=yes", "sensitive=yes"], GrievanceIn)
    grievance = GrievanceIn.model_validate(data)
    assert (grievance.theme, grievance.summary, grievance.sensitive) == ("12", "yes", True)


def test_a_number_field_reads_the_number_as_the_schema_says() -> None:
    data = read_input(None, ["total_participants=30"], MinutesSubmission)
    assert data["total_participants"] == "30"  # the text, for the schema to read
    with pytest.raises(InvalidInput, match="field total_participants"):
        parse_submission(
            "minutes-1", read_input(None, ["total_participants=trente"], MinutesSubmission)
        )


def test_a_list_field_is_yaml_and_dates_stay_text() -> None:
    data = read_input(
        None,
        ["risk_themes=[foncier, transhumance]", "completed_on=2026-03-12"],
        schema_for("baseline"),
    )
    assert data["risk_themes"] == ["foncier", "transhumance"]
    assert data["completed_on"] == "2026-03-12"
    assert BaselineSubmission.model_fields["risk_themes"].annotation is not str


def test_a_list_field_that_is_not_yaml_names_the_field() -> None:
    with pytest.raises(InvalidInput, match=r"--set risk_themes: '\[foncier' is not a list"):
        read_input(None, ["risk_themes=[foncier"], BaselineSubmission)


def test_submit_with_a_colon_in_the_reason_reaches_the_cycle_check(debates) -> None:  # type: ignore[no-untyped-def]
    result = debates(
        "submit",
        "999",
        "session-1",
        "--set",
        "outcome=cancelled",
        "--set",
        "reason=insécurité: route coupée",
    )
    assert result.code == 1
    assert "No cycle with id 999" in result.err  # the input itself was valid
