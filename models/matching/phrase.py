"""What the matcher says, as message keys with parameters: a team's explanation, why nobody fits,
why a member left. Stored as JSON and rendered in each reader's language by
notifications/phrases.py (one catalogue of templates per language), never worded here.

A parameter is a value (names, numbers, ISO dates, language codes), a mapping of points, or a
nested phrase: "Next best: C, not chosen: <why>" carries its why as a phrase.
"""

from __future__ import annotations

import enum
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter


class Key(enum.StrEnum):
    """Every phrase the matcher can say; each has a template in every language (a test walks them)."""

    # a team's explanation, one sentence each
    TEAM = "team"
    MEMBER = "member"
    WOMAN_BONUS = "woman_bonus"
    WORKLOAD = "workload"
    SCORE = "score"
    NEXT_NONE = "next_none"
    NEXT_AT_CAPACITY = "next_at_capacity"
    NEXT_SCORES_LESS = "next_scores_less"
    NEXT_SCORES_SAME = "next_scores_same"
    NEXT_BETTER_ELSEWHERE = "next_better_elsewhere"
    NEXT_OTHER_CYCLES = "next_other_cycles"
    NEXT_NO_PAIR = "next_no_pair"
    NEXT_NO_TEAM = "next_no_team"
    RULED_OUT_NONE = "ruled_out_none"
    RULED_OUT = "ruled_out"
    # why two people cannot be a team
    PAIR_SAME_PERSON = "pair_same_person"
    PAIR_SAME_HOME = "pair_same_home"
    PAIR_MISSING_LANGUAGE = "pair_missing_language"
    # why one person may not be on a cycle's team (a hard rule)
    UNFIT_LANGUAGE = "unfit_language"
    UNFIT_HOME = "unfit_home"
    UNFIT_HOME_CERCLE = "unfit_home_cercle"
    UNFIT_AFFILIATION = "unfit_affiliation"
    UNFIT_AVAILABILITY = "unfit_availability"
    UNFIT_CAPACITY = "unfit_capacity"
    UNFIT_NOT_FACILITATOR = "unfit_not_facilitator"
    # why a cycle has no team
    NO_SPEAKER = "no_speaker"
    ONE_SPEAKER = "one_speaker"
    NO_NEUTRAL = "no_neutral"
    ONE_NEUTRAL = "one_neutral"
    NONE_AVAILABLE = "none_available"
    ONE_AVAILABLE = "one_available"
    ALL_AT_CAPACITY = "all_at_capacity"
    LOAD_OF = "load_of"
    NO_PAIR = "no_pair"
    NEEDED_ELSEWHERE = "needed_elsewhere"
    BUSY_WITH = "busy_with"
    # why a team changed
    NO_LONGER_FITS = "no_longer_fits"
    UNAVAILABLE = "unavailable"
    REASSIGNED = "reassigned"


class Phrase(BaseModel):
    """One thing said: a key and its parameters (what the template fills in)."""

    model_config = ConfigDict(frozen=True)

    key: Key
    params: dict[str, Param] = {}

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


Param = str | int | float | list[str] | dict[str, int | float] | Phrase | list[Phrase]
Phrase.model_rebuild()


def say(key: Key, **params: Param) -> Phrase:
    """A phrase from our own, typed code: built without validation (the matcher makes one per
    ruled-out candidate and cycle, hundreds of thousands on a national batch)."""
    return Phrase.model_construct(key=key, params=params)


_PHRASES = TypeAdapter(list[Phrase])


def dump_all(phrases: list[Phrase]) -> list[dict[str, Any]]:
    return [p.dump() for p in phrases]


def dump_optional(phrase: Phrase | None) -> dict[str, Any] | None:
    return phrase.dump() if phrase is not None else None


def load_phrase(stored: object) -> Phrase | str | None:
    """A stored reason: a phrase (JSON), or the English text of a row written before phrases."""
    if stored is None or isinstance(stored, str):
        return stored
    return Phrase.model_validate(stored)


def load_phrases(stored: object, legacy: str | None = None) -> list[Phrase] | str | None:
    """A stored explanation: its phrases, or else the row's English text (`legacy`)."""
    if stored is None:
        return legacy
    return _PHRASES.validate_python(stored)
