"""Messages from templates: one Jinja2 file per message per language, StrictUndefined.

A template defines a `title` block and a `body` block. The context is a `MessageContext`: the
step, the place, the dates, the link and the people's names; nothing from minutes or baseline
studies, so a sensitive grievance cannot reach a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, Template

from models.clock import BAMAKO
from models.language import language_name
from models.reminders.rules import Message
from notifications.templating import template_environment

TEMPLATES = Path(__file__).resolve().parent / "templates"
LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"

_MONTHS = {
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}

_SHORT_MONTHS_FR = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


@dataclass(frozen=True)
class MessageContext:
    """Everything a template may say. Plain data; no secret, no grievance."""

    recipient: str
    step_name: str
    step_title: str
    session_number: int | None
    area: str
    commune: str | None
    cercle: str
    region: str
    due_at: datetime
    days_left: int
    days_overdue: int
    owner: str | None
    link: str
    ref: int
    unreachable: str = ""
    unreachable_channel: str = ""
    attempts: int = 0
    team_role: str = ""  # 'lead' or 'co' in a team notice
    reason: str = ""  # why a team changed, or why nobody fits
    slip_days: int = 0  # how far the cycle is behind its launch plan (escalations)
    moved: Moved | None = None  # the step `debates extend` moved (team_extended)
    item: str = ""  # a tracked item's action (item rules)
    item_number: int = 0
    item_commitment: bool = False  # a session's commitment, not one of the plan's actions
    progress: int = 0
    cycle_id: int = 0
    contact: str = ""  # who to call about it (an SMS names them): the region's coordinator …


@dataclass(frozen=True)
class Moved:
    """A step moved by an extension: which, from which due date to which, by how many days
    (`step_name`, `step_title`, `session_number` as a context has them, for the step macros)."""

    step_name: str
    step_title: str
    session_number: int | None
    from_at: datetime
    to_at: datetime
    days: int


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str


def date_fr(value: datetime) -> str:
    day = value.astimezone(BAMAKO)
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {_MONTHS['fr'][day.month - 1]} {day.year}"


def date_en(value: datetime) -> str:
    day = value.astimezone(BAMAKO)
    return f"{day.day} {_MONTHS['en'][day.month - 1]} {day.year}"


def hour(value: datetime) -> str:
    return value.astimezone(BAMAKO).strftime("%H:%M")


def short_fr(value: datetime) -> str:
    """A day as an SMS says it in French: '1er mars', '28 sept.' (the hour is the policy's
    `due_time` for every step; an invitation adds its own)."""
    day = value.astimezone(BAMAKO)
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {_SHORT_MONTHS_FR[day.month - 1]}"


def short_en(value: datetime) -> str:
    """A day as an SMS says it in English: '1 Mar', '28 Sep'."""
    day = value.astimezone(BAMAKO)
    return f"{day.day} {_MONTHS['en'][day.month - 1][:3]}"


@lru_cache(maxsize=1)
def environment() -> Environment:
    # Plain-text messages: no autoescape.
    return template_environment(
        TEMPLATES,
        keep_trailing_newline=False,
        filters={
            "date_fr": date_fr,
            "date_en": date_en,
            "hour": hour,
            "short_fr": short_fr,
            "short_en": short_en,
            "language_name": language_name,
        },
    )


@lru_cache(maxsize=32)
def template(message: Message, locale: str) -> Template:
    language = locale if locale in LOCALES else DEFAULT_LOCALE
    return environment().get_template(f"{language}/{message.value}.txt.j2")


def render(message: Message, locale: str, context: MessageContext) -> Rendered:
    """The title and body of `message` in `locale` (French when the locale has no templates)."""
    tpl = template(message, locale)
    variables = tpl.new_context({"c": context})
    title = "".join(tpl.blocks["title"](variables)).strip()
    body = "".join(tpl.blocks["body"](variables)).strip() + "\n"
    return Rendered(title=" ".join(title.split()), body=body)
