"""State transitions are pure; an illegal one says what is allowed."""

from __future__ import annotations

import pytest

from models.cycle.transitions import StepStatus, check_cycle, check_step
from models.errors import IllegalTransition


def test_a_waiting_step_can_be_done_or_flagged_overdue() -> None:
    assert check_step("baseline", "active", "done") is StepStatus.DONE
    assert check_step("baseline", "active", "overdue") is StepStatus.OVERDUE
    assert check_step("baseline", "overdue", "done") is StepStatus.DONE


def test_a_done_step_is_final() -> None:
    with pytest.raises(
        IllegalTransition, match="'baseline' cannot go from done to active; done is final"
    ):
        check_step("baseline", "done", "active")


def test_a_pending_step_cannot_jump_to_done_and_the_error_lists_the_options() -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_step("minutes-1", "pending", "done")
    assert "allowed from pending: active, cancelled, overdue, skipped" in str(caught.value)


def test_a_completed_cycle_cannot_be_cancelled() -> None:
    assert check_cycle("Diré #1", "active", "cancelled").value == "cancelled"
    with pytest.raises(IllegalTransition, match="completed is final"):
        check_cycle("Diré #1", "completed", "cancelled")
