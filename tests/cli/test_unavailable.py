"""`debates facilitators unavailable NAME --from --to [--reason]`: the period is recorded, the hit
team repaired, and the people to tell are listed; a bad name or period is one red line."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.matching.assignment import current_team
from models.matching.team import assign_cycle
from models.people.facilitator import Unavailability
from tests.models.test_matching_db import NOW, POLICY, add_person, launch


def test_unavailable_reassigns_the_hit_cycle_and_lists_who_to_notify(
    debates, session: Session
) -> None:
    awa = add_person(session, "Awa Maïga", "ML070103", sex="F")
    add_person(session, "Baba Touré", "ML070202")
    add_person(session, "Dédé Cissé", "ML060306")
    cycle = launch(session, "ML060101", date(2027, 1, 4))  # sessions on 15 Feb and 1 Mar 2027
    first = assign_cycle(session, cycle.id, policy=POLICY, now=NOW)
    assert (first.lead, first.co) == ("Dédé Cissé", "Awa Maïga")  # the woman; Dédé covers more
    session.flush()

    result = debates(
        "facilitators",
        "unavailable",
        "awa maiga",
        "--from",
        "2027-02-10",
        "--to",
        "2027-02-20",
        "--reason",
        "mission à Bamako",
    )

    assert result.code == 0, result.err
    assert "Awa Maïga unavailable 2027-02-10 to 2027-02-20: recorded." in result.out
    assert "Alafia #1: lead" in result.out
    assert "notify Awa Maïga: released" in result.out
    assert "notify Baba Touré: assigned" in result.out
    assert result.out.count("notify ") == 2  # Dédé Cissé stays lead: nothing to tell him
    session.expire_all()
    team = current_team(session, cycle.id)
    assert awa.id not in {row.facilitator_id for row in team.values()}
    period = session.scalars(select(Unavailability)).one()
    assert period.reason == "mission à Bamako"


def test_unavailable_outside_every_session_changes_no_team(debates, session: Session) -> None:
    add_person(session, "Awa Maïga", "ML070103", sex="F")
    add_person(session, "Baba Touré", "ML070202")
    cycle = launch(session, "ML060101", date(2027, 1, 4))
    assign_cycle(session, cycle.id, policy=POLICY, now=NOW)
    session.flush()
    result = debates(
        "facilitators", "unavailable", "Awa", "--from", "2027-02-16", "--to", "2027-02-28"
    )
    assert result.code == 0, result.err
    assert "nothing to reassign" in result.out


def test_an_unknown_name_or_a_reversed_period_is_one_red_line(debates, session: Session) -> None:
    add_person(session, "Awa Maïga", "ML070103", sex="F")
    session.flush()
    unknown = debates(
        "facilitators", "unavailable", "Nobody", "--from", "2027-02-01", "--to", "2027-02-02"
    )
    assert unknown.code == 1
    assert "No facilitator is called 'Nobody'" in unknown.err
    reversed_ = debates(
        "facilitators", "unavailable", "Awa", "--from", "2027-02-05", "--to", "2027-02-01"
    )
    assert reversed_.code == 1
    assert "ends (2027-02-01) before it starts (2027-02-05)" in reversed_.err
