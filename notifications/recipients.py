"""Who receives a rule: the step's owner, the coordinators of the cycle's region, the managers,
and the commune's office holders (mayor, focal point, chiefs, leads: models.people.roster).

Coordinators and managers are Facilitator rows with role coordinator / manager; a coordinator's
regions are the regions they coordinate. A manager with no region covers every region. The whole
directory is two queries per sweep, facilitators and current office holders (hundreds and a few
thousand), each with their contacts.

A person is of a `PersonKind`, and the ledger keeps the two apart: a facilitator's channel is the
recipient 'contact:<facilitator_contacts.id>', an office holder's 'roster:<commune_person_contacts.id>'.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.people.facilitator import (
    Contact,
    Facilitator,
    Role,
    facilitator_regions,
    url_scheme,
)
from models.people.roster import CommunePerson, CommunePersonContact
from models.reminders.due import Audience, OpenStep


class PersonKind(enum.StrEnum):
    FACILITATOR = "contact"
    """A facilitator, coordinator or manager (the ledger's `facilitator_id`)."""
    OFFICE_HOLDER = "roster"
    """One of a commune's office holders (the ledger's `commune_person_id`)."""


@dataclass(frozen=True)
class Channel:
    contact_id: int
    scheme: str
    url: str = field(repr=False)
    kind: PersonKind = PersonKind.FACILITATOR

    @cached_property
    def recipient(self) -> str:
        """The ledger's recipient key: the channel's kind and id, never its URL (kept: the sweep
        asks for it twice per claim)."""
        return f"{self.kind.value}:{self.contact_id}"


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    role: str
    locale: str
    regions: tuple[str, ...]
    channels: tuple[Channel, ...]
    kind: PersonKind = PersonKind.FACILITATOR


def channels_to_try(person: Person, fallback: bool) -> tuple[Channel, ...]:
    """The channels a new message goes to: the first listed one (the others wait for it to fail:
    `next_channel`), or every one when the policy has no fallback."""
    return person.channels[:1] if fallback else person.channels


def next_channel(person: Person, recipient: str) -> Channel | None:
    """The channel listed after the one whose ledger recipient is `recipient`; None after the last
    (or when that channel is gone from the person's list)."""
    keys = [c.recipient for c in person.channels]
    if recipient not in keys:
        return None
    following = person.channels[keys.index(recipient) + 1 :]
    return following[0] if following else None


@dataclass
class Directory:
    people: dict[int, Person]
    coordinators: dict[str, list[Person]]
    managers: list[Person]
    office_holders: dict[int, Person] = field(default_factory=dict)
    """The communes' current office holders, by commune_people.id."""
    by_commune: dict[str, list[Person]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> Directory:
        """Everyone with their channels: plain rows, people with their contacts then their
        regions (ORM objects with their collections loaded took longer than the sweep's query
        of 11,239 steps)."""
        regions: dict[int, list[str]] = defaultdict(list)
        columns = facilitator_regions.c
        for row in session.execute(
            select(columns.facilitator_id, columns.region_pcode).order_by(
                columns.facilitator_id, columns.region_pcode
            )
        ):
            person_id: int = row[0]
            regions[person_id].append(row[1])
        fields: dict[int, tuple[str, str, str]] = {}
        channels: dict[int, list[Channel]] = defaultdict(list)
        for person_id, name, role, locale, contact_id, url in session.execute(
            select(
                Facilitator.id,
                Facilitator.name,
                Facilitator.role,
                Facilitator.locale,
                Contact.id,
                Contact.url,
            )
            .outerjoin(Contact, Contact.facilitator_id == Facilitator.id)
            .order_by(Facilitator.id, Contact.id)
        ):
            fields[person_id] = (name, role, locale)
            if contact_id is not None:
                channels[person_id].append(Channel(contact_id, url_scheme(url), url))
        people: dict[int, Person] = {}
        coordinators: dict[str, list[Person]] = defaultdict(list)
        managers: list[Person] = []
        for person_id, (name, role, locale) in fields.items():
            person = Person(
                id=person_id,
                name=name,
                role=role,
                locale=locale,
                regions=tuple(regions[person_id]),
                channels=tuple(channels[person_id]),
            )
            people[person_id] = person
            if role == Role.COORDINATOR:
                for region in person.regions:
                    coordinators[region].append(person)
            elif role == Role.MANAGER:
                managers.append(person)
        holders, by_commune = _office_holders(session)
        return cls(people, dict(coordinators), managers, holders, by_commune)

    def recipient(self, facilitator_id: int | None, commune_person_id: int | None) -> Person | None:
        """The person a ledger row names (None when they were removed, or left their office)."""
        if commune_person_id is not None:
            return self.office_holders.get(commune_person_id)
        return self.people.get(facilitator_id) if facilitator_id is not None else None

    def commune_people(self, area_pcode: str) -> list[Person]:
        """The current office holders of a cycle's area: its commune's, or for an intercommunal
        cycle those of every commune of the cercle (P-codes nest: ML0602 > ML060205)."""
        return [
            person
            for pcode, people in self.by_commune.items()
            if pcode.startswith(area_pcode)
            for person in people
        ]

    def managers_of(self, region_pcode: str) -> list[Person]:
        return [m for m in self.managers if not m.regions or region_pcode in m.regions]

    def owners(self, step: OpenStep) -> list[Person]:
        """The facilitator assigned to the step; the region's coordinators for their own steps
        and for a facilitator step nobody is assigned to yet."""
        if step.owner_role == Role.FACILITATOR and step.facilitator_id in self.people:
            return [self.people[step.facilitator_id]]
        return self.coordinators.get(step.region_pcode, [])

    def audience_key(self, audience: Audience, step: OpenStep) -> int | str:
        """What `audience(audience, step)` depends on: the assigned facilitator for a step they
        own (`owners`), else the step's region."""
        owner = step.facilitator_id
        if audience == Audience.OWNER and step.owner_role == Role.FACILITATOR and owner is not None:
            return owner if owner in self.people else step.region_pcode
        return step.region_pcode

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

    def invited(self, team: tuple[int, ...], region_pcode: str, area_pcode: str) -> list[Person]:
        """Who receives a session's invitation: its facilitators, the region's coordinators (who
        invite the participants; participants are never named here) and the office holders of
        the cycle's commune (or cercle)."""
        people = [self.people[i] for i in team if i in self.people]
        people += [c for c in self.coordinators.get(region_pcode, []) if c.id not in team]
        return people + self.commune_people(area_pcode)

    def told_about(self, person_id: int | None, region_pcode: str) -> list[Person]:
        """Who hears that `person_id` could not be reached: the region's coordinators, or the
        managers when the unreachable person is a coordinator or manager themselves."""
        person = self.people.get(person_id) if person_id is not None else None
        if person is None or person.role == Role.FACILITATOR:
            return self.coordinators.get(region_pcode, []) or self.managers_of(region_pcode)
        return [m for m in self.managers_of(region_pcode) if m.id != person.id]


def _office_holders(session: Session) -> tuple[dict[int, Person], dict[str, list[Person]]]:
    """The current office holders with their channels, by id and by commune: one query of plain
    rows (thousands of people; ORM objects would cost a second per sweep phase)."""
    rows = session.execute(
        select(
            CommunePerson.id,
            CommunePerson.commune_pcode,
            CommunePerson.name,
            CommunePerson.role,
            CommunePerson.locale,
            CommunePersonContact.id,
            CommunePersonContact.url,
        )
        .outerjoin(CommunePersonContact, CommunePersonContact.person_id == CommunePerson.id)
        .where(CommunePerson.until.is_(None))
        .order_by(CommunePerson.id, CommunePersonContact.id)
    )
    kind = PersonKind.OFFICE_HOLDER
    fields: dict[int, tuple[str, str, str, str]] = {}
    channels: dict[int, list[Channel]] = defaultdict(list)
    for person_id, pcode, name, role, locale, contact_id, url in rows:
        fields[person_id] = (pcode, name, role, locale)
        if contact_id is not None:
            channels[person_id].append(Channel(contact_id, url_scheme(url), url, kind))
    holders: dict[int, Person] = {}
    by_commune: dict[str, list[Person]] = defaultdict(list)
    for person_id, (pcode, name, role, locale) in fields.items():
        person = Person(person_id, name, role, locale, (), tuple(channels[person_id]), kind)
        holders[person_id] = person
        by_commune[pcode].append(person)
    return holders, dict(by_commune)
