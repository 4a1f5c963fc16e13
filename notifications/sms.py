"""The short variant of every message, for SMS-type channels: GSM-7 and a segment budget.

A channel is SMS-type when its scheme is one of the policy's `quiet_schemes` (twilio, bulksms,
whatsapp …: the same list that waits out quiet hours). Such a channel gets the template
`<lang>/sms/<name>.txt.j2` instead of the e-mail-sized one: one line, no greeting, no title; the
commune, the step, the date and who to call, in the reader's language. It is folded to GSM-7
(notifications/gsm.py) so it never falls back to UCS-2, and must fit its budget: one segment
(160 characters) for reminders, overdue notices and escalations, two for invitations and team
notices. A link goes in only when `DEBATES_UI_URL` is set, and only when the text still fits
with it; `gsm.fit` cuts at a word as a last resort (the preview test checks no template needs it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from models.policy import ReminderPolicy
from models.reminders.rules import Message
from notifications.gsm import cost, fit, fold
from notifications.render import DEFAULT_LOCALE, LOCALES, environment

if TYPE_CHECKING:
    from notifications.recipients import Directory, Person

_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")  # '28 sept..' (an abbreviation ends a sentence)

INVITATION = "invitation"
PLAN_NOTICE = "plan_notice"

TWO_SEGMENTS = frozenset(
    {
        Message.TEAM_ASSIGNED.value,
        Message.TEAM_RELEASED.value,
        Message.TEAM_UNASSIGNED.value,
        Message.TEAM_EXTENDED.value,
        INVITATION,
        PLAN_NOTICE,
    }
)
TEMPLATES = (*(m.value for m in Message), INVITATION, PLAN_NOTICE)
"""Every SMS template: one per message, and the two documents that go to people (the session's
invitation, the validated plan's notice)."""


def budget(name: str) -> int:
    """Segments the SMS of template `name` may take."""
    return 2 if name in TWO_SEGMENTS else 1


def is_sms(channel: str, policy: ReminderPolicy) -> bool:
    """Whether a channel (its Apprise scheme) is SMS-type, by the policy's list."""
    return channel.lower() in {s.lower() for s in policy.quiet_schemes}


def render_sms(name: str, locale: str, *, link: str = "", **variables: Any) -> str:
    """The SMS of template `name` in `locale` (French when the locale has none), folded to GSM-7,
    within its budget; with `link` at the end only if it still fits."""
    language = locale if locale in LOCALES else DEFAULT_LOCALE
    template = environment().get_template(f"{language}/sms/{name}.txt.j2")
    segments = budget(name)
    for url in (link, "") if link else ("",):
        text = fold(_DOUBLE_STOP.sub(".", " ".join(template.render(link=url, **variables).split())))
        if cost(text).segments <= segments:
            return text
    return fit(text, segments)


@dataclass(frozen=True)
class SmsOptions:
    """What an SMS adds to its template's data: the link (only with DEBATES_UI_URL) and the
    name of who to call."""

    link: str
    contact: str


def who_to_call(directory: Directory, reader: Person, region_pcode: str) -> str:
    """The name an SMS gives to call: a coordinator of the cycle's region other than the reader,
    else a manager other than the reader; '' when there is none."""
    for person in (*directory.coordinators.get(region_pcode, []), *directory.managers):
        if person.id != reader.id or person.kind != reader.kind:
            return person.name
    return ""
