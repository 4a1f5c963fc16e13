"""Render a cycle's documents from the database and store them (file + Document row), idempotently.

Each function returns plain records (paths, digests, the Markdown to publish), never ORM rows, so
a Prefect task can hand them on as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from models.cycle.document import (
    DocumentFormat,
    DocumentKey,
    DocumentKind,
    find_document,
    latest_revision,
    store_document,
)
from models.cycle.steps import HANDOVER, PLAN, StepKind, StepName
from notifications.documents.content import invitation_view, minutes_view, safety_plan_view
from notifications.documents.ics import invitation_calendar
from notifications.documents.render import check_locale, environment, render


@dataclass(frozen=True)
class StoredFile:
    format: str
    path: str  # relative to settings.data_dir
    sha256: str
    changed: bool


@dataclass(frozen=True)
class BuiltDocument:
    cycle_id: int
    kind: str
    session_number: int
    language: str
    files: tuple[StoredFile, ...]
    markdown: str | None  # what the Prefect artifact shows

    def path(self, fmt: str) -> str:
        return next(f.path for f in self.files if f.format == fmt)


@dataclass(frozen=True)
class Invitation:
    """Everything the e-mail dispatcher needs to send one invitation."""

    cycle_id: int
    session_number: int
    language: str
    uid: str
    sequence: int
    cancelled: bool
    subject: str
    text: str
    html: str
    ics: bytes
    ics_filename: str
    files: tuple[StoredFile, ...]


def _store(
    session: Session,
    key: DocumentKey,
    content: str | bytes,
    *,
    data_dir: Path,
    now: datetime,
) -> StoredFile:
    raw = content.encode("utf-8") if isinstance(content, str) else content
    document, changed = store_document(session, key, raw, data_dir=data_dir, now=now)
    return StoredFile(document.format, document.path, document.sha256, changed)


@dataclass(frozen=True)
class DueDocument:
    kind: DocumentKind
    session_number: int = 0


def documents_after(step_name: str) -> list[DueDocument]:
    """The documents a recorded step makes due: minutes-N -> minutes N; plan, handover -> the plan.

    The plan is rendered again after the handover, whose date and receiver its status line prints.
    """
    step = StepName.parse(step_name)
    if step.kind is StepKind.MINUTES and step.number is not None:
        return [DueDocument(DocumentKind.MINUTES, step.number)]
    if step in (PLAN, HANDOVER):
        return [DueDocument(DocumentKind.SAFETY_PLAN)]
    return []


def build_minutes(
    session: Session,
    cycle_id: int,
    session_number: int,
    *,
    locale: str,
    data_dir: Path,
    now: datetime,
    revision: int | None = None,
) -> BuiltDocument:
    """The minutes as HTML and Markdown, stored as `revision` (an amendment's new one) or, by
    default, over the latest revision, so a re-render never rewrites an amended one's ancestor."""
    view = minutes_view(session, cycle_id, session_number)
    if revision is None:
        revision = max(latest_revision(session, cycle_id, DocumentKind.MINUTES, session_number), 0)
    key = DocumentKey(
        cycle_id, DocumentKind.MINUTES, locale, DocumentFormat.HTML, session_number, revision
    )
    return _build_pages(session, key, "minutes", view, data_dir=data_dir, now=now)


def build_safety_plan(
    session: Session,
    cycle_id: int,
    *,
    locale: str,
    data_dir: Path,
    now: datetime,
    revision: int | None = None,
) -> BuiltDocument:
    """The plan as HTML and Markdown; `revision` as for build_minutes (the handover re-renders
    the plan after an amendment of it: into its latest revision)."""
    view = safety_plan_view(session, cycle_id)
    if revision is None:
        revision = max(latest_revision(session, cycle_id, DocumentKind.SAFETY_PLAN, 0), 0)
    key = DocumentKey(cycle_id, DocumentKind.SAFETY_PLAN, locale, DocumentFormat.HTML, 0, revision)
    return _build_pages(session, key, "safety_plan", view, data_dir=data_dir, now=now)


def _build_pages(
    session: Session,
    key: DocumentKey,
    template: str,
    view: object,
    *,
    data_dir: Path,
    now: datetime,
) -> BuiltDocument:
    """Render `template` as HTML and Markdown and store both under `key` (its format replaced)."""
    pages = {
        DocumentFormat.HTML: render(template, "html", key.language, doc=view),
        DocumentFormat.MARKDOWN: render(template, "md", key.language, doc=view),
    }
    files = tuple(
        _store(session, replace(key, format=fmt), content, data_dir=data_dir, now=now)
        for fmt, content in pages.items()
    )
    return BuiltDocument(
        key.cycle_id,
        key.kind.value,
        key.session_number,
        key.language,
        files,
        pages[DocumentFormat.MARKDOWN],
    )


def build_invitation(
    session: Session,
    cycle_id: int,
    session_number: int,
    *,
    locale: str,
    data_dir: Path,
    now: datetime,
    organizer: str | None = None,
) -> Invitation:
    """The invitation to the session's current revision; issued once per revision.

    A replay (or a second recipient) gets the very bytes first stored, DTSTAMP included, so the
    same revision is never sent in two versions.
    """
    view = invitation_view(session, cycle_id, session_number)
    check_locale(locale)

    def key(fmt: DocumentFormat) -> DocumentKey:
        return DocumentKey(
            cycle_id, DocumentKind.INVITATION, locale, fmt, session_number, view.sequence
        )

    issued = find_document(session, key(DocumentFormat.ICS))
    stamp = issued.created_at if issued is not None else now
    rendered = {
        DocumentFormat.HTML: render("invitation", "html", locale, doc=view).encode("utf-8"),
        DocumentFormat.TEXT: render("invitation", "txt", locale, doc=view).encode("utf-8"),
        DocumentFormat.ICS: invitation_calendar(
            view, locale=locale, now=stamp, organizer=organizer
        ),
    }
    files = tuple(
        _store(session, key(fmt), content, data_dir=data_dir, now=now)
        for fmt, content in rendered.items()
    )
    labels = environment("txt").get_template(f"{locale}/_labels.j2").module
    return Invitation(
        cycle_id=cycle_id,
        session_number=session_number,
        language=locale,
        uid=view.uid,
        sequence=view.sequence,
        cancelled=view.cancelled,
        subject=str(labels.invitation_subject(view)).strip(),  # type: ignore[attr-defined]
        text=rendered[DocumentFormat.TEXT].decode("utf-8"),
        html=rendered[DocumentFormat.HTML].decode("utf-8"),
        ics=rendered[DocumentFormat.ICS],
        ics_filename=f"debat-{session_number}.ics",
        files=files,
    )
