"""Prefect tasks that store a cycle's documents in the data folder and publish them to the UI.

Each is a replay no-op: the document's row is found by its natural key and its file rewritten only
when the bytes differ; the artifact is published again only when something changed.
"""

from __future__ import annotations

from prefect import task

from models.clock import utcnow
from models.cycle.document import DocumentKind
from models.cycle.steps import StepName
from models.db import session_scope
from models.settings import get_settings
from models.views.portfolio import CycleHeading, cycle_heading
from notifications.documents.build import (
    BuiltDocument,
    DueDocument,
    build_minutes,
    build_safety_plan,
    documents_after,
)
from notifications.documents.render import label
from orchestrator.artifacts import publish_markdown
from tasks.options import DOCUMENT_TASK


def _publish(
    built: BuiltDocument, heading: CycleHeading, language: str, session_number: int | None = None
) -> dict[str, str]:
    """The artifact `cycle-<commune>-<pcode>-<n>-minutes-<s>` (or `-safety-plan`).

    Its description names the cycle but not its stage: a document is republished when it changes,
    not when the cycle moves on, and a stage there would go stale.
    """
    changed = any(f.changed for f in built.files)
    if built.markdown is not None:
        kind = "minutes" if session_number is not None else "safety_plan"
        publish_markdown(
            heading.artifact_key(
                str(StepName.minutes(session_number))
                if session_number is not None
                else "safety-plan"
            ),
            built.markdown,
            description=label(language, "document_description", heading, kind, session_number),
            only_if_changed=not changed,
        )
    return {f.format: f.path for f in built.files}


@task(name="publish-minutes", **DOCUMENT_TASK)
def publish_minutes(cycle_id: int, session_number: int, language: str = "fr") -> dict[str, str]:
    """Minutes of one session as HTML (A4) and Markdown, and their artifact (`…-minutes-S`).

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
        heading = cycle_heading(session, cycle_id)
    return _publish(built, heading, language, session_number)


@task(name="publish-safety-plan", **DOCUMENT_TASK)
def publish_safety_plan(cycle_id: int, language: str = "fr") -> dict[str, str]:
    """The local safety plan with every session's minutes annexed, and its artifact (`…-safety-plan`)."""
    with session_scope() as session:
        built = build_safety_plan(
            session, cycle_id, locale=language, data_dir=get_settings().data_dir, now=utcnow()
        )
        heading = cycle_heading(session, cycle_id)
    return _publish(built, heading, language)


def _publish_due(cycle_id: int, due: DueDocument, language: str) -> dict[str, str]:
    if due.kind == DocumentKind.MINUTES:
        return publish_minutes.fn(cycle_id, due.session_number, language)
    return publish_safety_plan.fn(cycle_id, language)


@task(name="publish-documents", **DOCUMENT_TASK)
def publish_documents(cycle_id: int, step: str, language: str = "fr") -> list[dict[str, str]]:
    """Store and publish the documents that step `step`, just recorded, makes due (often none)."""
    return [_publish_due(cycle_id, due, language) for due in documents_after(step)]


@task(name="publish-missing-documents", **DOCUMENT_TASK)
def publish_missing_documents(cycle_id: int, language: str = "fr") -> list[dict[str, str]]:
    """The documents of every recorded step that has none stored yet: several steps recorded
    while no run followed (the CLI with the server away, a run that crashed) are caught up
    together, not only the last one. A no-op when every document is stored."""
    from models.cycle.cycle import get_cycle
    from models.cycle.document import documents_of
    from models.cycle.transitions import StepStatus

    with session_scope(readonly=True) as session:
        stored = {(d.kind, d.session_number) for d in documents_of(session, cycle_id)}
        done = [s.name for s in get_cycle(session, cycle_id).steps if s.status == StepStatus.DONE]
    missing = {
        due
        for step in done
        for due in documents_after(step)
        if (due.kind.value, due.session_number) not in stored
    }
    ordered = sorted(missing, key=lambda d: (d.kind.value, d.session_number))
    return [_publish_due(cycle_id, due, language) for due in ordered]
