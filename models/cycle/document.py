"""Documents of a cycle (invitation, minutes, safety plan): one file in the data folder, one row here.

The row's natural key (cycle, kind, session number, revision, language, format) is UNIQUE, so a task
that runs twice finds its document instead of writing a second one. A file's sha256 says whether a
re-render changed anything.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import CheckConstraint, String, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, IntPk, child_of, one_of


class DocumentKind(enum.StrEnum):
    INVITATION = "invitation"
    MINUTES = "minutes"
    SAFETY_PLAN = "safety_plan"


class DocumentFormat(enum.StrEnum):
    HTML = "html"
    MARKDOWN = "md"
    TEXT = "txt"
    ICS = "ics"


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        # Named by hand: the convention's name would pass PostgreSQL's 63-character limit.
        UniqueConstraint(
            "cycle_id",
            "kind",
            "session_number",
            "revision",
            "language",
            "format",
            name="uq_documents_natural_key",
        ),
        one_of("kind", DocumentKind),
        one_of("format", DocumentFormat),
        CheckConstraint("session_number >= 0", name="session_number"),
        CheckConstraint("revision >= 0", name="revision"),
    )

    id: Mapped[IntPk]
    cycle_id: Mapped[int] = child_of("cycles")
    kind: Mapped[str] = mapped_column(String(12))
    session_number: Mapped[int] = mapped_column(
        default=0, doc="the debate session; 0 for a document of the whole cycle (safety plan)"
    )
    revision: Mapped[int] = mapped_column(
        default=0,
        doc="the session's revision for an invitation (iCal SEQUENCE); else the amendment count",
    )
    language: Mapped[str] = mapped_column(String(2))
    format: Mapped[str] = mapped_column(String(4))
    path: Mapped[str] = mapped_column(String(300), doc="relative to settings.data_dir")
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


@dataclass(frozen=True)
class DocumentKey:
    cycle_id: int
    kind: DocumentKind
    language: str
    format: DocumentFormat
    session_number: int = 0
    revision: int = 0

    def relative_path(self) -> str:
        """documents/cycle-12/minutes-1.fr.html: stable, so a replay overwrites rather than adds."""
        stem = self.kind.value if self.session_number == 0 else f"{self.kind}-{self.session_number}"
        if self.revision:
            stem += f"-r{self.revision}"
        return f"documents/cycle-{self.cycle_id}/{stem}.{self.language}.{self.format}"


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def find_document(session: Session, key: DocumentKey) -> Document | None:
    return session.scalar(
        select(Document).where(
            Document.cycle_id == key.cycle_id,
            Document.kind == key.kind.value,
            Document.session_number == key.session_number,
            Document.revision == key.revision,
            Document.language == key.language,
            Document.format == key.format.value,
        )
    )


def store_document(
    session: Session, key: DocumentKey, content: bytes, *, data_dir: Path, now: datetime
) -> tuple[Document, bool]:
    """Write `content` under data_dir and record it; (document, changed).

    Same key and same bytes: nothing is written (a replay). Same key, new bytes (the minutes were
    corrected): the file is rewritten and the row's sha256 and updated_at follow.
    """
    digest = sha256_of(content)
    target = data_dir / key.relative_path()
    document = find_document(session, key)
    if document is not None and document.sha256 == digest and target.exists():
        return document, False
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_bytes(content)
    temporary.replace(target)  # atomic: a reader never sees half a document
    if document is None:
        document = Document(
            cycle_id=key.cycle_id,
            kind=key.kind.value,
            session_number=key.session_number,
            revision=key.revision,
            language=key.language,
            format=key.format.value,
            path=key.relative_path(),
            sha256=digest,
            created_at=now,
            updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(document)
                session.flush()
        except IntegrityError:
            # Another run of the same task recorded it between our look-up and our insert.
            document = find_document(session, key)
            assert document is not None
            if document.sha256 != digest:
                document.sha256 = digest
                document.updated_at = now
    else:
        document.sha256 = digest
        document.path = key.relative_path()
        document.updated_at = now
    session.flush()
    return document, True


def latest_revision(
    session: Session, cycle_id: int, kind: DocumentKind, session_number: int
) -> int:
    """The highest revision stored of a document (-1 when none is): an amendment writes the next."""
    found = session.scalar(
        select(func.max(Document.revision)).where(
            Document.cycle_id == cycle_id,
            Document.kind == kind.value,
            Document.session_number == session_number,
        )
    )
    return -1 if found is None else int(found)


def documents_of(session: Session, cycle_id: int) -> list[Document]:
    return list(
        session.scalars(
            select(Document)
            .where(Document.cycle_id == cycle_id)
            .order_by(Document.kind, Document.session_number, Document.revision, Document.language)
        )
    )
