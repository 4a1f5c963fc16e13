"""The matcher's phrases in words: every key has its template in French and in English with the
same parameters, an explanation and a reason read in each language with their values, and text
stored before phrases is shown as it is."""

from __future__ import annotations

from datetime import date

import pytest

from models.matching.explain import explain_team, unassigned_reason
from models.matching.hard_rules import Candidate, CycleNeed
from models.matching.phrase import Key, dump_all, load_phrases, say
from models.matching.solver import solve
from models.policy import MatchingPolicy
from notifications.phrases import catalogue, phrase_text, worded, worded_team
from notifications.render import LOCALES

WEIGHTS = MatchingPolicy()


@pytest.mark.parametrize("key", list(Key))
def test_every_key_has_a_template_in_each_language_taking_the_same_parameters(key: Key) -> None:
    macros = {locale: getattr(catalogue(locale), key.value, None) for locale in LOCALES}
    assert all(macros.values()), (
        f"{key} lacks a template in {[k for k, m in macros.items() if not m]}"
    )
    arguments = {locale: macro.arguments for locale, macro in macros.items()}
    assert len(set(arguments.values())) == 1, arguments


def test_a_team_explanation_reads_in_french_and_in_english_with_its_values() -> None:
    cycle = CycleNeed(1, "Ber #1", "ML060101", frozenset({"son"}))
    pool = [
        Candidate(1, "Awa", "F", "ML060102", frozenset({"son"}), frozenset({"ML06"}), load=1),
        Candidate(2, "Baba", "M", "ML060201", frozenset({"son"}), frozenset({"ML06"})),
        Candidate(3, "Cheick", "M", "ML060202", frozenset({"son"})),
        Candidate(4, "Dédé", "M", "ML060101", frozenset({"son"})),  # from Ber
    ]
    solution = solve([cycle], pool, WEIGHTS)
    said = explain_team(cycle, solution.teams[1], pool, solution, WEIGHTS)
    stored = load_phrases(dump_all(said))  # as the row gives it back
    assert stored == said

    french, english = worded(stored, "fr"), worded(stored, "en")
    assert french == (
        "Principal·e : Awa (couvre la région +3, réside dans le cercle +2, porte déjà 1 cycle(s)) ; "
        "co-facilitateur·rice : Baba (couvre la région +3, réside dans la région +1). "
        "Une femme dans l'équipe +4. Charge de travail -1. Score 12. "
        "Meilleure alternative : Cheick, non retenu·e : avec Awa à la place de Baba, l'équipe "
        "aurait un score de 9, et non 12. "
        "Écarté·e·s par les règles impératives : 1 sur 4 (1 sont de la zone)."
    )
    assert english == (
        "Lead Awa (covers the region +3, home in the cercle +2, already carries 1 cycle(s)); "
        "co-facilitator Baba (covers the region +3, home in the region +1). "
        "A woman in the team +4. Workload -1. Score 12. "
        "Next best: Cheick, not chosen: with Awa instead of Baba the team would score 9, not 12. "
        "Ruled out by the hard rules: 1 of 4 (1 are from the area)."
    )


def test_a_reason_nobody_fits_reads_in_each_language_with_languages_and_dates() -> None:
    cycle = CycleNeed(
        1, "Anéfis #1", "ML080101", frozenset({"taq", "ar"}), session_days=(date(2027, 3, 10),)
    )
    away = ((date(2027, 2, 1), date(2027, 2, 28)), (date(2027, 3, 1), date(2027, 3, 13)))
    pool = [
        Candidate(1, "Aicha", "F", "ML070101", frozenset({"taq"}), unavailable=away),
        Candidate(2, "Ibrahim", "M", "ML070201", frozenset({"ar"}), unavailable=away),
    ]
    reason = unassigned_reason(cycle, pool, solve([cycle], pool, WEIGHTS))
    assert reason == say(
        Key.NONE_AVAILABLE, languages=["ar", "taq"], back="2027-03-14", sessions=["2027-03-10"]
    )
    assert phrase_text(reason, "fr") == (
        "aucun·e facilitateur·rice parlant arabe ou tamasheq disponible avant le 14 mars 2027 "
        "(séances : 10 mars 2027)"
    )
    assert phrase_text(reason, "en") == (
        "no Arabic or Tamasheq speaker available before 14 March 2027 (sessions on 10 March 2027)"
    )
    nested = say(Key.NO_PAIR, why=say(Key.PAIR_SAME_HOME, a="Awa", b="Baba"))
    assert worded(nested.dump(), "fr") == (
        "aucune paire de facilitateur·rice·s éligibles ne forme une équipe : "
        "Awa et Baba ont la même commune d'origine"
    )
    assert worded(nested, "xx") == worded(nested, "fr")  # a language without a catalogue: French


def test_text_stored_before_phrases_is_shown_as_it_is_in_every_language() -> None:
    legacy = {"lead": "Awa", "co": "Baba", "score": 9.0, "explanation": "Lead Awa. Score 9."}
    shown = worded_team(legacy | {"unassigned_reason": None}, "fr")
    assert shown["explanation"] == "Lead Awa. Score 9." and shown["explanation_phrases"] is None
    assert worded("no Arabic speaker among the facilitators", "fr") == (
        "no Arabic speaker among the facilitators"
    )
    assert worded(None, "en") is None


@pytest.mark.parametrize(
    ("locale", "counted"),
    [
        ("fr", "2 parties nommées par l'étude de base"),
        ("en", "2 parties named by the baseline study"),
    ],
)
def test_messages_and_artifacts_count_the_baselines_parties_and_never_name_them(
    locale: str, counted: str
) -> None:
    reason = say(
        Key.NO_NEUTRAL, languages=["son"], area="Ber", parties=["Kel Ansar", "Imghad de Ber"]
    )
    plain = worded([reason.dump()], locale)
    discreet = worded([reason.dump()], locale, discreet=True)
    assert plain is not None and "Kel Ansar" in plain  # the coordinator's own view (CLI)
    assert discreet is not None and counted in discreet
    assert "Kel Ansar" not in discreet and "Imghad" not in discreet
    # text stored before phrases could name anyone: a message or an artifact drops it
    assert worded("nobody fits: affiliated to Kel Ansar", locale, discreet=True) == ""
