"""Team changes reach the people concerned through the sweep, once: the team members when a team is
formed, the released and the replacement after an unavailability, the region's coordinators when
nobody fits, each with the reason in their own language. Real json:// webhook receivers, SQLite
and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy.orm import Session

from models.matching.assignment import current_team
from models.matching.team import assign_cycle, assign_cycles
from models.people.facilitator import Contact, Facilitator
from models.people.unavailability import mark_unavailable
from notifications.history import history
from notifications.render import date_fr
from tests.models.test_matching_db import NOW, POLICY, add_person, launch
from tests.notifications.conftest import add_person as add_coordinator
from tests.notifications.conftest import ledger, sweep
from tests.notifications.receivers import Webhook


def _reachable(person: Facilitator, hook: Webhook) -> Facilitator:
    person.contacts = [Contact(url=hook.url(f"hooks/{person.id}"))]
    return person


def _received(hook: Webhook) -> Counter[tuple[str, str]]:
    """(recipient's hook path, title) -> how many times."""
    return Counter((r["_path"].rsplit("/", 1)[1], r["title"]) for r in hook.received)


def test_the_regions_coordinator_hears_once_that_nobody_fits_and_why(
    session: Session, hook: Webhook
) -> None:
    coordinator = add_coordinator(
        session, "Oumar Coordinateur", role="coordinator", regions=["ML08"], home="ML080301"
    )
    _reachable(coordinator, hook)
    reads_english = add_coordinator(
        session, "Mary Coordinator", role="coordinator", regions=["ML08"], locale="en"
    )
    _reachable(reads_english, hook)
    add_coordinator(session, "Ailleurs", role="coordinator", regions=["ML06"])  # another region
    add_person(session, "Seydou Bambara", "ML070103", languages=["bm"], regions=["ML08"])
    cycle = launch(session, "ML080301")  # Abeïbara, Kidal: Tamasheq or Arabic by default
    assert not assign_cycle(session, cycle.id, policy=POLICY, now=NOW).assigned
    session.flush()

    sweep(NOW + timedelta(hours=1))
    sweep(NOW + timedelta(hours=2))

    no_team = [r for r in hook.received if r["title"] == "Aucune équipe possible : Abeïbara"]
    assert len(no_team) == 1
    assert no_team[0]["_path"] == f"/hooks/{coordinator.id}"
    body = no_team[0]["message"]
    assert "Raison : aucun·e facilitateur·rice ne parle arabe ou tamasheq." in body
    assert "Abeïbara" in body and "région de Kidal" in body
    in_english = [r for r in hook.received if r["title"] == "No team possible: Abeïbara"]
    assert [r["_path"] for r in in_english] == [f"/hooks/{reads_english.id}"]
    assert (
        "Reason: no Arabic or Tamasheq speaker among the facilitators." in in_english[0]["message"]
    )
    assert [n.status for n in ledger(session) if n.rule.startswith("team-unassigned:")] == [
        "sent",
        "sent",
    ]


def test_team_members_are_told_once_and_an_unavailability_tells_exactly_those_it_changes(
    session: Session, hook: Webhook
) -> None:
    for i, home in enumerate(["ML070103", "ML060201", "ML060306", "ML060402"]):
        _reachable(
            add_person(session, f"P{i}", home, max_cycles=2, sex="F" if i == 0 else "M"), hook
        )
    session.flush()
    early = launch(session, "ML060101", date(2027, 1, 4))  # sessions 15 Feb and 1 Mar
    late = launch(session, "ML060505", date(2027, 4, 5))  # sessions 17 and 31 May
    assign_cycles(session, [early.id, late.id], policy=POLICY, now=NOW)
    session.flush()
    teams = {c.id: current_team(session, c.id) for c in (early, late)}

    sweep(NOW + timedelta(hours=1))
    sweep(NOW + timedelta(hours=2))  # a second sweep tells nobody again

    expected = Counter(
        (str(row.facilitator_id), f"Équipe de facilitation : {cycle.commune.name}")
        for cycle in (early, late)
        for row in teams[cycle.id].values()
    )
    assert _received(hook) == expected  # one notice per member and cycle; leads get no second
    lead_notice = next(
        r["message"]
        for r in hook.received
        if r["_path"].endswith(f"/{teams[early.id]['lead'].facilitator_id}")
        and early.commune.name in r["title"]
    )
    assert "facilitateur·rice principal·e du cycle de débats de la commune de" in lead_notice

    gone = session.get_one(Facilitator, teams[early.id]["lead"].facilitator_id)
    report = mark_unavailable(
        session,
        gone,
        date(2027, 2, 10),
        date(2027, 2, 20),
        reason="mission à Bamako",
        policy=POLICY,
        actor="coordinator",
        now=NOW + timedelta(hours=3),
    )
    session.flush()
    before = _received(hook)
    sweep(NOW + timedelta(hours=4))
    sweep(NOW + timedelta(hours=5))
    new = _received(hook) - before

    area = early.commune.name
    titles = {
        "released": f"Fin de mission : {area}",
        "assigned": f"Équipe de facilitation : {area}",
    }
    assert new == Counter((str(n.facilitator_id), titles[n.kind]) for n in report.notices)
    assert ("released", gone.id) in {(n.kind, n.facilitator_id) for n in report.notices}
    released = next(r["message"] for r in hook.received if r["title"] == titles["released"])
    assert "Motif : " in released and "mission à Bamako" in released, released
    assert f"{gone.name} indisponible du 10 février 2027 au 20 février 2027" in released


def test_an_extension_tells_each_team_member_once_which_step_moved_when_and_why(
    session: Session, hook: Webhook
) -> None:
    """`debates extend` (services.pause.extend, as the CLI and cycle-admin call it) records the
    notice; the sweep sends it once to the lead and once to the co-facilitator, in their language."""
    from models.clock import BAMAKO, utcnow
    from services.pause import extend

    people = [
        _reachable(add_person(session, f"P{i}", home, sex="F" if i == 0 else "M"), hook)
        for i, home in enumerate(["ML070103", "ML060201"])
    ]
    people[1].locale = "en"
    start = utcnow().astimezone(BAMAKO).date() + timedelta(days=3)
    cycle = launch(session, "ML060101", start)
    assign_cycles(session, [cycle.id], policy=POLICY, now=utcnow())
    session.flush()
    team = current_team(session, cycle.id)
    assert {row.facilitator_id for row in team.values()} == {p.id for p in people}
    baseline = cycle.step("baseline")
    was_due = baseline.due_at
    sweep(utcnow() + timedelta(minutes=1))  # the team is told it was formed
    before = _received(hook)

    done = extend(cycle.id, "baseline", days=10, to=None, reason="route coupée", who="awa")
    sweep(utcnow() + timedelta(minutes=2))
    sweep(utcnow() + timedelta(minutes=3))  # a second sweep tells nobody again

    area = cycle.commune.name
    new = _received(hook) - before
    assert new == Counter(
        {
            (str(people[0].id), f"Échéance repoussée : {area}"): 1,
            (str(people[1].id), f"Deadline moved: {area}"): 1,
        }
    )
    french = next(r["message"] for r in hook.received if r["title"].startswith("Échéance"))
    moved_to = was_due + timedelta(days=10)
    assert done.days == 10 and len(done.moved) > 1
    assert "l'étape « " in french and "est repoussée de 10 jours" in french
    assert f"au lieu du {date_fr(was_due)}" in french
    assert f"échéance le {date_fr(moved_to)}" in french
    assert "Motif : route coupée" in french
    english = next(r["message"] for r in hook.received if r["title"].startswith("Deadline"))
    assert '"Baseline study (local security diagnosis)" is moved by 10 days' in english
    assert "Reason: route coupée" in english
    assert [n.status for n in ledger(session) if n.rule.startswith("team-extended:")] == [
        "sent",
        "sent",
    ]
    said = [e.what for e in history(session, cycle.id) if e.action == "team.notify.extended"]
    assert said == ["équipe : avis envoyé (échéance repoussée)"] * 2
