"""The reminder rules are pure: policy + now + step -> which rules are due. No database here."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from models.errors import InvalidInput
from models.policy import DEFAULT_POLICY_FILE, Policy, ReminderPolicy, load_policy
from models.reminders.due import (
    Audience,
    OpenStep,
    due_rules,
    escalation_level,
    horizon,
    in_quiet_hours,
    owner_schedule,
    quiet_schemes_now,
)
from models.reminders.rules import Message, message_for

DUE = datetime(2026, 4, 13, 18, 0, tzinfo=UTC)  # Bamako is UTC+0
POLICY = ReminderPolicy()


def step(stage: str = "baseline", due_at: datetime = DUE) -> OpenStep:
    return OpenStep(
        step_id=1,
        cycle_id=1,
        stage=stage,
        name="baseline",
        status="pending",
        owner_role="coordinator",
        facilitator_id=None,
        due_at=due_at,
        escalation_level=0,
        region_pcode="ML06",
    )


def rules_at(now: datetime, *, so_far: int = 0, policy: ReminderPolicy = POLICY) -> list[str]:
    return [r.rule for r in due_rules(step(), policy, now, owner_reminders_so_far=so_far)]


def test_nothing_is_due_before_the_first_reminder_day() -> None:
    assert rules_at(datetime(2026, 4, 6, 7, 59, tzinfo=UTC)) == []


def test_the_seven_day_reminder_goes_from_eight_in_the_morning_seven_days_before() -> None:
    assert rules_at(datetime(2026, 4, 6, 8, 0, tzinfo=UTC)) == ["before-7d"]
    assert rules_at(datetime(2026, 4, 11, 23, 0, tzinfo=UTC)) == ["before-7d"]


def test_only_the_latest_owner_reminder_is_due_never_a_backlog() -> None:
    assert rules_at(datetime(2026, 4, 12, 9, 0, tzinfo=UTC)) == ["before-1d"]
    assert rules_at(datetime(2026, 4, 13, 9, 0, tzinfo=UTC)) == ["due-today"]


def test_overdue_reminders_repeat_every_interval_after_the_due_time() -> None:
    assert rules_at(DUE + timedelta(minutes=1)) == ["overdue-1"]
    assert rules_at(DUE + timedelta(days=2)) == ["overdue-2"]
    assert rules_at(DUE + timedelta(days=2, hours=-1)) == ["overdue-1"]


def test_the_ladder_goes_to_the_coordinator_then_the_manager() -> None:
    assert rules_at(DUE + timedelta(days=3)) == ["overdue-2", "escalation-coordinator"]
    assert rules_at(DUE + timedelta(days=7)) == [
        "overdue-4",
        "escalation-coordinator",
        "escalation-manager",
    ]
    found = due_rules(step(), POLICY, DUE + timedelta(days=7), owner_reminders_so_far=0)
    assert [r.audience for r in found] == [Audience.OWNER, Audience.COORDINATOR, Audience.MANAGER]
    assert escalation_level(r.rule for r in found) == 2


def test_the_owner_gets_no_more_than_max_per_step_but_escalations_still_go() -> None:
    assert rules_at(DUE + timedelta(days=7), so_far=POLICY.max_per_step) == [
        "escalation-coordinator",
        "escalation-manager",
    ]


def test_a_step_planned_late_gets_only_the_reminders_still_ahead() -> None:
    schedule = owner_schedule(DUE, POLICY, DUE - timedelta(hours=1))
    assert [rule for _at, rule in schedule] == ["before-7d", "before-1d", "due-today"]
    assert rules_at(DUE - timedelta(hours=1)) == ["due-today"]


def test_stage_overrides_change_offsets_and_ladder_for_that_stage_only() -> None:
    policy = load_policy().reminders
    facilitation = policy.for_stage("facilitation")
    assert facilitation.offsets_days == [14, 7, 1]
    assert policy.for_stage("minutes").coordinator_after_days == 2
    assert policy.for_stage("baseline").offsets_days == [7, 1]
    early = DUE - timedelta(days=14) + timedelta(hours=-9)
    assert [
        r.rule for r in due_rules(step("facilitation"), policy, early, owner_reminders_so_far=0)
    ] == ["before-14d"]
    assert horizon(policy, DUE) == DUE + timedelta(days=15)


def test_quiet_hours_span_midnight_in_bamako_and_hold_only_sms_type_channels() -> None:
    night = datetime(2026, 4, 13, 22, 30, tzinfo=UTC)
    morning = datetime(2026, 4, 14, 7, 0, tzinfo=UTC)
    assert in_quiet_hours(night, POLICY)
    assert in_quiet_hours(datetime(2026, 4, 14, 6, 59, tzinfo=UTC), POLICY)
    assert not in_quiet_hours(morning, POLICY)
    assert "twilio" in quiet_schemes_now(night, POLICY)
    assert "whatsapp" in quiet_schemes_now(night, POLICY)
    assert "mailto" not in quiet_schemes_now(night, POLICY)
    assert "twilio" not in quiet_schemes_now(morning, POLICY)


def test_each_rule_has_a_message_template() -> None:
    assert message_for("before-7d") == Message.REMINDER
    assert message_for("due-today") == Message.DUE_TODAY
    assert message_for("overdue-3") == Message.OVERDUE
    assert message_for("escalation-coordinator") == Message.ESCALATION_COORDINATOR
    assert message_for("escalation-manager") == Message.ESCALATION_MANAGER
    assert message_for("assignment") == Message.ASSIGNMENT
    assert message_for("unreachable:12") == Message.UNREACHABLE


def test_the_documented_policy_file_is_valid_and_keeps_the_global_defaults() -> None:
    policy = load_policy(DEFAULT_POLICY_FILE)
    assert policy.reminders.model_copy(update={"stages": {}}) == ReminderPolicy()
    assert Policy().reminders.send_from == time(8, 0)


def test_a_ladder_out_of_order_is_refused_with_the_field_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        "[reminders]\ncoordinator_after_days = 5\n[reminders.stages.minutes]\n"
        "manager_after_days = 2\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as caught:
        load_policy(path)
    assert "stages.minutes.manager_after_days (2)" in str(caught.value)
    assert "make manager_after_days the larger" in str(caught.value)


def test_an_unknown_stage_override_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[reminders.stages.debate]\nmax_per_step = 2\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="unknown stage debate"):
        load_policy(path)
