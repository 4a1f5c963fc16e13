"""`debates amend` and `debates history` as a coordinator types them: a field corrected with --set,
the history in words and as JSON, and bad input answered with one line naming the field, exit 1 and
no row written. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.cycle.cycle import Cycle
from models.cycle.launch import launch_cycle
from models.cycle.stepflow import apply_submission
from models.geography.places import Commune
from models.policy import CyclePolicy
from models.stages.baseline import BaselineStudy
from tests.flows import inputs

# Before the clock the CLI stamps its amendment with, so the history's order is known.
PAST = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
START = PAST.date()


def with_baseline(session: Session) -> Cycle:
    cycle = launch_cycle(
        session,
        session.get_one(Commune, "ML060205"),
        start_on=START,
        policy=CyclePolicy(),
        actor="coordinator",
        now=PAST,
    )
    apply_submission(session, cycle.id, "baseline", inputs.baseline(START), actor="awa", now=PAST)
    session.flush()
    return cycle


def events(session: Session) -> int:
    return session.scalar(select(func.count(AuditEvent.id))) or 0


def test_one_field_corrected_with_set_is_recorded_and_told_in_the_history(
    session: Session, debates: Any
) -> None:
    cycle = with_baseline(session)

    result = debates(
        "amend",
        str(cycle.id),
        "baseline",
        "--set",
        "summary=Tensions foncières",
        "--reason",
        "typo",
    )

    assert result.code == 0, result.err
    assert "summary:" in result.out and "Tensions foncières" in result.out
    study = session.scalars(select(BaselineStudy).where(BaselineStudy.cycle_id == cycle.id)).one()
    session.refresh(study)
    assert study.summary == "Tensions foncières"
    again = debates(
        "amend",
        str(cycle.id),
        "baseline",
        "--set",
        "summary=Tensions foncières",
        "--reason",
        "typo",
    )
    assert again.code == 0 and "nothing changed" in again.err

    listed = debates("history", str(cycle.id), "--json")
    assert listed.code == 0, listed.err
    trail = json.loads(listed.out)
    assert trail[0]["action"] == "step.amended" and trail[0]["channel"] == "ligne de commande"
    assert trail[0]["changes"]["summary"][1] == "Tensions foncières"
    assert trail[0]["reason"] == "typo"
    assert trail[-1]["action"] == "cycle.launched"
    table = debates("history", str(cycle.id))
    assert table.code == 0 and "baseline corrigée (summary)" in table.out


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["999", "baseline", "--set", "summary=x", "--reason", "r"], "No cycle with id 999"),
        (["{id}", "schedule", "--set", "sessions=[]", "--reason", "r"], "use 'debates submit'"),
        (["{id}", "baseline", "--set", "summary=x"], "--reason"),
        (
            ["{id}", "baseline", "--set", "communities=['" + "x" * 201 + "']", "--reason", "r"],
            "communities",
        ),
        (["{id}", "minutes-7", "--set", "summary=x", "--reason", "r"], "minutes-7"),
    ],
    ids=["unknown-cycle", "not-recorded", "no-reason", "over-long", "unknown-step"],
)
def test_bad_input_is_one_line_naming_the_field_exit_1_and_no_row(
    session: Session, debates: Any, args: list[str], names: str
) -> None:
    cycle = with_baseline(session)
    before = events(session)

    result = debates("amend", *(a.replace("{id}", str(cycle.id)) for a in args))

    assert result.code == 1
    assert names in result.err
    assert result.err.count("Error:") == 1, result.err  # then one line per field, if any
    assert events(session) == before
