"""The plan's Resume form in the Prefect UI: its description lists the grievances an action may
answer, a sensitive one by its number only (the description is stored in Prefect's database)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from flows.waiting import describe
from models.cycle.stepflow import open_step
from tests.models.test_plan_answers import NOW, up_to


def test_the_plan_form_lists_the_grievances_to_answer_a_sensitive_one_by_number(
    session: Session,
) -> None:
    cycle = up_to(session, "minutes-2")
    waiting = open_step(session, cycle.id, actor="flow", now=NOW)
    assert waiting is not None and waiting.name == "plan"
    text = describe(waiting, [])
    assert (
        "- `1.1` accès à l'eau\n- `1.2` (sensible / sensitive)\n- `2.1` (sensible / sensitive)"
        in text
    )
    assert "exactions" not in text and "foncier" not in text
