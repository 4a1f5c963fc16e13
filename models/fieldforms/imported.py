"""Field submissions already imported, by source, stable id and version, and where each KoboToolbox
asset was last pulled up to. A version seen once is never recorded again; a new version of a known
submission is an edit, recorded as an amendment."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, IntPk, child_of, one_of
from models.idempotent import insert_or_existing


class Source(enum.StrEnum):
    KOBO = "kobo"
    ODK = "odk"


class FieldSubmission(Base):
    """One version of a field submission that was recorded (or found recorded already)."""

    __tablename__ = "field_submissions"
    __table_args__ = (UniqueConstraint("source", "root_id", "version"), one_of("source", Source))

    id: Mapped[IntPk]
    source: Mapped[str] = mapped_column(String(10))
    root_id: Mapped[str] = mapped_column(String(100), index=True)
    """Kobo `meta/rootUuid`, ODK `KEY` / `__id`: the same across the submission's edits."""
    version: Mapped[str] = mapped_column(String(100))
    """Kobo `_uuid` (`meta/instanceID`), ODK `meta-instanceID`: new at each edit."""
    cycle_id: Mapped[int] = child_of("cycles")
    step: Mapped[str] = mapped_column(String(20))
    submitted_at: Mapped[datetime | None]
    imported_at: Mapped[datetime]


class FieldPull(Base):
    """How far a KoboToolbox asset's submissions were pulled: the newest `_submission_time` seen."""

    __tablename__ = "field_pulls"

    asset_uid: Mapped[str] = mapped_column(String(64), primary_key=True)
    pulled_until: Mapped[datetime]
    pulled_at: Mapped[datetime]


@dataclass(frozen=True)
class Seen:
    """What the database knows of a submission: this version imported, or another one."""

    this_version: bool
    other_version: bool


def seen(session: Session, source: Source, root_id: str, version: str) -> Seen:
    versions = set(
        session.scalars(
            select(FieldSubmission.version).where(
                FieldSubmission.source == source.value, FieldSubmission.root_id == root_id
            )
        )
    )
    return Seen(version in versions, bool(versions - {version}))


def mark_imported(
    session: Session,
    source: Source,
    root_id: str,
    version: str,
    *,
    cycle_id: int,
    step: str,
    submitted_at: datetime | None,
    now: datetime,
) -> None:
    """Remember that this version is in the record (a replay finds the row and adds none)."""
    insert_or_existing(
        session,
        FieldSubmission,
        {"source": source.value, "root_id": root_id, "version": version},
        lambda: FieldSubmission(
            cycle_id=cycle_id, step=step, submitted_at=submitted_at, imported_at=now
        ),
    )


def pulled_until(session: Session, asset_uid: str) -> datetime | None:
    pull = session.get(FieldPull, asset_uid)
    return pull.pulled_until if pull is not None else None


def mark_pulled(session: Session, asset_uid: str, until: datetime, *, now: datetime) -> None:
    """Move the asset's mark forward to `until` (never back)."""
    pull = session.get(FieldPull, asset_uid)
    if pull is None:
        session.add(FieldPull(asset_uid=asset_uid, pulled_until=until, pulled_at=now))
        return
    pull.pulled_until = max(pull.pulled_until, until)
    pull.pulled_at = now
