"""What each tracked item answers in `debates actions`, and the plan's `--template` listing the
grievances its actions may answer."""

from __future__ import annotations

import json

import yaml
from sqlalchemy.orm import Session

from models.cycle.stepflow import parse_submission
from models.stages.safety_plan import SafetyPlanSubmission
from tests.models.test_plan_answers import up_to


def test_actions_show_what_each_item_answers_a_sensitive_grievance_by_number(  # type: ignore[no-untyped-def]
    debates, session: Session
) -> None:
    cycle = up_to(session, "handover")
    session.commit()
    rows = json.loads(debates("actions", "--cycle", str(cycle.id), "--json").out)
    assert rows[0]["answers"] == [
        {"grievance": "1.1", "theme": "accès à l'eau"},
        {"grievance": "1.2", "theme": None},
    ]
    table = debates("actions", "--cycle", str(cycle.id))
    assert table.code == 0, table.err
    assert "1.1 accès à l'eau · 1.2 (sensible)" in table.out
    assert "exactions" not in table.out


def test_the_plan_template_lists_the_grievances_and_filled_in_it_validates(  # type: ignore[no-untyped-def]
    debates, session: Session
) -> None:
    cycle = up_to(session, "minutes-2")
    session.commit()
    shown = debates("submit", str(cycle.id), "plan", "--template")
    assert shown.code == 0, shown.err
    assert (
        "the minutes' grievances: 1.1 accès à l'eau · 1.2 (sensible / sensitive) · "
        "2.1 (sensible / sensitive)"
    ) in shown.out
    assert "exactions" not in shown.out
    data = yaml.safe_load(shown.out)
    action = data["actions"][0]
    assert action["answers"] == []
    data["validated_by"] = "Comité communal de sécurité"
    data["actions"][0] = {name: value or "Baliser" for name, value in action.items()} | {
        "answers": ["1.2"]
    }
    parsed = parse_submission("plan", data)
    assert isinstance(parsed, SafetyPlanSubmission) and parsed.actions[0].answers == ["1.2"]
