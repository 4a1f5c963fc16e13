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


def _param(value: object, locale: str) -> object:
    if isinstance(value, Phrase):
        return phrase_text(value, locale)
    if isinstance(value, list) and value and isinstance(value[0], Phrase):
        return [phrase_text(p, locale) for p in value]
    return value


def phrase_text(phrase: Phrase, locale: str) -> str:
    """One phrase in `locale` (French when the locale has no catalogue)."""
    params = {name: _param(value, locale) for name, value in phrase.params.items()}
    text = str(getattr(catalogue(locale), phrase.key.value)(**params))
    return " ".join(text.split())


def worded(stored: object, locale: str) -> str | None:
    """A stored explanation or reason in `locale`: phrases (objects or their JSON), a list of
    them (one sentence each), or the English text of a row from before phrases, shown as it is."""
    if stored is None or isinstance(stored, str):
        return stored
    if isinstance(stored, Phrase):
        return phrase_text(stored, locale)
    if isinstance(stored, dict):
        phrase = load_phrase(stored)
        return phrase if isinstance(phrase, str | None) else phrase_text(phrase, locale)
    phrases = load_phrases(stored)
    if not isinstance(phrases, list):
        return phrases
    return " ".join(phrase_text(p, locale) for p in phrases)


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
