"""Field types shared by the input schemas, with the checks a field worker would make."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, StringConstraints

from models.clock import require_aware
from models.language import language_code

Moment = Annotated[datetime, AfterValidator(require_aware)]
"""A date and time with its timezone; stored in UTC."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
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
