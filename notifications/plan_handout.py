"""The validated safety plan, sent to the commune's office holders (mayor, security focal point,
chiefs, leads) once each: rule `plan-c<cycle>` in the notification ledger.

Claimed by the cycle flow right after the plan is recorded (notifications.invitations
`claim_invitations`, which claims a cycle's documents for people) and by the hourly sweep, which
also retries what failed. Each office holder gets the notice in their own language; an e-mail
carries the plan itself as an HTML attachment, other channels say where to ask for a copy.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from models.reminders.ledger import Notification
from models.settings import get_settings
from notifications.dispatch import Delivery
from notifications.documents.build import build_safety_plan
from notifications.documents.content import safety_plan_view
from notifications.documents.render import LOCALES, label, render
from notifications.recipients import Person
from notifications.sms import PLAN_NOTICE, SmsOptions, render_sms

EMAIL_SCHEMES = ("mailto", "mailtos")


def document_locale(locale: str) -> str:
    """The person's language when documents have it; French otherwise."""
    return locale if locale in LOCALES else LOCALES[0]


def plan_delivery(
    session: Session,
    note: Notification,
    cycle_id: int,
    person: Person,
    url: str,
    now: datetime,
    short: SmsOptions | None = None,
) -> Delivery:
    """The plan's notice in the person's language; by e-mail with the plan's HTML attached (the
    latest revision, rendered and stored in that language if it was not yet); its short variant
    on an SMS-type channel (`short`)."""
    locale = document_locale(person.locale)
    email = note.channel.lower() in EMAIL_SCHEMES
    view = safety_plan_view(session, cycle_id)
    if short is not None:
        text = render_sms(PLAN_NOTICE, locale, link=short.link, doc=view, contact=short.contact)
        return Delivery(note.id, note.channel, "", text, url=url)
    attachments: tuple[str, ...] = ()
    if email:
        data_dir = get_settings().data_dir
        built = build_safety_plan(session, cycle_id, locale=locale, data_dir=data_dir, now=now)
        attachments = (str(data_dir / built.path("html")),)
    text = render("plan_notice", "txt", locale, doc=view, recipient=person.name, attached=email)
    subject = label(locale, "plan_subject", view)
    return Delivery(
        note.id, note.channel, subject, text.strip() + "\n", url=url, attachments=attachments
    )
