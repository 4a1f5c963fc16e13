"""Prefect tasks that store a cycle's documents in the data folder and publish them to the UI.

Each is a replay no-op: the document's row is found by its natural key and its file rewritten only
when the bytes differ; the artifact is published again only when something changed.
"""

from __future__ import annotations

from prefect import task

from models.clock import utcnow
from models.db import session_scope
from models.document import DocumentKind
from models.settings import get_settings
from models.steps import StepName
from notifications.documents.build import (
    BuiltDocument,
    build_minutes,
    build_safety_plan,
    documents_after,
)
from tasks.artifacts import cycle_key, publish_markdown
from tasks.options import DB_TASK


def _publish(built: BuiltDocument, key: str) -> dict[str, str]:
    changed = any(f.changed for f in built.files)
    if built.markdown is not None:
        publish_markdown(key, built.markdown, only_if_changed=not changed)
    return {f.format: f.path for f in built.files}


@task(name="publish-minutes", **DB_TASK)
def publish_minutes(cycle_id: int, session_number: int, language: str = "fr") -> dict[str, str]:
    """Minutes of one session as HTML (A4) and Markdown, and the artifact cycle-N-minutes-S.

    Returns {format: path relative to the data folder}.
    """
    with session_scope() as session:
        built = build_minutes(
            session,
            cycle_id,
            session_number,
            locale=language,
            data_dir=get_settings().data_dir,
            now=utcnow(),
        )
    return _publish(built, cycle_key(cycle_id, str(StepName.minutes(session_number))))


@task(name="publish-safety-plan", **DB_TASK)
def publish_safety_plan(cycle_id: int, language: str = "fr") -> dict[str, str]:
    """The local safety plan with every session's minutes annexed, and the artifact cycle-N-safety-plan."""
    with session_scope() as session:
        built = build_safety_plan(
            session, cycle_id, locale=language, data_dir=get_settings().data_dir, now=utcnow()
        )
    return _publish(built, cycle_key(cycle_id, "safety-plan"))


@task(name="publish-documents", **DB_TASK)
def publish_documents(cycle_id: int, step: str, language: str = "fr") -> list[dict[str, str]]:
    """Store and publish the documents that step `step`, just recorded, makes due (often none)."""
    published = []
    for due in documents_after(step):
        if due.kind == DocumentKind.MINUTES:
            published.append(publish_minutes.fn(cycle_id, due.session_number, language))
        else:
            published.append(publish_safety_plan.fn(cycle_id, language))
    return published
