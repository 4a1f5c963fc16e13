"""People: facilitators who run debates, and the coordinators and managers reminders escalate to.

Contact channels are Apprise URLs, which carry tokens and passwords: they are secrets. They are
never printed, logged or shown; `Contact.__repr__` and every listing show only the scheme.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TypeVar

from pydantic import SecretStr
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates

from models.base import Base, IntPk, child_of, one_of
from models.fields import Sex
from models.geography.places import Commune, Region
from models.people.sealed import SealedText, digest


class Role(enum.StrEnum):
    FACILITATOR = "facilitator"
    COORDINATOR = "coordinator"
    MANAGER = "manager"


facilitator_regions = Table(
    "facilitator_regions",
    Base.metadata,
    Column("facilitator_id", ForeignKey("facilitators.id", ondelete="CASCADE"), primary_key=True),
    Column("region_pcode", ForeignKey("regions.pcode"), primary_key=True),
)


class Facilitator(Base):
    __tablename__ = "facilitators"
    __table_args__ = (
        UniqueConstraint("name_key", "home_commune_pcode"),
        one_of("sex", Sex),
        one_of("role", Role),
        CheckConstraint("locale IN ('fr', 'en')", name="locale"),
        CheckConstraint("max_cycles >= 0", name="max_cycles"),
    )

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
    sex: Mapped[str] = mapped_column(String(1))
    role: Mapped[str] = mapped_column(String(12), default=Role.FACILITATOR.value)
    home_commune_pcode: Mapped[str] = mapped_column(ForeignKey("communes.pcode"), index=True)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    affiliations: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_cycles: Mapped[int] = mapped_column(default=3)
    locale: Mapped[str] = mapped_column(String(2), default="fr")
    created_at: Mapped[datetime]

    home_commune: Mapped[Commune] = relationship()
    regions: Mapped[list[Region]] = relationship(
        secondary=facilitator_regions, order_by=Region.pcode
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="facilitator", cascade="all, delete-orphan", order_by="Contact.id"
    )
    unavailable: Mapped[list[Unavailability]] = relationship(
        back_populates="facilitator",
        cascade="all, delete-orphan",
        order_by="Unavailability.starts_on",
    )

    def __repr__(self) -> str:
        return f"Facilitator(id={self.id!r}, name={self.name!r}, role={self.role!r})"


def url_scheme(url: str) -> str:
    """What of an Apprise URL may be shown: its scheme ('mailto', 'json' …), '?' if it has none."""
    return url.split("://", 1)[0] if "://" in url else "?"


class SecretUrl:
    """An Apprise URL column: a secret, never shown beyond its scheme (a person's contact, of a
    facilitator here or of a commune's office holder in models.people.roster), sealed at rest
    (models.people.sealed); `url_digest` keeps a person's URLs unique."""

    id: Mapped[IntPk]
    url: Mapped[str] = mapped_column(SealedText)
    url_digest: Mapped[str] = mapped_column(String(64))

    @validates("url")
    def _digest(self, _key: str, url: str) -> str:
        self.url_digest = digest(url)
        return url

    @property
    def scheme(self) -> str:
        return url_scheme(self.url)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r}, scheme={self.scheme!r}, url=<secret>)"


U = TypeVar("U", bound=SecretUrl)


def replace_urls(
    session: Session, contacts: list[U], given: Sequence[SecretStr], make: Callable[..., U]
) -> bool:
    """Make a person's contacts the `given` URLs, in order; True when they changed."""
    urls = [url.get_secret_value() for url in given]
    if [c.url for c in contacts] == urls:
        return False
    contacts.clear()
    session.flush()  # deletes before inserts: the same URL may come back
    contacts.extend(make(url=url) for url in urls)
    return True


class Contact(SecretUrl, Base):
    """One Apprise URL of a facilitator, coordinator or manager."""

    __tablename__ = "facilitator_contacts"
    __table_args__ = (UniqueConstraint("facilitator_id", "url_digest"),)

    facilitator_id: Mapped[int] = child_of("facilitators")
    facilitator: Mapped[Facilitator] = relationship(back_populates="contacts")


class Unavailability(Base):
    __tablename__ = "facilitator_unavailability"
    __table_args__ = (
        UniqueConstraint("facilitator_id", "starts_on", "ends_on"),
        CheckConstraint("ends_on >= starts_on", name="period"),
    )

    id: Mapped[IntPk]
    facilitator_id: Mapped[int] = child_of("facilitators")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200))
    facilitator: Mapped[Facilitator] = relationship(back_populates="unavailable")
