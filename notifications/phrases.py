"""The matcher's phrases (models/matching/phrase.py) in words, in the reader's language.

Each language has one catalogue, templates/<locale>/_phrases.txt.j2: a macro per key, named for
it, taking the key's parameters (StrictUndefined, so a missing parameter fails loudly). Nested
phrases are worded first and passed in as text. Used by `debates show` (the coordinator's
language), the cycle's state artifact (the programme's language) and the team notices (the
recipient's). A row or an event from before phrases holds English text: it is shown as it is.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from models.language import language_name
from models.matching.phrase import Phrase, load_phrase, load_phrases
from notifications.render import DEFAULT_LOCALE, LOCALES, TEMPLATES


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, autoescape=False
    )
    env.filters.update(language_name=language_name, as_date=date.fromisoformat)
    return env


@lru_cache(maxsize=len(LOCALES))
def catalogue(locale: str) -> Any:
    """The locale's catalogue module: its macros are the phrases' templates."""
    language = locale if locale in LOCALES else DEFAULT_LOCALE
    return _environment().get_template(f"{language}/_phrases.txt.j2").module


NAMED = "parties"
"""The parameter that holds names the baseline study gave (communities, parties to the debate)."""


def _param(name: str, value: object, locale: str, discreet: bool) -> object:
    if isinstance(value, Phrase):
        return phrase_text(value, locale, discreet=discreet)
    if isinstance(value, list) and value and isinstance(value[0], Phrase):
        return [phrase_text(p, locale, discreet=discreet) for p in value]
    if discreet and name == NAMED and isinstance(value, list) and value:
        # The names stay in the database and the coordinator's documents; a message or an
        # artifact says how many.
        return [str(catalogue(locale).named_parties(len(value))).strip()]
    return value


def phrase_text(phrase: Phrase, locale: str, *, discreet: bool = False) -> str:
    """One phrase in `locale` (French when the locale has no catalogue); `discreet`: the
    communities and parties the baseline names are counted, not named (messages, artifacts)."""
    params = {name: _param(name, value, locale, discreet) for name, value in phrase.params.items()}
    text = str(getattr(catalogue(locale), phrase.key.value)(**params))
    return " ".join(text.split())


def worded(stored: object, locale: str, *, discreet: bool = False) -> str | None:
    """A stored explanation or reason in `locale`: phrases (objects or their JSON), a list of
    them (one sentence each), or the English text of a row from before phrases, shown as it is.
    `discreet` for what leaves the coordinator's hands (messages, Prefect artifacts): the baseline's
    communities and parties are counted, not named (an English row from before phrases cannot be
    reworded, so it is replaced by nothing)."""
    if stored is None:
        return stored
    if isinstance(stored, str):
        return "" if discreet else stored
    if isinstance(stored, Phrase):
        return phrase_text(stored, locale, discreet=discreet)
    if isinstance(stored, dict):
        phrase = load_phrase(stored)
        if isinstance(phrase, str | None):
            return "" if discreet and phrase else phrase
        return phrase_text(phrase, locale, discreet=discreet)
    phrases = load_phrases(stored)
    if not isinstance(phrases, list):
        return "" if discreet and phrases else phrases
    return " ".join(phrase_text(p, locale, discreet=discreet) for p in phrases)


def discreetly_worded(stored: object, locale: str) -> str | None:
    """`worded(..., discreet=True)`: for messages and Prefect artifacts."""
    return worded(stored, locale, discreet=True)


def _as_json(stored: object) -> object:
    if isinstance(stored, Phrase):
        return stored.dump()
    if isinstance(stored, list):
        return [p.dump() if isinstance(p, Phrase) else p for p in stored]
    return None  # English text from before phrases: it has no keys


def worded_team(team: dict[str, Any], locale: str) -> dict[str, Any]:
    """`team_summary` for a reader: the explanation and the reason worded in `locale`, and beside
    them their phrases as JSON (`explanation_phrases`, `unassigned_reason_phrase`) for scripts."""
    return team | {
        "explanation": worded(team["explanation"], locale),
        "explanation_phrases": _as_json(team["explanation"]),
        "unassigned_reason": worded(team["unassigned_reason"], locale),
        "unassigned_reason_phrase": _as_json(team["unassigned_reason"]),
    }
