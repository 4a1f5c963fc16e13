"""The commune's people: who holds which office in a commune (mayor, security-committee focal point,
chiefs, women's and youth leads), when they took it, and when they left it.

An office holder is never deleted when replaced: the previous holder's term is closed (`until`), so
the roster keeps who held the office when. Offices with one holder at a time (`SINGLE_HOLDER`) have
at most one current holder per commune, a partial unique index; chiefs and `other` can be several.
Contacts are Apprise URLs, secrets like a facilitator's (`SecretUrl`): never shown beyond the scheme.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from models.base import Base, IntPk, child_of, one_of, unique_where
from models.fields import Sex
from models.geography.places import Commune
from models.people.facilitator import SecretUrl


class OfficeRole(enum.StrEnum):
    MAYOR = "mayor"
    SECURITY_FOCAL_POINT = "security_focal_point"
    CHIEF = "chief"
    WOMEN_LEAD = "women_lead"
    YOUTH_LEAD = "youth_lead"
    OTHER = "other"


SINGLE_HOLDER = frozenset(
    {
        OfficeRole.MAYOR,
        OfficeRole.SECURITY_FOCAL_POINT,
        OfficeRole.WOMEN_LEAD,
        OfficeRole.YOUTH_LEAD,
    }
)
"""Offices one person holds at a time: a new holder closes the previous one's term."""

CURRENT_ONLY = "until IS NULL"
_SINGLE_LISTED = ", ".join(f"'{role.value}'" for role in sorted(SINGLE_HOLDER))
CURRENT_SINGLE_HOLDER = f"until IS NULL AND role IN ({_SINGLE_LISTED})"


class CommunePerson(Base):
    """One person in one office of one commune, for one term (`until` NULL: still in office)."""

    __tablename__ = "commune_people"
    __table_args__ = (
        one_of("role", OfficeRole),
        one_of("sex", Sex),
        CheckConstraint("locale IN ('fr', 'en')", name="locale"),
        CheckConstraint("until IS NULL OR since IS NULL OR until >= since", name="term"),
        # A past term is found again by its start (importing an old file changes nothing).
        UniqueConstraint("commune_pcode", "role", "name_key", "since"),
        # One current term per person and office, and one current mayor (focal point, lead).
        unique_where(
            "uq_commune_people_current", "commune_pcode", "role", "name_key", where=CURRENT_ONLY
        ),
        unique_where(
            "uq_commune_people_one_holder", "commune_pcode", "role", where=CURRENT_SINGLE_HOLDER
        ),
    )

    id: Mapped[IntPk]
    commune_pcode: Mapped[str] = mapped_column(ForeignKey("communes.pcode"), index=True)
    role: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
    sex: Mapped[str] = mapped_column(String(1))
    locale: Mapped[str] = mapped_column(String(2), default="fr")
    since: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    """The last day in office; NULL while the person holds it."""
    created_at: Mapped[datetime]

    commune: Mapped[Commune] = relationship()
    contacts: Mapped[list[CommunePersonContact]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="CommunePersonContact.id"
    )

    @property
    def current(self) -> bool:
        return self.until is None

    def as_record(self) -> dict[str, Any]:
        """The row as `debates roster list --json` prints it: channels by scheme only."""
        return {
            "id": self.id,
            "commune_pcode": self.commune_pcode,
            "commune": self.commune.name,
            "role": self.role,
            "name": self.name,
            "sex": self.sex,
            "locale": self.locale,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "channels": [c.scheme for c in self.contacts],
        }

    def __repr__(self) -> str:
        return (
            f"CommunePerson(id={self.id!r}, commune={self.commune_pcode!r}, role={self.role!r}, "
            f"name={self.name!r})"
        )


class CommunePersonContact(SecretUrl, Base):
    """One Apprise URL of an office holder."""

    __tablename__ = "commune_person_contacts"
    __table_args__ = (UniqueConstraint("person_id", "url_digest"),)

    person_id: Mapped[int] = child_of("commune_people")
    person: Mapped[CommunePerson] = relationship(back_populates="contacts")


def office_holders(
    session: Session, commune_pcodes: Iterable[str] | None = None, *, past: bool = False
) -> list[CommunePerson]:
    """The current office holders of these communes (every commune when None), with the past ones
    too when `past`; by commune, then office in `OfficeRole` order, then since."""
    query = select(CommunePerson).options(
        selectinload(CommunePerson.contacts), selectinload(CommunePerson.commune)
    )
    if commune_pcodes is not None:
        query = query.where(CommunePerson.commune_pcode.in_(list(commune_pcodes)))
    if not past:
        query = query.where(CommunePerson.until.is_(None))
    order = list(OfficeRole)
    return sorted(
        session.scalars(query),
        key=lambda p: (
            p.commune_pcode,
            order.index(OfficeRole(p.role)),
            p.since or date.min,
            p.name_key,
        ),
    )
