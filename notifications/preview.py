"""Every message rendered with sample data, as `debates messages preview` shows it.

The sample is the hardest real case: the longest commune name of the shipped registry (as messages
write it, `registry.display_name`), with its cercle and region, the longest step names, long
people's names, two-digit counts and a September date. An SMS template that fits its budget here
fits it for every commune of Mali.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from models.clock import BAMAKO
from models.geography.registry import REGION_FR, display_name
from models.reminders.rules import Message
from models.settings import SHIPPED_COMMUNES
from notifications.documents.content import PlaceView
from notifications.documents.render import render as render_document
from notifications.gsm import Encoding, cost
from notifications.render import LOCALES, MessageContext, Moved, render
from notifications.sms import INVITATION, PLAN_NOTICE, TEMPLATES, budget, render_sms

CHANNELS = ("sms", "email")
SAMPLE_PERSON = "Fatoumata Walet Mohamed Ag Intalla"
SAMPLE_CONTACT = "Mohamed Ould Sidi Mahamane Touré"
SAMPLE_LINK = "https://debates.amm-mali.org/runs/flow-run/8f14e45f-ceea-467a-9575-2b3c5e0e3d1a"


@dataclass(frozen=True)
class Preview:
    template: str
    locale: str
    channel: str
    text: str
    encoding: Encoding
    segments: int
    length: int
    budget: int | None  # segments allowed (SMS only)

    def as_json(self) -> dict[str, object]:
        return {
            "template": self.template,
            "locale": self.locale,
            "channel": self.channel,
            "text": self.text,
            "encoding": self.encoding.value,
            "segments": self.segments,
        }


def longest_place() -> tuple[str, str, str]:
    """(commune, cercle, region) of the commune whose name, as messages write it, is longest."""
    with SHIPPED_COMMUNES.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))

    def names(row: dict[str, str]) -> tuple[str, str, str]:
        # The longest of its spellings (the registry's, the accented French one, the displayed
        # one): a later registry may display the French spelling where this one keeps OCHA's.
        spellings = (row["commune"], row.get("commune_fr") or "")
        return (
            max((*spellings, display_name(*spellings)), key=len),
            display_name(row["cercle"], row.get("cercle_fr") or None),
            display_name(row["region"], REGION_FR.get(row["region_pcode"])),
        )

    return max((names(row) for row in rows), key=lambda n: (len(n[0]), len(n[1]), n))


def sample_context(step_name: str = "schedule", *, link: str = SAMPLE_LINK) -> MessageContext:
    commune, cercle, region = longest_place()
    due = datetime(2026, 9, 28, 18, 0, tzinfo=BAMAKO)
    return MessageContext(
        recipient=SAMPLE_PERSON,
        step_name=step_name,
        step_title="Programmer les débats et affecter les facilitateurs",
        session_number=None,
        area=commune,
        commune=commune,
        cercle=cercle,
        region=region,
        due_at=due,
        days_left=14,
        days_overdue=13,
        owner=SAMPLE_CONTACT,
        link=link,
        ref=123456,
        unreachable=SAMPLE_PERSON,
        unreachable_channel="twilio",
        attempts=4,
        team_role="lead",
        reason="",
        slip_days=27,
        moved=Moved(
            step_name="handover",
            step_title="Remettre le plan local de sécurité au maire",
            session_number=None,
            from_at=due,
            to_at=due + timedelta(days=21),
            days=21,
        ),
        item="Installer un comité de veille dans chaque village de la commune",
        item_number=12,
        item_commitment=False,
        progress=75,
        cycle_id=42,
        contact=SAMPLE_CONTACT,
    )


def sample_documents() -> dict[str, object]:
    """Stand-ins for the views an invitation and a plan notice render (same fields, sample data)."""
    from notifications.documents.content import InvitationView, PlanActionView, SafetyPlanView

    commune, cercle, region = longest_place()
    place = PlaceView(commune=commune, cercle=cercle, region=region, pcode="ML000000")
    starts = datetime(2026, 9, 28, 9, 30, tzinfo=BAMAKO)
    invitation = InvitationView(
        place=place,
        cycle_sequence=2,
        session_number=2,
        starts_at=starts,
        ends_at=starts + timedelta(hours=4),
        venue="Salle de réunion de la mairie",
        venue_commune=commune,
        language="taq",
        facilitators=(SAMPLE_PERSON, SAMPLE_CONTACT),
        revision=1,
        cancelled=False,
        change_reason=None,
        uid="sample",
    )
    plan = SafetyPlanView(
        place=place,
        cycle_sequence=2,
        status="validated",
        validated_by=SAMPLE_CONTACT,
        validated_on=date(2026, 9, 28),
        handed_over_at=None,
        received_by=None,
        actions=tuple(
            PlanActionView(
                priority=n,
                risk="",
                action="",
                responsible_party="",
                deadline=date(2027, 3, 1),
                resources="",
                indicator="",
            )
            for n in range(1, 13)
        ),
        annexed_minutes=(),
    )
    return {INVITATION: invitation, PLAN_NOTICE: plan}


def _sms(template: str, locale: str, context: MessageContext, docs: dict[str, object]) -> str:
    if template in docs:
        return render_sms(
            template, locale, link=context.link, doc=docs[template], contact=SAMPLE_CONTACT
        )
    # The longest reason a team notice can carry is the matcher's, worded (a sample of one).
    reason = "un·e seul·e facilitateur·rice parle tamasheq" if locale == "fr" else ""
    filled = replace(context, reason=reason or "only one facilitator speaks Tamasheq")
    return render_sms(template, locale, link=context.link, c=filled)


def _email(template: str, locale: str, context: MessageContext, docs: dict[str, object]) -> str:
    if template == INVITATION:
        return render_document("invitation", "txt", locale, doc=docs[template])
    if template == PLAN_NOTICE:
        return render_document(
            "plan_notice", "txt", locale, doc=docs[template], recipient=SAMPLE_PERSON, attached=True
        )
    rendered = render(Message(template), locale, context)
    return f"{rendered.title}\n\n{rendered.body}"


def previews(
    channels: tuple[str, ...] = CHANNELS,
    locales: tuple[str, ...] = LOCALES,
    *,
    link: str = "",
) -> list[Preview]:
    """Every template × locale × channel rendered with the sample (a link only when given, as
    only a configured DEBATES_UI_URL gives one)."""
    docs = sample_documents()
    out: list[Preview] = []
    for channel in channels:
        for locale in locales:
            for template in TEMPLATES:
                context = sample_context(link=link)
                sms = channel == "sms"
                text = (_sms if sms else _email)(template, locale, context, docs).strip()
                spent = cost(text)
                out.append(
                    Preview(
                        template=template,
                        locale=locale,
                        channel=channel,
                        text=text,
                        encoding=spent.encoding,
                        segments=spent.segments,
                        length=len(text),
                        budget=budget(template) if sms else None,
                    )
                )
    return out
