"""Who receives a rule: the step's owner, the coordinators of the cycle's region, the managers.

Coordinators and managers are Facilitator rows with role coordinator / manager; a coordinator's
regions are the regions they coordinate. A manager with no region covers every region. The whole
directory is one query per sweep (people are hundreds, not thousands).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.people.facilitator import Facilitator, Role
from models.reminders.due import Audience, OpenStep


@dataclass(frozen=True)
class Channel:
    contact_id: int
    scheme: str
    url: str = field(repr=False)

    @property
    def recipient(self) -> str:
        """The ledger's recipient key: the channel's id, never its URL."""
        return f"contact:{self.contact_id}"


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    role: str
    locale: str
    regions: tuple[str, ...]
    channels: tuple[Channel, ...]


@dataclass
class Directory:
    people: dict[int, Person]
    coordinators: dict[str, list[Person]]
    managers: list[Person]

    @classmethod
    def load(cls, session: Session) -> Directory:
        rows = session.scalars(
            select(Facilitator)
            .options(selectinload(Facilitator.contacts), selectinload(Facilitator.regions))
            .order_by(Facilitator.id)
        ).all()
        people: dict[int, Person] = {}
        coordinators: dict[str, list[Person]] = defaultdict(list)
        managers: list[Person] = []
        for row in rows:
            person = Person(
                id=row.id,
                name=row.name,
                role=row.role,
                locale=row.locale,
                regions=tuple(r.pcode for r in row.regions),
                channels=tuple(Channel(c.id, c.scheme, c.url) for c in row.contacts),
            )
            people[row.id] = person
            if row.role == Role.COORDINATOR:
                for region in person.regions:
                    coordinators[region].append(person)
            elif row.role == Role.MANAGER:
                managers.append(person)
        return cls(people, dict(coordinators), managers)

    def managers_of(self, region_pcode: str) -> list[Person]:
        return [m for m in self.managers if not m.regions or region_pcode in m.regions]

    def owners(self, step: OpenStep) -> list[Person]:
        """The facilitator assigned to the step; the region's coordinators for their own steps
        and for a facilitator step nobody is assigned to yet."""
        if step.owner_role == Role.FACILITATOR and step.facilitator_id in self.people:
            return [self.people[step.facilitator_id]]
        return self.coordinators.get(step.region_pcode, [])

    def audience(self, audience: Audience, step: OpenStep) -> list[Person]:
        if audience == Audience.OWNER:
            return self.owners(step)
        if audience == Audience.COORDINATOR:
            return self.coordinators.get(step.region_pcode, [])
        return self.managers_of(step.region_pcode)

    def told_of_team_change(
        self, kind: str, person_id: int | None, region_pcode: str
    ) -> list[Person]:
        """Who hears of a team change: the person assigned or released; for a cycle nobody fits,
        the region's coordinators (the managers when the region has none)."""
        if kind == "unassigned":
            return self.coordinators.get(region_pcode, []) or self.managers_of(region_pcode)
        person = self.people.get(person_id) if person_id is not None else None
        return [person] if person else []

    def invited(self, team: tuple[int, ...], region_pcode: str) -> list[Person]:
        """Who receives a session's invitation: its facilitators and the region's coordinators
        (who invite the participants; participants are never named here)."""
        people = [self.people[i] for i in team if i in self.people]
        people += [c for c in self.coordinators.get(region_pcode, []) if c.id not in team]
        return people

    def told_about(self, person_id: int | None, region_pcode: str) -> list[Person]:
        """Who hears that `person_id` could not be reached: the region's coordinators, or the
        managers when the unreachable person is a coordinator or manager themselves."""
        person = self.people.get(person_id) if person_id is not None else None
        if person is None or person.role == Role.FACILITATOR:
            return self.coordinators.get(region_pcode, []) or self.managers_of(region_pcode)
        return [m for m in self.managers_of(region_pcode) if m.id != person.id]
