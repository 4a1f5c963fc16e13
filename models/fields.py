"""Field types shared by the input schemas, with the checks a field worker would make."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr, StringConstraints

from models.clock import require_aware
from models.language import language_code

Moment = Annotated[datetime, AfterValidator(require_aware)]
"""A date and time with its timezone; stored in UTC."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
"""A person's name and role (who validated, who acts), as the people columns hold it: 120."""
LanguageCode = Annotated[
    str, BeforeValidator(lambda v: language_code(v) if isinstance(v, str) else v)
]


class Group(enum.StrEnum):
    """Participant groups a debate must hear; attendance is counted by group, never by name."""

    WOMEN = "women"
    YOUTH = "youth"
    TRADITIONAL_LEADERS = "traditional_leaders"
    RELIGIOUS_LEADERS = "religious_leaders"
    DISPLACED = "displaced"
    RETURNEES = "returnees"
    HERDERS = "herders"
    FARMERS = "farmers"
    LOCAL_AUTHORITIES = "local_authorities"
    SECURITY_FORCES = "security_forces"
    CIVIL_SOCIETY = "civil_society"
    OTHER = "other"


class AgeBand(enum.StrEnum):
    UNDER_25 = "15-24"
    ADULT = "25-59"
    ELDER = "60+"


class Sex(enum.StrEnum):
    F = "F"
    M = "M"


def split_cell(value: Any) -> Any:
    """A CSV cell holding a list: 'a; b;; c' -> ['a', 'b', 'c'] (anything else unchanged)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


def _sex_letter(value: Any) -> Any:
    return value.strip().upper()[:1] if isinstance(value, str) and value.strip() else value


def _apprise_urls(value: Any) -> Any:
    items = split_cell(value)
    for index, item in enumerate(items, start=1):
        text = item.get_secret_value() if isinstance(item, SecretStr) else str(item)
        scheme, sep, rest = text.partition("://")
        if not sep or not scheme.isalnum() or not rest:
            # Never echo the value: a contact URL may carry a token.
            raise ValueError(f"contact {index} is not an Apprise URL like mailto://… or json://…")
    return items


SexLetter = Annotated[Sex, BeforeValidator(_sex_letter), Field(description="F or M")]
"""A person's sex as typed: 'F', 'f', 'Femme', 'M', 'male' … (the first letter)."""

Locale = Annotated[str, Field(pattern="^(fr|en)$")]
"""The language a person's messages and documents are written in."""

ContactUrls = Annotated[list[SecretStr], BeforeValidator(_apprise_urls)]
"""A person's channels: Apprise URLs, ';'-separated in a CSV cell. Secrets: an error names the
contact's position, never its value."""


def _calendar_day(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"'{value}' is not a date; write it as 2026-03-14") from None
    return value


Day = Annotated[date, BeforeValidator(_calendar_day)]
"""A calendar day as a person types it in a file: 2026-03-14."""
