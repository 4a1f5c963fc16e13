"""Notification rules: what a ledger row is for, as a typed value with a stable text form.

The text is part of the ledger's unique key (step, rule, recipient, due date), so each kind writes
exactly the text stored so far and `parse_rule` reads it back:

    before-7d, before-1d   reminders on the days before the due day (from `send_from`)
    due-today              on the due day (from `send_from`)
    overdue-1, overdue-2 … once the step is overdue, then every `overdue_repeat_days`
    escalation-coordinator after `coordinator_after_days` overdue
    escalation-manager     after `manager_after_days` overdue
    assignment             once a facilitator is assigned to a step
    unreachable:<id>       a person could not be reached after the retry limit (<id>: the notification)
    team-assigned:<event>, team-released:<event>, team-unassigned:<event>
                           a team change the matcher recorded (audit event 'team.notify.<kind>')
    team-extended:<event>  a step moved by `debates extend`, told to one team member
    invite-c<cycle>-s<n>-r<revision>, invite-c<cycle>-s<n>-cancel
                           a session's invitation (or cancellation) to its team, coordinators and
                           the commune's office holders
    plan-c<cycle>          the validated safety plan, to the commune's office holders (once)
    item-<id>-before-7d, item-<id>-overdue-1 …
                           a tracked item's reminders to its owner, before and after its deadline
    item-<id>-escalation   a tracked item overdue `item_coordinator_after_days`: its coordinators
    item-<id>-idle-<day>   a nudge to the owner of an item not updated since <day> (date ordinal)

Each kind's text comes from its `TEMPLATE`, whose `{fields}` are whole numbers written without
leading zeros; the same template is the parser, so format and parse cannot drift apart. The module
is just over 300 lines on purpose: every kind stays in this one list (KINDS), which parses them all.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import ClassVar

from models.errors import DomainError


class UnknownRule(DomainError):
    """A ledger rule text that is none of the forms rules take."""


class Message(enum.StrEnum):
    """Which template a rule uses (notifications/templates/<lang>/<message>.txt.j2)."""

    ASSIGNMENT = "assignment"
    REMINDER = "reminder"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    ESCALATION_COORDINATOR = "escalation_coordinator"
    ESCALATION_MANAGER = "escalation_manager"
    UNREACHABLE = "unreachable"
    TEAM_ASSIGNED = "team_assigned"
    TEAM_RELEASED = "team_released"
    TEAM_UNASSIGNED = "team_unassigned"
    TEAM_EXTENDED = "team_extended"
    ITEM_REMINDER = "item_reminder"
    ITEM_OVERDUE = "item_overdue"
    ITEM_ESCALATION = "item_escalation"
    ITEM_IDLE = "item_idle"


_FIELD = re.compile(r"\{(\w+)\}")


@lru_cache(maxsize=65536)
def _text(rule: Rule) -> str:
    """A rule's stored text, once per distinct rule (the sweep asks for it per step and recipient:
    `dataclasses.fields` each time was a third of its selection's time)."""
    return rule.TEMPLATE.format(**{f.name: getattr(rule, f.name) for f in fields(rule)})  # type: ignore[arg-type]


class Rule:
    """Base of every rule kind: `str()` is the stored text."""

    TEMPLATE: ClassVar[str]
    MESSAGE: ClassVar[Message | None] = None
    # The message template; None for invitations, which are documents (notifications/documents).
    OWNER_REMINDER: ClassVar[bool] = False
    """Counts towards the policy's `max_per_step`."""

    def __str__(self) -> str:
        return _text(self)

    @classmethod
    def prefix(cls) -> str:
        """The fixed text every rule of this kind starts with (for a SQL LIKE over the ledger)."""
        return cls.TEMPLATE.split("{", 1)[0]

    @classmethod
    def sql_like(cls) -> str:
        """A LIKE pattern for every rule of this kind: its prefix, then anything."""
        return f"{cls.prefix()}%"

    @classmethod
    def _pattern(cls) -> re.Pattern[str]:
        parts = _FIELD.split(cls.TEMPLATE)
        regex = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>0|[1-9][0-9]*)"
            for i, part in enumerate(parts)
        )
        return re.compile(regex)


@dataclass(frozen=True)
class Before(Rule):
    TEMPLATE = "before-{days}d"
    MESSAGE = Message.REMINDER
    OWNER_REMINDER = True
    days: int


@dataclass(frozen=True)
class DueToday(Rule):
    TEMPLATE = "due-today"
    MESSAGE = Message.DUE_TODAY
    OWNER_REMINDER = True


@dataclass(frozen=True)
class Overdue(Rule):
    TEMPLATE = "overdue-{count}"
    MESSAGE = Message.OVERDUE
    OWNER_REMINDER = True
    count: int


@dataclass(frozen=True)
class EscalationCoordinator(Rule):
    TEMPLATE = "escalation-coordinator"
    MESSAGE = Message.ESCALATION_COORDINATOR


@dataclass(frozen=True)
class EscalationManager(Rule):
    TEMPLATE = "escalation-manager"
    MESSAGE = Message.ESCALATION_MANAGER


@dataclass(frozen=True)
class Assignment(Rule):
    TEMPLATE = "assignment"
    MESSAGE = Message.ASSIGNMENT


@dataclass(frozen=True)
class Unreachable(Rule):
    TEMPLATE = "unreachable:{notification_id}"
    MESSAGE = Message.UNREACHABLE
    notification_id: int


@dataclass(frozen=True)
class TeamChange(Rule):
    """A team change the matcher recorded: `event_id` is its 'team.notify.<kind>' audit event."""

    event_id: int


@dataclass(frozen=True)
class TeamAssigned(TeamChange):
    TEMPLATE = "team-assigned:{event_id}"
    MESSAGE = Message.TEAM_ASSIGNED


@dataclass(frozen=True)
class TeamReleased(TeamChange):
    TEMPLATE = "team-released:{event_id}"
    MESSAGE = Message.TEAM_RELEASED


@dataclass(frozen=True)
class TeamUnassigned(TeamChange):
    TEMPLATE = "team-unassigned:{event_id}"
    MESSAGE = Message.TEAM_UNASSIGNED


@dataclass(frozen=True)
class TeamExtended(TeamChange):
    TEMPLATE = "team-extended:{event_id}"
    MESSAGE = Message.TEAM_EXTENDED


@dataclass(frozen=True)
class Invite(Rule):
    TEMPLATE = "invite-c{cycle_id}-s{session}-r{revision}"
    cycle_id: int
    session: int
    revision: int


@dataclass(frozen=True)
class InviteCancel(Rule):
    TEMPLATE = "invite-c{cycle_id}-s{session}-cancel"
    cycle_id: int
    session: int


@dataclass(frozen=True)
class PlanSent(Rule):
    TEMPLATE = "plan-c{cycle_id}"
    cycle_id: int


@dataclass(frozen=True)
class ItemRule(Rule):  # about one tracked item: its ledger rows carry `item_id`
    item_id: int


@dataclass(frozen=True)
class ItemBefore(ItemRule):
    TEMPLATE = "item-{item_id}-before-{days}d"
    MESSAGE = Message.ITEM_REMINDER
    days: int


@dataclass(frozen=True)
class ItemOverdue(ItemRule):
    TEMPLATE = "item-{item_id}-overdue-{count}"
    MESSAGE = Message.ITEM_OVERDUE
    count: int


@dataclass(frozen=True)
class ItemEscalation(ItemRule):
    TEMPLATE = "item-{item_id}-escalation"
    MESSAGE = Message.ITEM_ESCALATION


@dataclass(frozen=True)
class ItemIdle(ItemRule):
    TEMPLATE = "item-{item_id}-idle-{since}"
    MESSAGE = Message.ITEM_IDLE
    since: int  # the day (date.toordinal()) of the item's last update: one nudge per silence


Invitation = Invite | InviteCancel
KINDS: tuple[type[Rule], ...] = (
    Before,
    DueToday,
    Overdue,
    EscalationCoordinator,
    EscalationManager,
    Assignment,
    Unreachable,
    TeamAssigned,
    TeamReleased,
    TeamUnassigned,
    TeamExtended,
    Invite,
    InviteCancel,
    PlanSent,
    ItemBefore,
    ItemOverdue,
    ItemEscalation,
    ItemIdle,
)
TEAM_CHANGES: dict[str, type[TeamChange]] = {
    "assigned": TeamAssigned,
    "released": TeamReleased,
    "unassigned": TeamUnassigned,
    "extended": TeamExtended,
}
"""The kinds of 'team.notify.<kind>' audit events that are announced."""
INVITATION_PREFIX = Invite.prefix()
"""`invite-c`: the prefix both invitation kinds share (one LIKE over the ledger finds both)."""
RULE_FORMS = ", ".join(_FIELD.sub(lambda m: f"<{m[1]}>", kind.TEMPLATE) for kind in KINDS)
_PATTERNS = [(kind, kind._pattern()) for kind in KINDS]

DUE_TODAY = DueToday()
ESCALATION_COORDINATOR = EscalationCoordinator()
ESCALATION_MANAGER = EscalationManager()
ASSIGNMENT = Assignment()


@lru_cache(maxsize=4096)
def parse_rule(text: str) -> Rule:
    """The rule a ledger row's text names; UnknownRule names the text and the forms allowed."""
    for kind, pattern in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return kind(**{name: int(value) for name, value in match.groupdict().items()})
    raise UnknownRule(f"Unknown notification rule '{text}'; rules are {RULE_FORMS}")


def team_change(kind: str, event_id: int) -> TeamChange:
    """The rule announcing audit event `event_id` ('team.notify.<kind>')."""
    return TEAM_CHANGES[kind](event_id)


def invitation_rule(cycle_id: int, session: int, revision: int, cancelled: bool) -> Invitation:
    """invite-c12-s1-r0, invite-c12-s1-r1 after a postponement, invite-c12-s1-cancel. The cycle is
    in the rule so that (rule, recipient) names one session's revision: cycle 12's session 1 is
    not cycle 13's."""
    return InviteCancel(cycle_id, session) if cancelled else Invite(cycle_id, session, revision)


def message_for(rule: str) -> Message:
    """The template of the message a ledger row's rule sends (not for invitations: documents)."""
    parsed = parse_rule(rule)
    if parsed.MESSAGE is None:
        raise UnknownRule(f"rule '{rule}' is sent as a document, not as a message")
    return parsed.MESSAGE


def team_event_id(rule: str) -> int | None:
    """The audit event a team rule announces (None for other rules)."""
    parsed = parse_rule(rule)
    return parsed.event_id if isinstance(parsed, TeamChange) else None


def unreachable_about(rule: str) -> int | None:
    """The notification an 'unreachable' notice reports (None for other rules)."""
    parsed = parse_rule(rule)
    return parsed.notification_id if isinstance(parsed, Unreachable) else None


def is_owner_reminder(rule: str) -> bool:
    """Rules that count towards `max_per_step`."""
    return parse_rule(rule).OWNER_REMINDER


def invited_session(rule: str) -> int | None:
    """The session number an invitation rule is about (None for other rules)."""
    parsed = parse_rule(rule)
    return parsed.session if isinstance(parsed, Invitation) else None


def sent_plan(rule: str) -> int | None:
    """The cycle whose safety plan a rule sends (None for other rules)."""
    parsed = parse_rule(rule)
    return parsed.cycle_id if isinstance(parsed, PlanSent) else None
