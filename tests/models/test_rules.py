"""Notification rules: typed values whose text is the ledger key, byte for byte as stored so far."""

from __future__ import annotations

import pytest

from models.errors import DomainError
from models.reminders.rules import (
    INVITATION_PREFIX,
    KINDS,
    Assignment,
    Before,
    DueToday,
    EscalationCoordinator,
    EscalationManager,
    Invite,
    InviteCancel,
    ItemBefore,
    ItemEscalation,
    ItemIdle,
    ItemOverdue,
    Message,
    Overdue,
    PlanSent,
    Rule,
    TeamAssigned,
    TeamExtended,
    TeamReleased,
    TeamUnassigned,
    Unreachable,
    invitation_rule,
    parse_rule,
    team_change,
)

STORED: list[tuple[str, Rule]] = [
    ("before-7d", Before(7)),
    ("before-14d", Before(14)),
    ("due-today", DueToday()),
    ("overdue-3", Overdue(3)),
    ("escalation-coordinator", EscalationCoordinator()),
    ("escalation-manager", EscalationManager()),
    ("assignment", Assignment()),
    ("unreachable:12", Unreachable(12)),
    ("team-assigned:40", TeamAssigned(40)),
    ("team-released:41", TeamReleased(41)),
    ("team-unassigned:42", TeamUnassigned(42)),
    ("team-extended:43", TeamExtended(43)),
    ("invite-c12-s1-r0", Invite(12, 1, 0)),
    ("invite-c12-s1-cancel", InviteCancel(12, 1)),
    ("plan-c12", PlanSent(12)),
    ("item-7-before-7d", ItemBefore(7, 7)),
    ("item-7-overdue-2", ItemOverdue(7, 2)),
    ("item-7-escalation", ItemEscalation(7)),
    ("item-7-idle-739800", ItemIdle(7, 739800)),
]


@pytest.mark.parametrize(("text", "rule"), STORED)
def test_a_rule_formats_to_the_stored_text_and_parses_back(text: str, rule: Rule) -> None:
    assert str(rule) == text
    assert parse_rule(text) == rule


def test_every_kind_is_covered_and_only_documents_lack_a_message() -> None:
    assert {type(rule) for _text, rule in STORED} == set(KINDS)
    without = {type(rule) for _text, rule in STORED if rule.MESSAGE is None}
    assert without == {Invite, InviteCancel, PlanSent}
    assert parse_rule("before-1d").MESSAGE is Message.REMINDER
    assert [r.OWNER_REMINDER for r in (Before(1), DueToday(), Overdue(1), Assignment())] == [
        True,
        True,
        True,
        False,
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "before-7",
        "before-07d",
        "overdue-",
        "team-fired:3",
        "invite-c1-s2",
        "unreachable:x",
        "Due-today",
    ],
)
def test_a_text_of_no_rule_is_refused_naming_it_and_the_forms_allowed(text: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_rule(text)
    message = str(caught.value)
    assert message.startswith(f"Unknown notification rule '{text}'; rules are before-<days>d, ")
    assert "invite-c<cycle_id>-s<session>-cancel" in message


def test_constructors_and_sql_prefixes_match_the_stored_forms() -> None:
    assert str(team_change("released", 9)) == "team-released:9"
    assert str(invitation_rule(12, 2, 1, cancelled=False)) == "invite-c12-s2-r1"
    assert str(invitation_rule(12, 2, 1, cancelled=True)) == "invite-c12-s2-cancel"
    assert InviteCancel.prefix() == INVITATION_PREFIX == "invite-c"
    assert TeamAssigned.sql_like() == "team-assigned:%"
    assert Before.sql_like() == "before-%"
