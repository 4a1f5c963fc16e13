"""The cycle plan is a pure function of the launch date and the policy; the policy file is validated."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from models.clock import BAMAKO
from models.cycle.cycle import Cycle, Step
from models.cycle.plan import plan_cycle
from models.cycle.steps import Stage
from models.errors import InvalidInput
from models.policy import DEFAULT_POLICY_FILE, CyclePolicy, load_policy
from models.stages.sessions import shift_session


def test_default_policy_file_matches_the_model_defaults() -> None:
    assert load_policy(DEFAULT_POLICY_FILE).cycle == CyclePolicy()


def test_plan_walks_the_five_stages_before_the_follow_up_in_order_with_policy_due_dates() -> None:
    steps = plan_cycle(date(2026, 3, 2), CyclePolicy())
    assert [s.name for s in steps] == [
        "baseline",
        "schedule",
        "session-1",
        "minutes-1",
        "session-2",
        "minutes-2",
        "plan",
        "handover",
    ]
    assert [s.position for s in steps] == list(range(1, 9))
    stages_seen = list(dict.fromkeys(s.stage for s in steps))
    assert stages_seen == list(Stage)[:-1]  # the follow-up's visits come with the handover
    assert list(Stage)[-1] == Stage.FOLLOW_UP
    due = {s.name: s.due_at for s in steps}
    assert due["baseline"] == datetime(2026, 3, 23, 18, 0, tzinfo=BAMAKO)
    assert due["schedule"] - due["baseline"] == timedelta(days=7)
    assert due["session-1"] - due["schedule"] == timedelta(days=14)
    assert due["minutes-1"] - due["session-1"] == timedelta(days=5)
    assert due["session-2"] - due["session-1"] == timedelta(days=14)
    assert due["plan"] - due["minutes-2"] == timedelta(days=14)
    assert due["handover"] - due["plan"] == timedelta(days=7)
    assert all(s.due_at.tzinfo is not None for s in steps)


def test_number_of_sessions_comes_from_the_policy() -> None:
    steps = plan_cycle(date(2026, 3, 2), CyclePolicy(debate_sessions=3, session_interval_days=3))
    names = [s.name for s in steps]
    assert names.count("session-3") == 1
    assert names.count("minutes-3") == 1
    # With sessions three days apart, session 2 falls before minutes 1 is due: order is by due date.
    assert names.index("session-2") < names.index("minutes-1")


def test_postponing_a_session_moves_it_and_every_later_step_by_the_same_delay() -> None:
    cycle = Cycle(
        steps=[
            Step(name=s.name, stage=s.stage.value, due_at=s.due_at, status="pending")
            for s in plan_cycle(date(2026, 3, 2), CyclePolicy())
        ]
    )
    before = {s.name: s.due_at for s in cycle.steps}
    shift_session(cycle, 1, datetime(2026, 4, 20, 9, 0, tzinfo=BAMAKO))
    after = {s.name: s.due_at for s in cycle.steps}
    delay = after["session-1"] - before["session-1"]
    assert delay == timedelta(days=7)
    for name in ("minutes-1", "session-2", "minutes-2", "plan", "handover"):
        assert after[name] - before[name] == delay
    assert after["baseline"] == before["baseline"]
    assert after["schedule"] == before["schedule"]


def test_policy_file_with_a_bad_value_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[cycle]\ndebate_sessions = 0\nbaseline_dayz = 3\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_policy(path)
    message = str(caught.value)
    assert "field cycle.debate_sessions: Input should be greater than or equal to 1" in message
    assert "field cycle.baseline_dayz: Extra inputs are not permitted" in message


def test_policy_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[cycle\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="is not valid TOML"):
        load_policy(path)
