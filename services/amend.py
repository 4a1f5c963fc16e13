"""Correct a recorded step: the record, its audit entry and its documents' next revision in one
transaction; then the updated invitations of the sessions it moved.

The cycle's flow run is left as it is: it has moved past the step, and nothing it waits on changes;
the cycle's state and history artifacts are published again beside it (services/refresh.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.orm import Session

from models.clock import utcnow
from models.cycle.amend import Amended, amend_step
from models.cycle.document import DocumentKind, documents_of, latest_revision
from models.db import session_scope
from models.policy import current_policy
from models.settings import get_settings
from notifications.deliveries import deliver_claimed
from notifications.documents.build import build_minutes, build_safety_plan, documents_after
from notifications.invitations import claim_invitations
from notifications.sweep import new_sweep_id
from services.refresh import refresh_cycle_views


@dataclass(frozen=True)
class AmendResult:
    amended: Amended
    documents: list[str] = field(default_factory=list)
    """Paths (relative to the data folder) of the documents' new revision."""
    invitations_sent: int = 0
    invitations_failed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.amended.changes)


def _new_revisions(session: Session, cycle_id: int, step: str, now: datetime) -> list[str]:
    """The step's documents rendered again, as the next revision; earlier ones stay on disk."""
    stored = documents_of(session, cycle_id)
    data_dir = get_settings().data_dir
    paths: list[str] = []
    for due in documents_after(step):
        languages = sorted(
            {
                d.language
                for d in stored
                if d.kind == due.kind.value and d.session_number == due.session_number
            }
        )
        # None published yet: the flow publishes them from the corrected record.
        if not languages:
            continue
        revision = latest_revision(session, cycle_id, due.kind, due.session_number) + 1
        for language in languages:
            if due.kind is DocumentKind.MINUTES:
                built = build_minutes(
                    session,
                    cycle_id,
                    due.session_number,
                    locale=language,
                    data_dir=data_dir,
                    now=now,
                    revision=revision,
                )
            else:
                built = build_safety_plan(
                    session,
                    cycle_id,
                    locale=language,
                    data_dir=data_dir,
                    now=now,
                    revision=revision,
                )
            paths.extend(f.path for f in built.files)
    return paths


def amend(
    cycle_id: int,
    step: str,
    submission: BaseModel,
    *,
    reason: str,
    who: str,
    now: datetime | None = None,
    also: Callable[[Session], None] | None = None,
) -> AmendResult:
    """Record the correction (already parsed by the step's schema); nothing is written when it
    changes nothing. `now`: the clock unless given. `also` writes beside the correction, in its
    transaction, whether it changes anything or not (a field import's version mark)."""
    moment = now or utcnow()
    with session_scope() as session:
        amended = amend_step(
            session, cycle_id, step, submission, reason=reason, actor=who, now=moment
        )
        if also is not None:
            also(session)
        if not amended.changes:
            return AmendResult(amended)
        documents = _new_revisions(session, cycle_id, step, moment)
    sent = failed = 0
    if amended.moved_sessions:
        sent, failed = send_invitation_updates(cycle_id, moment)
    refresh_cycle_views([cycle_id])
    return AmendResult(amended, documents, sent, failed)


def send_invitation_updates(cycle_id: int, now: datetime) -> tuple[int, int]:
    """The moved sessions' invitations, as the flow's send-invitations task sends them: (sent,
    failed). A failure stays in the ledger and the hourly sweep retries it."""
    policy, sweep_id = current_policy().reminders, new_sweep_id()
    claimed = claim_invitations(cycle_id, now=now, policy=policy, sweep_id=sweep_id)
    report = deliver_claimed(
        claimed.ids, now=now, policy=policy, ui_url=get_settings().ui_base(), sweep_id=sweep_id
    )
    return report.sent, report.failed
