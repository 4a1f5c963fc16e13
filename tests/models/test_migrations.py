"""The migrations build, from an empty database, exactly the schema the models describe."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, insert, inspect, text

import migrations
from models import db
from models.tables import metadata


def test_migrations_from_empty_to_head_match_the_models(backend: str, fresh_database) -> None:  # type: ignore[no-untyped-def]
    engine = db.engine_for(fresh_database(backend))
    assert migrations.current_revision(engine) is None
    migrations.upgrade(engine)
    assert migrations.current_revision(engine) == migrations.head_revision(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_downgrade_to_base_removes_every_table(backend: str, fresh_database) -> None:  # type: ignore[no-untyped-def]
    engine = db.engine_for(fresh_database(backend))
    migrations.upgrade(engine)
    from alembic import command

    command.downgrade(migrations.alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert migrations.ensure_current(engine) is True
    assert migrations.ensure_current(engine) is False


def test_the_head_constant_is_alembics_head(fresh_database) -> None:  # type: ignore[no-untyped-def]
    # Every command trusts migrations.HEAD to skip Alembic; a new migration must move it too.
    engine = db.engine_for(fresh_database("sqlite"))
    assert migrations.head_revision(engine) == migrations.HEAD


def test_at_head_reads_the_revision_without_alembic(backend: str, fresh_database) -> None:  # type: ignore[no-untyped-def]
    engine = db.engine_for(fresh_database(backend))
    assert migrations.at_head(engine) is False
    migrations.upgrade(engine, "0004")
    assert migrations.current_revision(engine) == "0004"
    assert migrations.at_head(engine) is False
    migrations.upgrade(engine)
    assert migrations.at_head(engine) is True


def old_cycle(session: Any, commune: str, start_on: date, now: datetime) -> int:
    """A cycle and its planned steps as a revision before 0012 holds them (no `funder` column
    yet, which the ORM's Cycle now selects): Core inserts of the columns given; the id of its
    first step."""
    from sqlalchemy import column, insert, select, table

    from models.cycle.cycle import Cycle, Step
    from models.cycle.plan import plan_cycle
    from models.geography.places import resolve_commune
    from models.policy import CyclePolicy

    place = resolve_commune(session, commune)
    cycle_id = session.execute(
        insert(Cycle.__table__)
        .values(
            level="commune",
            area_pcode=place.pcode,
            commune_pcode=place.pcode,
            cercle_pcode=place.cercle_pcode,
            region_pcode=place.cercle.region_pcode,
            sequence=1,
            status="active",
            start_on=start_on,
            launched_by="test",
            launched_at=now,
        )
        .returning(Cycle.__table__.c.id)
    ).scalar_one()
    planned = [
        {
            "cycle_id": cycle_id, "position": p.position, "stage": p.stage.value,
            "name": p.name, "title": p.title, "owner_role": p.owner_role.value,
            "session_number": p.session_number, "due_at": p.due_at, "status": "pending",
            "escalation_level": 0,
        }
        for p in plan_cycle(start_on, CyclePolicy())
    ]  # fmt: skip
    given = Step.__table__.c  # only these columns: the ORM's defaults name newer ones
    session.execute(
        insert(table("steps", *(column(name, given[name].type) for name in planned[0]))), planned
    )
    return int(
        session.scalar(
            select(Step.id).where(Step.cycle_id == cycle_id).order_by(Step.position).limit(1)
        )
    )


def test_0008_keeps_the_ledger_rows_and_cycles_of_0007(backend: str, fresh_database) -> None:  # type: ignore[no-untyped-def]
    """The roster's migration rebuilds `notifications` on SQLite (new columns, a CHECK): the cycles
    and the ledger rows written before it stay, as facilitators' rows."""
    from datetime import UTC, date, datetime

    from sqlalchemy import insert, select
    from sqlalchemy.orm import Session

    from models.cycle.cycle import Cycle
    from models.geography.registry import import_registry
    from models.reminders.ledger import Notification
    from models.settings import SHIPPED_COMMUNES

    engine = db.engine_for(fresh_database(backend))
    migrations.upgrade(engine, "0007")
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with Session(engine) as session, session.begin():
        import_registry(session, SHIPPED_COMMUNES)
        step_id = old_cycle(session, "Diré", date(2026, 3, 2), now)
        session.execute(  # the columns of 0007 only
            insert(Notification.__table__).values(
                step_id=step_id, rule="before-7d", recipient="contact:1", due_at=now,
                channel="mailto", status="sent", attempts=1, created_at=now, claimed_at=now,
                claimed_by="sweep",
            )
        )  # fmt: skip
    migrations.upgrade(engine)
    with Session(engine) as session:
        rows = session.execute(
            select(
                Notification.step_id,
                Notification.recipient,
                Notification.status,
                Notification.commune_person_id,
            )
        ).all()
        cycles = session.execute(select(Cycle.area_pcode, Cycle.status)).all()
    assert [tuple(r) for r in rows] == [(step_id, "contact:1", "sent", None)]
    assert [tuple(c) for c in cycles] == [("ML060205", "active")]


def test_0009_keeps_existing_cycles_and_steps_take_the_follow_up_stage(  # type: ignore[no-untyped-def]
    backend: str, fresh_database
) -> None:
    from datetime import UTC, date, datetime

    from sqlalchemy import select, update
    from sqlalchemy.orm import Session

    from models.cycle.cycle import Cycle, Step
    from models.cycle.launch import launch_cycle
    from models.geography.places import resolve_commune
    from models.geography.registry import import_registry
    from models.policy import CyclePolicy
    from models.settings import SHIPPED_COMMUNES

    engine = db.engine_for(fresh_database(backend))
    migrations.upgrade(engine, "0008")
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with Session(engine) as session, session.begin():
        import_registry(session, SHIPPED_COMMUNES)
        for commune in ("Diré", "Gao"):
            old_cycle(session, commune, date(2026, 3, 2), now)
        # Before 0009 a cycle was completed at its handover.
        session.execute(
            update(Cycle).where(Cycle.area_pcode == "ML070103").values(status="completed")
        )
    migrations.upgrade(engine)
    with Session(engine) as session, session.begin():
        cycles = session.execute(select(Cycle.area_pcode, Cycle.status).order_by(Cycle.id)).all()
        assert [tuple(c) for c in cycles] == [("ML060205", "active"), ("ML070103", "completed")]
        active = session.scalars(select(Cycle).where(Cycle.status == "active")).one()
        active.steps.append(  # the stage the migration adds is allowed by the CHECK
            Step(
                position=99,
                stage="follow_up",
                name="visit-1",
                title="Visite de suivi n° 1",
                owner_role="coordinator",
                due_at=now,
                status="pending",
            )
        )
        session.flush()
        again = launch_cycle(  # a completed cycle does not hold its commune
            session,
            resolve_commune(session, "Gao"),
            start_on=date(2026, 9, 1),
            policy=CyclePolicy(),
            actor="test",
            now=now,
        )
        assert again.sequence == 2


def _dire_cycle_7(launched_at: datetime) -> list[tuple[str, dict[str, object]]]:
    """Rows, as an older schema takes them, of Diré (with its cercle and region) and its active
    cycle 7."""
    return [
        ("regions", {"pcode": "ML06", "name": "Tombouctou"}),
        ("cercles", {"pcode": "ML0602", "region_pcode": "ML06", "name": "Dire"}),
        (
            "communes",
            {
                "pcode": "ML060205",
                "cercle_pcode": "ML0602",
                "name": "Diré",
                "official_name": "Dire",
            },
        ),
        (
            "cycles",
            {
                "id": 7,
                "level": "commune",
                "area_pcode": "ML060205",
                "commune_pcode": "ML060205",
                "cercle_pcode": "ML0602",
                "region_pcode": "ML06",
                "sequence": 1,
                "status": "active",
                "start_on": date(2026, 3, 2),
                "launched_by": "coordinatrice",
                "launched_at": launched_at,
            },
        ),
    ]


def test_cycles_and_sessions_from_before_intercommunal_cycles_survive_the_upgrade(  # type: ignore[no-untyped-def]
    backend: str, fresh_database
) -> None:
    engine = db.engine_for(fresh_database(backend))
    migrations.upgrade(engine, "0009")
    launched = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with engine.begin() as connection:
        tables = MetaData()
        tables.reflect(connection)
        for name, row in [
            *_dire_cycle_7(launched),
            (
                "debate_sessions",
                {
                    "cycle_id": 7,
                    "number": 1,
                    "starts_at": launched,
                    "venue": "Mairie de Diré",
                    "language": "son",
                    "status": "scheduled",
                    "revision": 0,
                },
            ),
        ]:
            connection.execute(insert(tables.tables[name]).values(**row))
    migrations.upgrade(engine)
    with engine.connect() as connection:
        cycles = connection.execute(
            text("SELECT id, level, area_pcode, commune_pcode, status FROM cycles")
        ).all()
        sessions = connection.execute(
            text("SELECT cycle_id, venue, commune_pcode FROM debate_sessions")
        ).all()
    assert [tuple(r) for r in cycles] == [(7, "commune", "ML060205", "ML060205", "active")]
    assert [tuple(r) for r in sessions] == [(7, "Mairie de Diré", "ML060205")]


def test_0011_keeps_an_existing_plan_whose_actions_then_answer_nothing(  # type: ignore[no-untyped-def]
    backend: str, fresh_database
) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from models.stages.safety_plan import SafetyPlan, plan_action_grievances

    engine = db.engine_for(fresh_database(backend))
    migrations.upgrade(engine, "0010")
    at = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    with engine.begin() as connection:
        tables = MetaData()
        tables.reflect(connection)
        for name, row in [
            *_dire_cycle_7(at),
            (
                "minutes",
                {
                    "id": 3,
                    "cycle_id": 7,
                    "session_number": 1,
                    "total_participants": 30,
                    "validated_by": "SG de mairie",
                    "validated_on": date(2026, 5, 2),
                    "recorded_at": at,
                },
            ),
            (
                "grievances",
                {
                    "id": 4,
                    "minutes_id": 3,
                    "theme": "foncier",
                    "summary": "Champs",
                    "sensitive": False,
                },
            ),
            (
                "safety_plans",
                {
                    "id": 5,
                    "cycle_id": 7,
                    "status": "validated",
                    "validated_by": "Comité",
                    "validated_on": date(2026, 6, 1),
                    "recorded_at": at,
                },
            ),
            (
                "plan_actions",
                {
                    "id": 6,
                    "plan_id": 5,
                    "priority": 1,
                    "risk": "Conflit",
                    "action": "Baliser",
                    "responsible_party": "Mairie",
                    "deadline": date(2026, 9, 1),
                    "resources": "Budget",
                    "indicator": "Couloirs",
                },
            ),
        ]:
            connection.execute(insert(tables.tables[name]).values(**row))
    migrations.upgrade(engine)
    with Session(engine) as session, session.begin():
        plan = session.scalars(select(SafetyPlan)).one()
        assert [(a.id, a.action, a.grievances) for a in plan.actions] == [(6, "Baliser", [])]
        session.execute(insert(plan_action_grievances).values(plan_action_id=6, grievance_id=4))
    with Session(engine) as session:
        plan = session.scalars(select(SafetyPlan)).one()
        assert [g.theme for g in plan.actions[0].grievances] == ["foncier"]


def test_0015_marks_the_steps_whose_facilitator_the_ledger_told(
    backend: str, fresh_database
) -> None:  # type: ignore[no-untyped-def]
    """The sweep's "told" mark starts from the ledger: the steps of a lead told of their cycle
    (by the step's notice or the team's) are marked, a lead not yet told is left to the sweep."""
    from sqlalchemy import column, select, table, update
    from sqlalchemy.orm import Session

    from models.cycle.cycle import Step
    from models.geography.registry import import_registry
    from models.people.facilitator import Facilitator
    from models.reminders.ledger import Notification
    from models.settings import SHIPPED_COMMUNES

    engine = db.engine_for(fresh_database(backend))
    migrations.upgrade(engine, "0014")
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    steps = table(
        "steps", column("id"), column("cycle_id"), column("stage"), column("facilitator_id")
    )
    with Session(engine) as session, session.begin():
        import_registry(session, SHIPPED_COMMUNES)
        lead = Facilitator(
            name="Moussa", name_key="moussa", sex="M", role="facilitator",
            home_commune_pcode="ML060205", languages=["fr"], affiliations=[], max_cycles=3,
            locale="fr", created_at=now,
        )  # fmt: skip
        session.add(lead)
        session.flush()
        lead_id = lead.id
        told_cycle = old_cycle(session, "Diré", date(2026, 3, 2), now)
        old_cycle(session, "Ber", date(2026, 3, 2), now)
        session.execute(
            update(steps)
            .where(steps.c.stage.in_(["facilitation", "minutes"]))
            .values(facilitator_id=lead_id)
        )
        first_session = session.scalar(
            select(steps.c.id)
            .where(
                steps.c.cycle_id
                == session.scalar(select(steps.c.cycle_id).where(steps.c.id == told_cycle)),
                steps.c.stage == "facilitation",
            )
            .limit(1)
        )
        session.execute(
            insert(Notification.__table__).values(
                step_id=first_session, rule="team-assigned:7", recipient="contact:1", due_at=now,
                facilitator_id=lead_id, channel="mailto", status="sent", attempts=1,
                created_at=now, claimed_at=now, claimed_by="sweep",
            )
        )  # fmt: skip
    migrations.upgrade(engine)
    with Session(engine) as session:
        marked = {
            (cycle, stage, person, told)
            for cycle, stage, person, told in session.execute(
                select(Step.cycle_id, Step.stage, Step.facilitator_id, Step.facilitator_told)
            )
        }
        cycles = sorted({row[0] for row in marked})
    assert len(cycles) == 2
    told_id, untold_id = cycles
    assert {m for m in marked if m[3]} == {
        (told_id, "facilitation", lead_id, True),
        (told_id, "minutes", lead_id, True),
    }
    assert (untold_id, "facilitation", lead_id, False) in marked
    assert not any(told for _c, _s, person, told in marked if person is None)
