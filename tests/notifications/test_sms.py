"""The short variant of every message: GSM-7 only, within its segment budget, checked with an
independent GSM 03.38 codec (the `gsm0338` package) on the longest real commune names; and an
SMS-type channel receives it from the sweep."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

import gsm0338  # noqa: F401  # registers the 'gsm03.38' codec
import pytest
from sqlalchemy.orm import Session

from cli.app import run
from models.policy import ReminderPolicy
from models.settings import get_settings
from notifications.gsm import Cost, Encoding, cost, fold
from notifications.preview import longest_place, previews, sample_context
from notifications.render import LOCALES
from notifications.sms import TEMPLATES, budget, render_sms
from tests.notifications.conftest import add_person, launch, only_step, sweep
from tests.notifications.receivers import Webhook

LINK = "https://debates.example.org/runs/flow-run/8f14e45f-ceea-467a-9575-2b3c5e0e3d1a"


def codec_segments(text: str) -> int:
    """Segments by the independent codec: its encoded length is the septet count (an extension
    character is an escape and the character); 160 in one SMS, else 153 a part."""
    septets = len(text.encode("gsm03.38"))
    return 1 if septets <= 160 else math.ceil(septets / 153)


def test_every_sms_template_in_both_languages_is_gsm7_within_its_budget_for_the_longest_commune() -> (
    None
):
    commune, _, _ = longest_place()
    assert commune == "Séré Moussa Ani Samou De Siékorolé"  # the registry's longest spelling
    rows = previews(("sms",))
    assert {(r.template, r.locale) for r in rows} == {(t, lo) for t in TEMPLATES for lo in LOCALES}
    for row in rows:
        row.text.encode("gsm03.38")  # raises UnicodeEncodeError on any non-GSM-7 character
        assert row.encoding == Encoding.GSM7, row
        assert row.segments == codec_segments(row.text) <= budget(row.template), row
        assert not row.text.endswith("..."), f"{row.template}/{row.locale} had to be cut"
        assert fold(commune) in row.text, row  # the commune is always named
        assert "Touré" in row.text or "Fatoumata" in row.text or row.template == "team_unassigned"


def test_one_segment_for_reminders_overdue_and_escalations_two_for_invitations_and_team_notices() -> (
    None
):
    assert {t for t in TEMPLATES if budget(t) == 2} == {
        "team_assigned",
        "team_released",
        "team_unassigned",
        "team_extended",
        "invitation",
        "plan_notice",
    }
    for template in ("reminder", "due_today", "overdue", "escalation_coordinator"):
        assert budget(template) == 1


@pytest.mark.parametrize("locale", LOCALES)
def test_the_sms_says_commune_step_date_and_who_to_call_in_the_readers_language(
    locale: str,
) -> None:
    text = render_sms("reminder", locale, c=sample_context("minutes-1"))
    if locale == "fr":
        assert text.startswith("Rappel débats Séré Moussa Ani Samou De Siékorolé : PV du débat")
        assert "28 sept." in text and "Contact : Mohamed Ould Sidi Mahamane Touré." in text
    else:
        assert text.startswith("Reminder, debates Séré Moussa Ani Samou De Siékorolé: minutes")
        assert "28 Sep" in text and "Contact: Mohamed Ould Sidi Mahamane Touré." in text


def test_folding_keeps_e_acute_e_grave_a_grave_u_grave_and_replaces_the_rest_by_their_nearest() -> (
    None
):
    typed = "«\u00a0Fête à Tombouctou\u202f» — l’été où ça bâtit, maïs, île, côte, goût, Noël…"
    folded = fold(typed)
    assert folded == '" Fete à Tombouctou " - l\'été où ca batit, mais, ile, cote, gout, Noel...'
    assert cost(typed).encoding == Encoding.UCS2
    assert cost(folded).encoding == Encoding.GSM7
    assert folded.encode("gsm03.38").decode("gsm03.38") == folded
    assert fold("éèàùÉÇ") == "éèàùÉÇ"


@pytest.mark.parametrize(
    "text",
    ["a" * 160, "a" * 161, "€" * 80, "€" * 81, "a" * 152 + "€" + "a" * 10, "x" * 306, "x" * 307],
)
def test_the_segment_count_agrees_with_the_gsm0338_codec(text: str) -> None:
    spent = cost(text)
    assert spent.units == len(text.encode("gsm03.38"))
    if spent.units <= 160:
        assert spent.segments == 1
    else:  # an escape pair is never split, so a part may hold 152
        assert spent.segments >= codec_segments(text)


def test_a_text_outside_gsm7_costs_ucs2_segments() -> None:
    assert cost("ê" * 70) == Cost(Encoding.UCS2, 70, 1)
    assert cost("ê" * 71).segments == 2 and cost("ê" * 134).segments == 2
    assert cost("ê" * 135).segments == 3


def test_a_link_goes_in_only_where_it_fits() -> None:
    context = replace(sample_context(), link=LINK)
    assert LINK in render_sms("team_assigned", "fr", link=LINK, c=context)
    reminder = render_sms("reminder", "fr", link=LINK, c=context)
    assert LINK not in reminder and cost(reminder).segments == 1
    assert "http" not in render_sms("reminder", "fr", c=context)


def test_messages_preview_prints_a_json_list_of_every_sms(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    assert run(["messages", "preview", "--channel", "sms", "--locale", "en", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["template"] for r in listed] == list(TEMPLATES)
    assert {tuple(sorted(r)) for r in listed} == {
        ("channel", "encoding", "locale", "segments", "template", "text")
    }
    assert all(r["encoding"] == "gsm-7" and r["locale"] == "en" for r in listed)
    assert run(["messages", "preview", "--channel", "fax"]) == 2


def test_an_sms_type_channel_gets_the_short_gsm7_reminder_without_a_link(
    session: Session, hook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEBATES_UI_URL", raising=False)
    get_settings.cache_clear()
    # json:// stands for an SMS gateway: the policy's list says which schemes are SMS-type.
    policy = ReminderPolicy(quiet_schemes=["json"])
    aissata = add_person(session, "Aïssata Exemple", contacts=[hook.url("sms/aissata")])
    add_person(session, "Oumar Coordinateur", role="coordinator", regions=["ML06"], contacts=[])
    cycle = launch(session, "Diré")
    step = only_step(session, cycle, "minutes-1")
    step.facilitator_id = aissata.id
    session.flush()

    sweep(step.due_at - timedelta(hours=33), policy)

    texts = [m for m in hook.messages() if m.startswith("Rappel")]
    assert texts == [
        "Rappel débats Diré : PV du débat 1 avant le 18 avr. (1 j). Contact : Oumar Coordinateur."
    ]
    assert cost(texts[0]).segments == 1
