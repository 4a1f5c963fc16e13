"""Matching against the database (SQLite and PostgreSQL): teams written with score and explanation,
replays change nothing, nobody fitting is a reason, an unavailability repairs exactly what it hits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.cycle.cycle import Cycle
from models.cycle.launch import launch_cycle
from models.cycle.status import close_cycle
from models.cycle.transitions import CycleStatus
from models.geography.places import Commune, Region
from models.matching.assignment import TeamAssignment, current_team, team_summary
from models.matching.candidates import cycle_need, load_candidates
from models.matching.hard_rules import breach
from models.matching.phrase import Key, Phrase, load_phrases, say
from models.matching.solver import solve
from models.matching.team import assign_cycle, assign_cycles
from models.people.facilitator import Facilitator
from models.people.unavailability import mark_unavailable
from models.policy import CyclePolicy, MatchingPolicy
from models.stages.baseline import BaselineStudy
from models.text import name_key

NOW = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
POLICY = MatchingPolicy()


def add_person(
    session: Session,
    name: str,
    home: str,
    *,
    sex: str = "M",
    languages: Sequence[str] = ("son",),
    regions: Sequence[str] = ("ML06",),
    affiliations: Sequence[str] = (),
    max_cycles: int = 1,
    role: str = "facilitator",
) -> Facilitator:
    person = Facilitator(
        name=name,
        name_key=name_key(name),
        sex=sex,
        role=role,
        home_commune_pcode=home,
        languages=list(languages),
        affiliations=list(affiliations),
        max_cycles=max_cycles,
        locale="fr",
        created_at=NOW,
    )
    person.regions = [session.get_one(Region, r) for r in regions]
    session.add(person)
    session.flush()
    return person


def launch(session: Session, pcode: str, start_on: date = date(2027, 1, 4)) -> Cycle:
    return launch_cycle(
        session,
        session.get_one(Commune, pcode),
        start_on=start_on,
        policy=CyclePolicy(),
        actor="coordinator",
        now=NOW,
    )


def assert_keeps_every_hard_rule(session: Session, cycle_id: int) -> None:
    cycle = session.get_one(Cycle, cycle_id)
    need = cycle_need(session, cycle, POLICY, today=NOW.date())
    pool = {p.id: p for p in load_candidates(session, excluding={cycle_id})}
    team = current_team(session, cycle_id)
    assert set(team) == {"lead", "co"}
    lead, co = pool[team["lead"].facilitator_id], pool[team["co"].facilitator_id]
    assert breach(need, lead) is None
    assert breach(need, co) is None
    assert lead.home_commune != co.home_commune


def test_a_batch_gets_teams_that_keep_every_hard_rule_with_score_and_explanation(
    session: Session,
) -> None:
    add_person(session, "Awa Maïga", "ML070103", sex="F")
    baba = add_person(session, "Baba Arham", "ML060201")
    cheick = add_person(session, "Cheick Partisan", "ML070202", affiliations=["Kel Ansar"])
    add_person(session, "Dédé Touré", "ML060306")
    add_person(session, "Oumar Coordinateur", "ML070103", role="coordinator", max_cycles=0)
    alafia, arham = launch(session, "ML060101"), launch(session, "ML060201")
    session.add(
        BaselineStudy(
            cycle_id=alafia.id,
            completed_on=date(2027, 1, 20),
            risk_themes=["foncier"],
            communities=["Kel Ansar", "Songhaï"],
            languages=["son"],
            participant_groups=["women"],
            summary="—",
            recorded_at=NOW,
        )
    )
    results = assign_cycles(session, [alafia.id, arham.id], policy=POLICY, now=NOW, actor="t")
    assert [r.assigned for r in results] == [True, True]
    for result in results:
        assert_keeps_every_hard_rule(session, result.cycle_id)
        assert isinstance(result.explanation, list)
        assert say(Key.SCORE, score=result.score) in result.explanation
    assert baba.id in (results[0].lead_id, results[0].co_id)  # Arham is his home
    assert cheick.id in (results[1].lead_id, results[1].co_id)  # affiliated with Kel Ansar
    lead_steps = {s.facilitator_id for s in alafia.steps if s.stage in ("facilitation", "minutes")}
    assert lead_steps == {results[0].lead_id}
    rows = session.scalars(select(TeamAssignment)).all()
    assert len(rows) == 4 and all(r.score == results[0].score for r in rows[:2])
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.cycle_id == alafia.id))
    assert "team.assigned" in list(actions)


def test_assigning_again_keeps_the_team_and_writes_nothing(session: Session) -> None:
    for i, home in enumerate(["ML070103", "ML070202"]):
        add_person(session, f"P{i}", home)
    cycle = launch(session, "ML060101")
    first = assign_cycle(session, cycle.id, policy=POLICY, now=NOW)
    events = len(session.scalars(select(AuditEvent)).all())
    again = assign_cycle(session, cycle.id, policy=POLICY, now=NOW)
    assert first.changed and not again.changed
    assert (again.lead_id, again.co_id) == (first.lead_id, first.co_id)
    assert len(session.scalars(select(TeamAssignment)).all()) == 2
    assert len(session.scalars(select(AuditEvent)).all()) == events


def test_a_cycle_nobody_fits_waits_unassigned_with_the_reason_and_the_coordinators_are_told(
    session: Session,
) -> None:
    add_person(session, "Seydou Bambara", "ML070103", languages=["bm"], regions=["ML08"])
    cycle = launch(session, "ML080301")  # Abeïbara, Kidal: Tamasheq or Arabic by default
    result = assign_cycle(session, cycle.id, policy=POLICY, now=NOW)
    assert not result.assigned
    assert result.unassigned_reason == say(Key.NO_SPEAKER, languages=["ar", "taq"])
    assert [(n.kind, n.facilitator_id) for n in result.notices] == [("unassigned", None)]
    assert session.scalars(select(TeamAssignment)).all() == []
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "team.unassigned")).one()
    assert event.after == {"reason": result.unassigned_reason.dump(), "because": None}
    events = len(session.scalars(select(AuditEvent)).all())
    again = assign_cycle(session, cycle.id, policy=POLICY, now=NOW)
    assert again.unassigned_reason == result.unassigned_reason and again.notices == []
    assert len(session.scalars(select(AuditEvent)).all()) == events  # told once, not per replay


def test_an_unavailability_repairs_only_the_teams_it_hits_and_notifies_exactly_those_concerned(
    session: Session,
) -> None:
    for i, home in enumerate(["ML070103", "ML060201", "ML060306", "ML060402"]):
        add_person(session, f"P{i}", home, max_cycles=2, sex="F" if i == 0 else "M")
    early = launch(session, "ML060101", date(2027, 1, 4))  # sessions 15 Feb and 1 Mar
    late = launch(session, "ML060505", date(2027, 4, 5))  # sessions 17 and 31 May
    assign_cycles(session, [early.id, late.id], policy=POLICY, now=NOW)
    before_early = {r: row.facilitator_id for r, row in current_team(session, early.id).items()}
    before_late = {r: row.facilitator_id for r, row in current_team(session, late.id).items()}
    gone = session.get_one(Facilitator, before_early["lead"])
    report = mark_unavailable(
        session,
        gone,
        date(2027, 2, 10),
        date(2027, 2, 20),
        reason="family",
        policy=POLICY,
        actor="coordinator",
        now=NOW,
    )
    after_early = {r: row.facilitator_id for r, row in current_team(session, early.id).items()}
    assert gone.id not in after_early.values()
    assert_keeps_every_hard_rule(session, early.id)
    assert before_early["co"] in after_early.values()  # the partner is kept
    assert {r: row.facilitator_id for r, row in current_team(session, late.id).items()} == (
        before_late
    )
    expected = {("released", gone.id)} | {
        ("assigned", person)
        for role, person in after_early.items()
        if before_early.get(role) != person
    }
    assert {(n.kind, n.facilitator_id) for n in report.notices} == expected
    assert {n.cycle_id for n in report.notices} == {early.id}
    notified = session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("team.notify.%"))
    ).all()
    why = say(Key.UNAVAILABLE, name=gone.name, start="2027-02-10", end="2027-02-20", note="family")
    told = [e.after["reason"] for e in notified if e.after and e.after["reason"]]
    assert told == [why.dump()] * len(report.notices)
    again = mark_unavailable(
        session,
        gone,
        date(2027, 2, 10),
        date(2027, 2, 20),
        reason="family",
        policy=POLICY,
        actor="coordinator",
        now=NOW,
    )
    assert not again.recorded and again.notices == []


def test_an_unavailability_without_replacement_leaves_the_partner_and_tells_the_coordinators(
    session: Session,
) -> None:
    first = add_person(session, "Awa", "ML070103", sex="F")
    second = add_person(session, "Baba", "ML070202")
    cycle = launch(session, "ML060101")
    assign_cycle(session, cycle.id, policy=POLICY, now=NOW)
    report = mark_unavailable(
        session,
        first,
        date(2027, 2, 1),
        date(2027, 3, 31),
        reason=None,
        policy=POLICY,
        actor="coordinator",
        now=NOW,
    )
    assert [(n.kind, n.facilitator_id) for n in report.notices] == [
        ("released", first.id),
        ("unassigned", None),
    ]
    reason = report.results[0].unassigned_reason
    assert reason is not None and reason.key == Key.ONE_AVAILABLE
    assert reason.params["name"] == "Baba" and reason.params["back"] == "2027-04-01"
    team = current_team(session, cycle.id)
    assert [row.facilitator_id for row in team.values()] == [second.id]
    owners = {s.facilitator_id for s in cycle.steps if s.stage in ("facilitation", "minutes")}
    assert owners == {second.id}


def test_team_summary_shows_the_team_or_why_the_cycle_waits(session: Session) -> None:
    add_person(session, "Awa", "ML070103", sex="F")
    add_person(session, "Baba", "ML070202")
    staffed = launch(session, "ML060101")
    waiting = launch(session, "ML080301")
    assign_cycles(session, [staffed.id, waiting.id], policy=POLICY, now=NOW)
    shown = team_summary(session, staffed.id)
    assert {shown["lead"], shown["co"]} == {"Awa", "Baba"}
    assert shown["unassigned_reason"] is None
    rows = current_team(session, staffed.id).values()
    assert [shown["explanation"]] * 2 == [load_phrases(r.explanation_phrases) for r in rows]
    assert team_summary(session, waiting.id)["unassigned_reason"] == (
        say(Key.NO_SPEAKER, languages=["ar", "taq"])
    )


def test_rows_and_events_from_before_phrases_give_their_english_text(session: Session) -> None:
    add_person(session, "Awa", "ML070103", sex="F")
    add_person(session, "Baba", "ML070202")
    staffed = launch(session, "ML060101")
    waiting = launch(session, "ML080301")
    assign_cycles(session, [staffed.id, waiting.id], policy=POLICY, now=NOW)
    for row in current_team(session, staffed.id).values():  # as migration 0006 found them
        row.explanation, row.explanation_phrases = "Lead Awa (covers the region +3). Score 3.", None
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "team.unassigned")).one()
    event.after = {"reason": "no Arabic or Tamasheq speaker among the facilitators"}
    session.flush()
    assert team_summary(session, staffed.id)["explanation"] == (
        "Lead Awa (covers the region +3). Score 3."
    )
    assert team_summary(session, waiting.id)["unassigned_reason"] == (
        "no Arabic or Tamasheq speaker among the facilitators"
    )
    replay = assign_cycle(session, waiting.id, policy=POLICY, now=NOW)
    assert isinstance(replay.unassigned_reason, Phrase)  # a new event, keyed this time


def test_a_communes_next_cycle_keeps_the_previous_team_unless_continuity_weighs_nothing(
    session: Session,
) -> None:
    add_person(session, "Awa", "ML070103", sex="F")
    add_person(session, "Baba", "ML070202")
    first = launch(session, "ML060101")
    earlier = assign_cycle(session, first.id, policy=POLICY, now=NOW)
    close_cycle(session, first, CycleStatus.COMPLETED, actor="t", now=NOW)
    # A newcomer whose home is in the region (+1) would beat either member without continuity.
    newcomer = add_person(session, "Dédé", "ML060306")
    second = launch(session, "ML060101", date(2027, 6, 1))
    need = cycle_need(session, second, POLICY)
    assert need.previous_team == {earlier.lead_id, earlier.co_id}
    pool = load_candidates(session, excluding={second.id})
    kept = solve([need], pool, POLICY).teams[second.id]
    assert {kept.lead, kept.co} == {earlier.lead_id, earlier.co_id}
    assert kept.parts["continuity"] == 2 * POLICY.continuity
    fresh = solve([need], pool, POLICY.model_copy(update={"continuity": 0.0})).teams[second.id]
    assert newcomer.id in (fresh.lead, fresh.co)


def test_a_member_the_baseline_study_makes_partial_is_replaced_at_the_next_assignment(
    session: Session,
) -> None:
    awa = add_person(session, "Awa", "ML070103", sex="F", affiliations=["Kel Ansar"])
    add_person(session, "Baba", "ML070202")
    dede = add_person(session, "Dédé", "ML070201")
    cycle = launch(session, "ML060101")
    first = assign_cycle(session, cycle.id, policy=POLICY, now=NOW)  # at launch: no study yet
    assert awa.id in (first.lead_id, first.co_id)
    session.add(
        BaselineStudy(
            cycle_id=cycle.id,
            completed_on=date(2027, 1, 20),
            risk_themes=["foncier"],
            communities=["Kel Ansar"],
            languages=["son"],
            participant_groups=["women"],
            summary="—",
            recorded_at=NOW,
        )
    )
    session.flush()
    again = assign_cycle(session, cycle.id, policy=POLICY, now=NOW)
    assert again.assigned and awa.id not in (again.lead_id, again.co_id)
    assert_keeps_every_hard_rule(session, cycle.id)
    kinds = {(n.kind, n.facilitator_id) for n in again.notices}
    assert ("released", awa.id) in kinds and ("assigned", dede.id) in kinds
    released = next(n for n in again.notices if n.kind == "released")
    why = say(Key.UNFIT_AFFILIATION, name="Awa", parties=["kel ansar"])
    assert released.reason == say(Key.NO_LONGER_FITS, why=why)
