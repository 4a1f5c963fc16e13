"""Many cycles due at once, in a fresh database: for multi-process tests and the benchmarks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

import migrations
from models import db
from models.cycle.cycle import Step
from models.cycle.launch import launch_cycle
from models.geography.places import Commune, Region
from models.geography.registry import import_registry
from models.people.facilitator import Contact, Facilitator
from models.policy import CyclePolicy
from models.settings import SHIPPED_COMMUNES
from models.text import name_key

LAUNCHED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def seed_due_reminders(
    url: str, *, cycles: int, due_at: datetime, hook_url: str, channels: int = 8
) -> int:
    """Migrate `url`, load the registry, launch `cycles` cycles whose every step is due at
    `due_at`, and give each region `channels` coordinators, one channel each at `hook_url`. Only
    the step a cycle waits on is chased, and it is owned by its region's coordinator (no
    facilitator assigned): one reminder per cycle and channel, the count returned."""
    engine = db.engine_for(url)
    migrations.upgrade(engine)
    with Session(engine) as session, session.begin():
        import_registry(session, SHIPPED_COMMUNES)
    with Session(engine) as session, session.begin():
        for region in session.scalars(select(Region).order_by(Region.pcode)):
            commune = session.scalars(
                select(Commune).where(Commune.cercle.has(region_pcode=region.pcode)).limit(1)
            ).first()
            if commune is None:
                continue
            # `channels` coordinators of one channel each: with channel fallback a message goes
            # to a person's first channel only, so many channels are many people.
            for k in range(channels):
                name = f"Coordination {region.name} {k}"
                person = Facilitator(
                    name=name,
                    name_key=name_key(name),
                    sex="F",
                    role="coordinator",
                    home_commune_pcode=commune.pcode,
                    languages=["fr"],
                    affiliations=[],
                    max_cycles=0,
                    locale="fr",
                    created_at=LAUNCHED,
                )
                person.regions = [region]
                person.contacts = [Contact(url=f"{hook_url}/{region.pcode}/{k}")]
                session.add(person)
        communes = session.scalars(select(Commune).order_by(Commune.pcode).limit(cycles)).all()
        for commune in communes:
            launch_cycle(
                session,
                commune,
                start_on=date(2026, 3, 2),
                policy=CyclePolicy(),
                actor="seed",
                now=LAUNCHED,
            )
        session.flush()
        session.execute(update(Step).values(due_at=due_at))
    return len(communes) * channels


def day_before(due_at: datetime) -> datetime:
    """09:00 the day before `due_at`: the 'before-1d' reminder is due."""
    return (due_at - timedelta(days=1)).replace(hour=9, minute=0)
