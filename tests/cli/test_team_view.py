"""The assigned team, its score and explanation where people look: `debates show` and the cycle's
state (the markdown artifact in the Prefect UI); a cycle nobody fits shows why it waits."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from models.matching.team import assign_cycles
from models.views.cycle_state import cycle_state
from notifications.documents.render import render
from notifications.phrases import worded
from tests.models.test_matching_db import NOW, POLICY, add_person, launch


def _staffed_and_waiting(session: Session) -> tuple[int, int]:
    add_person(session, "Awa Maïga", "ML070103", sex="F")
    add_person(session, "Baba Touré", "ML070202")
    staffed = launch(session, "ML060101")  # Songhai: both speak it
    waiting = launch(session, "ML080301")  # Kidal: nobody speaks Tamasheq or Arabic
    assign_cycles(session, [staffed.id, waiting.id], policy=POLICY, now=NOW)
    session.commit()
    return staffed.id, waiting.id


def test_show_prints_the_team_with_score_and_explanation_or_why_nobody_fits(  # type: ignore[no-untyped-def]
    debates, session: Session
) -> None:
    staffed, waiting = _staffed_and_waiting(session)

    shown = debates("show", str(staffed))
    assert shown.code == 0, shown.err
    team_line = next(line for line in shown.out.splitlines() if line.startswith("Team:"))
    assert "Awa Maïga" in team_line and "Baba Touré" in team_line and "score" in team_line
    data = json.loads(debates("show", str(staffed), "--json").out)["team"]
    assert {data["lead"], data["co"]} == {"Awa Maïga", "Baba Touré"}
    assert data["explanation"] and f"  {data['explanation']}\n" in shown.out
    assert data["explanation"].startswith("Principal·e : ")  # the coordinator's language: French
    assert {"key": "score", "params": {"score": data["score"]}} in data["explanation_phrases"]

    unstaffed = debates("show", str(waiting))
    assert "No team: aucun·e facilitateur·rice ne parle arabe ou tamasheq" in unstaffed.out
    waits = json.loads(debates("show", str(waiting), "--json").out)["team"]
    assert waits["lead"] is None
    assert waits["unassigned_reason_phrase"] == {
        "key": "no_speaker",
        "params": {"languages": ["ar", "taq"]},
    }


def test_cycle_state_artifact_shows_the_team_in_both_languages(session: Session) -> None:
    staffed, waiting = _staffed_and_waiting(session)
    state = cycle_state(session, staffed, now=NOW)
    french = render("cycle_state", "md", "fr", s=state)
    english = render("cycle_state", "md", "en", s=state)
    lead, score = state.team["lead"], state.team["score"]
    assert f"Équipe : **{lead}** (principal·e)" in french and f"score {score}" in french
    assert f"Team: **{lead}** (lead)" in english
    assert f"> {worded(state.team['explanation'], 'en')}" in english
    assert f"> {worded(state.team['explanation'], 'fr')}" in french
    assert "> Principal·e : " in french and "Score " in french

    alone = render("cycle_state", "md", "fr", s=cycle_state(session, waiting, now=NOW))
    assert "⚠ Pas d'équipe : aucun·e facilitateur·rice ne parle arabe ou tamasheq" in alone
