"""A cycle of N'gara (ML040107, cercle de Barouéli) with everything its documents print.

Built through the domain (launch_cycle) and the ORM on the test database, the same way on SQLite
and PostgreSQL. The data carries the cases documents must get right: an apostrophe and accents,
a sensitive grievance, and a grievance that holds `<script>`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle
from models.cycle.launch import launch_cycle
from models.geography.places import Commune
from models.people.facilitator import Facilitator
from models.policy import CyclePolicy
from models.stages.minutes import Agreement, AttendanceCount, Commitment, Grievance, Minutes
from models.stages.safety_plan import PlanAction, SafetyPlan
from models.stages.sessions import DebateSession
from models.text import name_key

NGARA = "ML040107"
LAUNCHED_AT = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
SESSION_1_AT = datetime(2026, 2, 21, 9, 30, tzinfo=UTC)  # Bamako is UTC+0: 09h30 there too
SCRIPT = "<script>alert('pv')</script>"


def facilitator(session: Session, name: str, *, sex: str = "F", locale: str = "fr") -> Facilitator:
    person = Facilitator(
        name=name,
        name_key=name_key(name),
        sex=sex,
        role="facilitator",
        home_commune_pcode=NGARA,
        languages=["bm", "fr"],
        affiliations=[],
        max_cycles=3,
        locale=locale,
        created_at=LAUNCHED_AT,
    )
    session.add(person)
    session.flush()
    return person


def ngara_cycle(session: Session, *, commune: str = NGARA, now: datetime = LAUNCHED_AT) -> Cycle:
    """A launched cycle with session 1 scheduled and two facilitators on it."""
    place = session.get(Commune, commune)
    assert place is not None
    cycle = launch_cycle(
        session, place, start_on=now.date(), policy=CyclePolicy(), actor="test", now=now
    )
    first = facilitator(session, "Aïssata Traoré")
    second = facilitator(session, "Moussa Coulibaly", sex="M")
    cycle.step("session-1").facilitator_id = first.id
    cycle.step("minutes-1").facilitator_id = second.id
    session.add(
        DebateSession(
            cycle_id=cycle.id,
            number=1,
            starts_at=SESSION_1_AT,
            venue="Salle de la mairie de N'gara, près du marché",
            commune_pcode=commune,
            language="bm",
            status="scheduled",
            revision=0,
        )
    )
    session.flush()
    session.refresh(cycle)
    return cycle


def add_minutes(session: Session, cycle: Cycle, number: int = 1) -> Minutes:
    counts = [
        ("F", "15-24", "youth", 6),
        ("F", "25-59", "women", 14),
        ("F", "60+", "women", 3),
        ("M", "15-24", "youth", 9),
        ("M", "25-59", "herders", 7),
        ("M", "25-59", "farmers", 8),
        ("M", "60+", "traditional_leaders", 4),
        ("M", "60+", "religious_leaders", 2),
        ("F", "25-59", "displaced", 5),
    ]
    minutes = Minutes(
        cycle_id=cycle.id,
        session_number=number,
        total_participants=sum(c for *_k, c in counts),
        validated_by="Aïssata Traoré, facilitatrice",
        validated_on=date(2026, 2, 23),
        recorded_at=datetime(2026, 2, 23, 17, 0, tzinfo=UTC),
    )
    minutes.attendance = [
        AttendanceCount(sex=s, age_band=a, group=g, count=c) for s, a, g, c in counts
    ]
    minutes.grievances = [
        Grievance(
            theme="Accès à l'eau",
            summary="Les éleveurs et les agriculteurs se disputent le puits de Sébénikoro.",
            sensitive=False,
        ),
        Grievance(
            theme="Exactions de 2013",
            summary="Nom d'un auteur présumé cité en séance.",
            sensitive=True,
        ),
        Grievance(theme="Message piégé", summary=f"Texte reçu : {SCRIPT} | fin", sensitive=False),
    ]
    minutes.agreements = [
        Agreement(text="Un calendrier d'accès au puits, affiché à la mairie."),
        Agreement(text="Les couloirs de transhumance seront balisés avant la saison des pluies."),
    ]
    minutes.commitments = [
        Commitment(
            party="Mairie de N'gara",
            action="Afficher le calendrier d'accès au puits",
            deadline=date(2026, 3, 15),
        ),
        Commitment(
            party="Association des éleveurs",
            action="Désigner deux relais par campement",
            deadline=date(2026, 3, 1),
        ),
    ]
    session.add(minutes)
    session.flush()
    return minutes


def add_safety_plan(
    session: Session, cycle: Cycle, *, handed_over: bool = True, answers: bool = False
) -> SafetyPlan:
    """The plan of two actions; with `answers`, the first answers grievances 1.1 (accès à l'eau)
    and 1.2 (sensitive) of the minutes add_minutes wrote."""
    plan = SafetyPlan(
        cycle_id=cycle.id,
        status="handed_over" if handed_over else "validated",
        validated_by="Comité communal de sécurité de N'gara",
        validated_on=date(2026, 4, 10),
        handed_over_at=datetime(2026, 4, 17, 10, 0, tzinfo=UTC) if handed_over else None,
        received_by="Le maire de N'gara" if handed_over else None,
        recorded_at=datetime(2026, 4, 17, 12, 0, tzinfo=UTC),
    )
    plan.actions = [
        PlanAction(
            priority=1,
            risk="Conflit d'accès au puits entre éleveurs et agriculteurs",
            action="Calendrier d'accès et comité de gestion du puits",
            responsible_party="Mairie de N'gara",
            deadline=date(2026, 5, 31),
            resources="Budget communal : 150 000 FCFA",
            indicator="Nombre d'incidents au puits par mois",
        ),
        PlanAction(
            priority=2,
            risk="Dégâts des troupeaux sur les champs en saison des pluies",
            action="Baliser les couloirs de transhumance",
            responsible_party="Association des éleveurs <Sébénikoro>",
            deadline=date(2026, 6, 30),
            resources="Balises, 2 relais par campement",
            indicator="Kilomètres de couloirs balisés",
        ),
    ]
    if answers:
        minutes = session.scalars(
            select(Minutes).where(Minutes.cycle_id == cycle.id, Minutes.session_number == 1)
        ).one()
        plan.actions[0].grievances = list(minutes.grievances[:2])
    session.add(plan)
    session.flush()
    return plan
