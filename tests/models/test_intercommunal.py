"""Intercommunal cycles: one cycle for a whole cercle, beside its communes' own cycles; its sessions
anywhere in the cercle, nobody from the cercle on its team, and the cercle named where it is shown."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.cycle.amend import amend_step
from models.cycle.cycle import Cycle
from models.cycle.launch import (
    LaunchRequest,
    launch_cycle,
    launch_cycles_for,
    run_name,
    run_tags,
    select_areas,
)
from models.cycle.stepflow import apply_submission, parse_submission
from models.errors import ActiveCycleExists, InvalidInput
from models.geography.places import Cercle, Commune
from models.matching.candidates import cycle_need, load_candidates
from models.matching.hard_rules import Rule, breach
from models.matching.team import assign_cycles
from models.policy import CyclePolicy, MatchingPolicy
from models.stages.sessions import DebateSession
from models.views.cycle_view import cycle_summary
from models.views.portfolio import heading_of, portfolio
from notifications.documents.content import invitation_view, safety_plan_view
from notifications.documents.render import render
from notifications.phrases import phrase_text
from tests.flows import inputs
from tests.models.test_matching_db import add_person
from tests.notifications.documents_data import add_minutes, add_safety_plan

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
START = date(2026, 3, 2)
GOUNDAM = "ML0603"


def _launch(session: Session, request: LaunchRequest) -> Any:
    return launch_cycles_for(
        session,
        select_areas(session, request),
        start_on=START,
        policy=CyclePolicy(),
        actor="coordinatrice",
        now=NOW,
    )


def _intercommunal(session: Session) -> Cycle:
    return launch_cycle(
        session,
        session.get_one(Cercle, GOUNDAM),
        start_on=START,
        policy=CyclePolicy(),
        actor="coordinatrice",
        now=NOW,
    )


def test_an_intercommunal_launch_records_one_cycle_for_the_cercle(session: Session) -> None:
    report = _launch(session, LaunchRequest(cercle="Goundam", intercommunal=True))
    assert len(report.launched) == 1 and report.skipped == []
    cycle = session.get_one(Cycle, report.launched[0].cycle_id)
    assert (cycle.level, cycle.area_pcode, cycle.commune_pcode) == ("cercle", GOUNDAM, None)
    assert (cycle.cercle_pcode, cycle.region_pcode) == (GOUNDAM, "ML06")
    assert cycle.intercommunal
    assert cycle.label == "Cercle de Goundam (intercommunal) #1"
    assert run_name(cycle) == "cycle-cercle-goundam-1"
    assert run_tags(cycle) == ["ML06", GOUNDAM]
    assert report.launched[0].commune == "Cercle de Goundam (intercommunal)"
    assert len(cycle.steps) == 8


def test_a_second_intercommunal_launch_is_refused_while_the_first_is_active_and_communes_still_launch(
    session: Session,
) -> None:
    first = _intercommunal(session)
    with pytest.raises(
        ActiveCycleExists, match=r"Cercle de Goundam \(intercommunal\) ML0603 already"
    ):
        _intercommunal(session)
    again = _launch(session, LaunchRequest(cercle="Goundam", intercommunal=True))
    assert again.launched == []
    assert again.skipped == [
        (
            "Cercle de Goundam (intercommunal) ML0603",
            f"active intercommunal cycle #1 (id {first.id})",
        )
    ]
    communes = _launch(session, LaunchRequest(cercle="Goundam"))  # each commune's own cycle
    assert len(communes.launched) == 16 and communes.skipped == []
    assert session.scalar(select(func.count()).select_from(Cycle)) == 17


def test_a_cercle_whose_communes_have_cycles_still_gets_its_intercommunal_cycle(
    session: Session,
) -> None:
    _launch(session, LaunchRequest(communes=["Tonka"]))
    report = _launch(session, LaunchRequest(cercle="ML0603", intercommunal=True))
    assert [r.commune for r in report.launched] == ["Cercle de Goundam (intercommunal)"]


@pytest.mark.parametrize(
    "request_fields",
    [{"intercommunal": True}, {"region": "Tombouctou", "intercommunal": True}],
)
def test_intercommunal_without_a_cercle_alone_is_refused_naming_the_field(
    request_fields: dict[str, Any],
) -> None:
    with pytest.raises(ValidationError, match="an intercommunal cycle is for one cercle") as caught:
        LaunchRequest(**request_fields)
    assert caught.value.errors()[0]["loc"] == ("intercommunal",)


def test_matching_takes_nobody_from_any_commune_of_the_cercle(session: Session) -> None:
    tonka = add_person(session, "Fatou Tonka", "ML060316", sex="F")  # a commune of Goundam
    essakane = add_person(session, "Issa Essakane", "ML060306")  # another commune of Goundam
    dire = add_person(session, "Awa Diré", "ML060205", sex="F")  # cercle of Diré
    gao = add_person(session, "Baba Gao", "ML070103")  # region of Gao
    cycle = _intercommunal(session)
    need = cycle_need(session, cycle, MatchingPolicy(), today=START)
    pool = {p.id: p for p in load_candidates(session, excluding={cycle.id})}
    for person in (tonka, essakane):
        found = breach(need, pool[person.id])
        assert found is not None and found.rule == Rule.HOME
        assert phrase_text(found.why, "fr") == (
            f"{person.name} est originaire du cercle de Goundam, et un cycle intercommunal ne "
            "prend aucun membre de son cercle"
        )
        assert phrase_text(found.why, "en") == (
            f"{person.name} is from the cercle of Goundam, and an intercommunal cycle takes no "
            "member from its cercle"
        )
    assert breach(need, pool[dire.id]) is None and breach(need, pool[gao.id]) is None
    [result] = assign_cycles(session, [cycle.id], policy=MatchingPolicy(), now=NOW, actor="t")
    assert {result.lead_id, result.co_id} == {dire.id, gao.id}


def _to_schedule(session: Session, cycle: Cycle) -> None:
    apply_submission(
        session, cycle.id, "baseline", inputs.baseline(START), actor="coordinatrice", now=NOW
    )


def _schedule(communes: list[str | None]) -> dict[str, Any]:
    plan = inputs.schedule(START, sessions=len(communes))
    for item, commune in zip(plan["sessions"], communes, strict=True):
        if commune is not None:
            item["commune"] = commune
    return plan


def _sessions(session: Session, cycle: Cycle) -> list[str]:
    return list(
        session.scalars(
            select(DebateSession.commune_pcode)
            .where(DebateSession.cycle_id == cycle.id)
            .order_by(DebateSession.number)
        )
    )


def test_an_intercommunal_session_outside_the_cercle_or_without_a_commune_is_refused(
    session: Session,
) -> None:
    cycle = _intercommunal(session)
    _to_schedule(session, cycle)
    with pytest.raises(InvalidInput) as caught:
        apply_submission(
            session, cycle.id, "schedule", _schedule(["Tonka", "Diré"]), actor="c", now=NOW
        )
    assert caught.value.problems == [
        (
            "field sessions.1.commune",
            "Diré (Dire, Tombouctou) ML060205 is not in the cercle of Goundam; hold the session "
            "in one of its communes: Adarmalane, Alzounoub, Bintagoungou, Douékiré, Doukouria, "
            "Essakane, Gargando, Goundam Commune, Issa Bery, Kaneye, M'bouna, Razelma, Télé, "
            "Tilemsi, Tin Aicha, Tonka",
        )
    ]
    with pytest.raises(InvalidInput, match=r"sessions\.0\.commune: name the commune of the cercle"):
        apply_submission(
            session, cycle.id, "schedule", _schedule([None, "Tonka"]), actor="c", now=NOW
        )
    assert _sessions(session, cycle) == []
    assert cycle.step("schedule").status != "done"


def test_an_intercommunal_cycles_sessions_are_held_in_any_commune_of_the_cercle(
    session: Session,
) -> None:
    cycle = _intercommunal(session)
    _to_schedule(session, cycle)
    # Tilemsi is a commune of Goundam and of Gao: the cercle's own is meant.
    apply_submission(
        session, cycle.id, "schedule", _schedule(["Tonka", "Tilemsi"]), actor="c", now=NOW
    )
    assert _sessions(session, cycle) == ["ML060316", "ML060314"]
    assert cycle.step("schedule").status == "done"
    invitation = invitation_view(session, cycle.id, 2)
    assert invitation.venue_commune == "Tilemsi"
    text = render("invitation", "txt", "fr", doc=invitation)
    assert "du cycle n° 1 du cercle de Goundam (cycle intercommunal)" in text
    assert "Commune : Tilemsi (cercle de Goundam, région de Tombouctou)" in text
    english = render("invitation", "txt", "en", doc=invitation)
    assert "of the cercle of Goundam (intercommunal cycle)" in english
    # Amending moves a session to another commune of the cercle, never outside it.
    moved = parse_submission("schedule", _schedule(["Essakane", "Tilemsi"]))
    amended = amend_step(session, cycle.id, "schedule", moved, reason="route", actor="c", now=NOW)
    assert amended.moved_sessions == (1,)
    assert amended.changes == {"sessions.0.commune": ("ML060316", "ML060306")}
    outside = parse_submission("schedule", _schedule(["Essakane", "Ber"]))
    with pytest.raises(InvalidInput, match="not in the cercle of Goundam"):
        amend_step(session, cycle.id, "schedule", outside, reason="route", actor="c", now=NOW)
    assert _sessions(session, cycle) == ["ML060306", "ML060314"]


def test_a_communes_sessions_stay_in_the_commune(session: Session) -> None:
    cycle = launch_cycle(
        session,
        session.get_one(Commune, "ML060316"),
        start_on=START,
        policy=CyclePolicy(),
        actor="c",
        now=NOW,
    )
    _to_schedule(session, cycle)
    with pytest.raises(InvalidInput, match=r"Essakane .* is not Tonka: a commune's cycle"):
        apply_submission(
            session, cycle.id, "schedule", _schedule(["Essakane", None]), actor="c", now=NOW
        )
    apply_submission(session, cycle.id, "schedule", _schedule([None, "Tonka"]), actor="c", now=NOW)
    assert _sessions(session, cycle) == ["ML060316", "ML060316"]


def test_the_portfolio_cycles_artifacts_and_documents_name_the_cercle(session: Session) -> None:
    cycle = _intercommunal(session)
    [row] = [r for r in portfolio(session, now=NOW) if r.cycle_id == cycle.id]
    assert (row.area, row.area_pcode, row.cercle) == (
        "Cercle de Goundam (intercommunal)",
        GOUNDAM,
        "Goundam",
    )
    assert row.as_record()["commune"] == "Cercle de Goundam (intercommunal)"
    summary = cycle_summary(cycle)
    assert summary["commune"] == "Cercle de Goundam (intercommunal)"
    assert (summary["intercommunal"], summary["commune_pcode"]) == (True, None)
    heading = heading_of(cycle)
    assert heading.artifact_key("state") == "cycle-cercle-goundam-ml0603-1-state"
    add_minutes(session, cycle)
    add_safety_plan(session, cycle)
    plan = safety_plan_view(session, cycle.id)
    french = render("safety_plan", "md", "fr", doc=plan)
    assert "Cercle de Goundam (intercommunal), région de Tombouctou — ML0603" in french
    assert "Le Président du conseil de cercle de Goundam" in french
    assert "commune de" not in french.split("## Annexe")[0].lower()
    english = render("safety_plan", "md", "en", doc=plan)
    assert "The President of the cercle council of Goundam" in english
    assert "For the cercle's security committee" in english
