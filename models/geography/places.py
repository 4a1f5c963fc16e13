"""Mali's administrative levels (region > cercle > commune), keyed by OCHA P-code, and name look-up.

Names have spelling variants, and 13 commune names occur in more than one cercle, so a look-up by
name returns every candidate and an ambiguous or unknown name is an error that lists them.
"""

from __future__ import annotations

import difflib
import enum
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, IntPk
from models.errors import AmbiguousPlace, UnknownPlace
from models.text import name_key


class Level(enum.StrEnum):
    REGION = "region"
    CERCLE = "cercle"
    COMMUNE = "commune"


PCODE_LENGTH = {Level.REGION: 4, Level.CERCLE: 6, Level.COMMUNE: 8}


def parent_pcode(pcode: str, level: Level) -> str:
    """The P-code of the region or cercle a place lies in: an OCHA P-code begins with its parents'
    (commune ML060314, cercle ML0603, region ML06)."""
    return pcode[: PCODE_LENGTH[level]]


class Region(Base):
    __tablename__ = "regions"

    pcode: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    cercles: Mapped[list[Cercle]] = relationship(back_populates="region", order_by="Cercle.pcode")


class Cercle(Base):
    __tablename__ = "cercles"

    pcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    region_pcode: Mapped[str] = mapped_column(ForeignKey("regions.pcode"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    region: Mapped[Region] = relationship(back_populates="cercles")
    communes: Mapped[list[Commune]] = relationship(
        back_populates="cercle", order_by="Commune.pcode"
    )

    def label(self) -> str:
        """'Goundam (Tombouctou) ML0603'."""
        return f"{self.name} ({self.region.name}) {self.pcode}"


class Commune(Base):
    __tablename__ = "communes"

    pcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    cercle_pcode: Mapped[str] = mapped_column(ForeignKey("cercles.pcode"), index=True)
    name: Mapped[str] = mapped_column(String(100), doc="display name, accented French where known")
    official_name: Mapped[str] = mapped_column(String(100), doc="OCHA COD-AB spelling")
    cercle: Mapped[Cercle] = relationship(back_populates="communes")

    @property
    def region(self) -> Region:
        return self.cercle.region

    def label(self) -> str:
        """'Tilemsi (Goundam, Tombouctou) ML060314': enough to tell homonyms apart."""
        return f"{self.name} ({self.cercle.name}, {self.cercle.region.name}) {self.pcode}"


class PlaceAlias(Base):
    """Every spelling the registry gives for a place, with its spelling-insensitive key."""

    __tablename__ = "place_aliases"
    __table_args__ = (
        UniqueConstraint("level", "pcode", "key"),
        CheckConstraint("level IN ('region', 'cercle', 'commune')", name="level"),
    )

    id: Mapped[IntPk]
    level: Mapped[str] = mapped_column(String(10))
    pcode: Mapped[str] = mapped_column(String(8), index=True)
    alias: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100), index=True)


@dataclass(frozen=True)
class Place:
    level: Level
    pcode: str
    name: str
    cercle: str | None
    region: str

    def label(self) -> str:
        parents = ", ".join(
            p for p in (self.cercle, self.region) if p and self.level != Level.REGION
        )
        return f"{self.name} ({parents}) {self.pcode}" if parents else f"{self.name} {self.pcode}"


def _place(session: Session, level: Level, pcode: str) -> Place | None:
    if level == Level.COMMUNE:
        commune = session.get(Commune, pcode)
        if commune is None:
            return None
        return Place(level, pcode, commune.name, commune.cercle.name, commune.cercle.region.name)
    if level == Level.CERCLE:
        cercle = session.get(Cercle, pcode)
        return (
            None if cercle is None else Place(level, pcode, cercle.name, None, cercle.region.name)
        )
    region = session.get(Region, pcode)
    return None if region is None else Place(level, pcode, region.name, None, region.name)


class _Spelling(NamedTuple):
    pcode: str
    key: str


def _aliases(session: Session, level: Level) -> list[_Spelling]:
    # Two columns, not PlaceAlias objects: a look-up reads every spelling of its level (~800 for
    # communes), and building that many ORM objects was ~1 % of a `debates communes find`.
    rows = session.execute(
        select(PlaceAlias.pcode, PlaceAlias.key).where(PlaceAlias.level == level.value)
    )
    return [_Spelling(pcode, key) for pcode, key in rows]


def _words_match(query: str, key: str) -> bool:
    return key == query or key.startswith(query + " ") or f" {query}" in f" {key}"


def find_places(session: Session, text: str, level: Level = Level.COMMUNE) -> list[Place]:
    """Places of `level` whose P-code is `text`, or one of whose spellings matches it word-wise."""
    query = name_key(text)
    if not query:
        return []
    if text.strip().upper().startswith("ML"):
        place = _place(session, level, text.strip().upper())
        return [place] if place else []
    exact: list[str] = []
    partial: list[str] = []
    for alias in _aliases(session, level):
        if alias.key == query and alias.pcode not in exact:
            exact.append(alias.pcode)
        elif _words_match(query, alias.key) and alias.pcode not in partial:
            partial.append(alias.pcode)
    pcodes = exact or partial
    places = [_place(session, level, pcode) for pcode in sorted(pcodes)]
    return [p for p in places if p is not None]


def suggest_places(session: Session, text: str, level: Level, limit: int = 5) -> list[Place]:
    """The closest spellings to `text`, for 'did you mean' messages."""
    by_key: dict[str, str] = {}
    for alias in _aliases(session, level):
        by_key.setdefault(alias.key, alias.pcode)
    close = difflib.get_close_matches(name_key(text), list(by_key), n=limit * 2, cutoff=0.6)
    pcodes = list(dict.fromkeys(by_key[key] for key in close))[:limit]
    return [p for p in (_place(session, level, code) for code in pcodes) if p is not None]


def resolve_place(session: Session, text: str, level: Level = Level.COMMUNE) -> Place:
    """One place for `text`, or an error that lists the candidates (ambiguous) or suggestions."""
    query = name_key(text)
    candidates = [
        p
        for p in find_places(session, text, level)
        if text.strip().upper().startswith("ML")
        or query in {a.key for a in _aliases(session, level) if a.pcode == p.pcode}
    ]
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        listed = ", ".join(p.label() for p in candidates)
        raise AmbiguousPlace(
            f"{level.value.capitalize()} '{text}' is ambiguous: {listed}. Give the P-code instead."
        )
    partial = find_places(session, text, level) or suggest_places(session, text, level)
    hint = f" Did you mean: {', '.join(p.label() for p in partial[:5])}?" if partial else ""
    if not session.scalar(select(PlaceAlias.id).limit(1)):
        hint = " The commune registry is empty: run 'debates communes import' first."
    raise UnknownPlace(f"Unknown {level.value} '{text}'.{hint}")


def resolve_commune(session: Session, text: str) -> Commune:
    place = resolve_place(session, text, Level.COMMUNE)
    commune = session.get(Commune, place.pcode)
    assert commune is not None
    return commune


def resolve_cercle(session: Session, text: str) -> Cercle:
    place = resolve_place(session, text, Level.CERCLE)
    cercle = session.get(Cercle, place.pcode)
    assert cercle is not None
    return cercle


def communes_in(
    session: Session, *, region: str | None = None, cercle: str | None = None
) -> list[Commune]:
    """Every commune of a region or a cercle, by P-code order."""
    stmt = select(Commune).join(Cercle).order_by(Commune.pcode)
    if cercle is not None:
        stmt = stmt.where(
            Commune.cercle_pcode == resolve_place(session, cercle, Level.CERCLE).pcode
        )
    if region is not None:
        stmt = stmt.where(Cercle.region_pcode == resolve_place(session, region, Level.REGION).pcode)
    return list(session.scalars(stmt))
