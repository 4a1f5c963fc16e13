"""Import field submissions (KoboToolbox, ODK Central): each one checked and recorded as
`debates submit` records it, and its cycle's waiting flow run resumed.

Each submission is on its own: a bad one is rejected with its field and reason, and the others go
on. A version imported before changes nothing; a new version of a submission already recorded (an
edit in Kobo or Central) is an amendment, audited as `debates amend` audits one.

A version is marked imported in the transaction that records or amends its step, and only when
its submission recorded the step: a second submission for a step recorded already (by another
submission, the CLI or the Prefect UI) is "already recorded" when its answers are the same, and
rejected, naming the fields that differ, when they are not; an edit of it never amends the record.
One exception: minutes entered in the Prefect UI count their sensitive grievances without their
text; a submission that only gives that text (the rest the same) amends them, and becomes their
source.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from models.clock import utcnow
from models.cycle.amend import diff_inputs, recorded_step
from models.cycle.cycle import get_cycle
from models.cycle.steps import StepKind
from models.db import session_scope
from models.errors import DomainError, InvalidInput, refused_by_database
from models.fieldforms.answers import FieldInput, field_input, identify
from models.fieldforms.exports import FieldRecord
from models.fieldforms.imported import Source, mark_imported, seen
from models.geography.places import Commune
from models.stages.minutes import MinutesSubmission
from models.stages.minutes_form import fills_to_record
from services.amend import amend
from services.submit import submit

log = logging.getLogger("debates.field_import")


class Outcome(enum.StrEnum):
    RECORDED = "recorded"
    ALREADY = "already recorded"
    AMENDED = "amended"
    REJECTED = "rejected"
    SET_ASIDE = "set aside"
    """Rejected or not approved in the server's own review: not imported, and no error."""


@dataclass(frozen=True)
class ImportLine:
    """What became of one submission."""

    where: str
    root_id: str
    outcome: Outcome
    detail: str
    cycle: int | None = None
    step: str | None = None


@dataclass
class ImportReport:
    source: Source
    lines: list[ImportLine] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for line in self.lines if line.outcome is outcome)

    @property
    def rejected(self) -> int:
        return self.count(Outcome.REJECTED)

    def as_data(self) -> dict[str, Any]:
        return {
            "source": self.source.value,
            "counts": {o.value: self.count(o) for o in Outcome},
            "submissions": [asdict(line) | {"outcome": line.outcome.value} for line in self.lines],
        }


def _reason(exc: DomainError) -> str:
    """The field and the reason: 'field completed_on: Input should be a valid date …'."""
    if isinstance(exc, InvalidInput) and exc.problems:
        # A rule across fields (Pydantic's location is empty) is the submission's.
        named = [
            ("submission" if where == "field row" else where, what) for where, what in exc.problems
        ]
        return "; ".join(f"{where}: {what}" for where, what in named)
    return str(exc)


def _check_place(found: FieldInput) -> None:
    """The cycle exists, and the form's commune is its commune (for an intercommunal cycle, one
    of its cercle's communes)."""
    with session_scope(readonly=True) as session:
        try:
            cycle = get_cycle(session, found.cycle_id)
        except DomainError:
            raise InvalidInput(
                "unknown cycle",
                [("field cycle", f"there is no cycle {found.cycle_id}; see 'debates cycles'")],
            ) from None
        commune = session.get(Commune, found.commune)
        ok = commune is not None and (
            commune.pcode == cycle.commune_pcode
            or (cycle.intercommunal and commune.cercle_pcode == cycle.cercle_pcode)
        )
        if not ok:
            raise InvalidInput(
                "commune and cycle disagree",
                [("field commune", f"cycle {cycle.id} is {cycle.label}'s, not {found.commune}'s")],
            )


NOT_AMENDED = {
    StepKind.SESSION: "a session's outcome is not corrected from the field: amend the schedule "
    "('debates amend CYCLE schedule') or submit the next outcome",
    StepKind.VISIT: "a recorded visit is not corrected from the field: update its items with "
    "'debates actions update'",
}


def _amendable(found: FieldInput) -> None:
    """An edit of a step `debates amend` does not correct is rejected, saying what to do."""
    if found.form.kind in NOT_AMENDED:
        raise InvalidInput(
            f"{found.step} was recorded from an earlier version of this submission",
            [("edited submission", NOT_AMENDED[found.form.kind])],
        )


def _recorded(found: FieldInput) -> BaseModel:
    """What `found`'s step holds now (recorded by another submission, the CLI or the Prefect UI)."""
    with session_scope(readonly=True) as session:
        return recorded_step(session, get_cycle(session, found.cycle_id), found.step)[1]


def _fills_to_record(found: FieldInput, recorded: BaseModel) -> bool:
    """True for minutes recorded from the Prefect UI that this submission only completes with the
    text of the sensitive grievances the form counted."""
    return (
        isinstance(found.submission, MinutesSubmission)
        and isinstance(recorded, MinutesSubmission)
        and fills_to_record(recorded, found.submission)
    )


def _record(
    found: FieldInput, record: FieldRecord, source: Source, *, who: str, now: datetime
) -> tuple[Outcome, str]:
    with session_scope(readonly=True) as session:
        known = seen(session, source, record.root_id, record.version)
    if known.this_version:
        return Outcome.ALREADY, "this version was imported before"

    def mark(session: Session) -> None:
        mark_imported(
            session,
            source,
            record.root_id,
            record.version,
            cycle_id=found.cycle_id,
            step=found.step,
            submitted_at=record.submitted_at,
            now=now,
        )

    if known.other_version:  # this submission recorded the step: an edit of it amends the step
        _amendable(found)
        done = amend(
            found.cycle_id,
            found.step,
            found.submission,
            reason=f"modifié dans {source.value} / edited in {source.value} ({record.version})",
            who=who,
            now=now,
            also=mark,
        )
        changes = ", ".join(done.amended.changes) or "the edit changes nothing recorded"
        return (Outcome.AMENDED if done.changed else Outcome.ALREADY), changes
    submitted = submit(
        found.cycle_id,
        found.step,
        found.submission,
        who=who,
        also=lambda session, recorded: mark(session) if recorded.created else None,
    )
    if submitted.created:
        return Outcome.RECORDED, submitted.resumed or submitted.summary
    recorded = _recorded(found)
    if _fills_to_record(
        found, recorded
    ):  # minutes from the Prefect UI, their sensitive ones counted
        done = amend(
            found.cycle_id,
            found.step,
            found.submission,
            reason=f"griefs sensibles saisis dans {source.value} / sensitive grievances "
            f"recorded from {source.value} ({record.version})",
            who=who,
            now=now,
            also=mark,
        )
        return Outcome.AMENDED, ", ".join(done.amended.changes)
    # The step was recorded by something else (another submission, the CLI, the Prefect UI):
    # this one is not marked as its source, so an edit of it never amends that record.
    # Names only, no value: a value may be a sensitive grievance.
    differs = sorted(diff_inputs(recorded, found.submission))
    if not differs:
        return Outcome.ALREADY, f"{found.step} was recorded already, with the same answers"
    raise InvalidInput(
        "recorded already",
        [
            (
                "submission",
                f"{found.step} of cycle {found.cycle_id} was recorded already (by another "
                f"submission or by hand) and this one differs in {', '.join(differs)}; if it "
                f"is right, correct the record with 'debates amend {found.cycle_id} "
                f"{found.step}'",
            )
        ],
    )


def import_one(record: FieldRecord, source: Source, *, who: str, now: datetime) -> ImportLine:
    """Check, record or amend one submission. Never raises: whatever goes wrong with it is its
    line of the report, and the next submission goes on."""
    found: FieldInput | None = None
    if record.set_aside:
        cycle, step = identify(record)
        return ImportLine(
            record.where, record.root_id, Outcome.SET_ASIDE, record.set_aside, cycle, step
        )
    try:
        found = field_input(record)
        _check_place(found)
        outcome, detail = _record(found, record, source, who=who, now=now)
    except DomainError as exc:
        outcome, detail = Outcome.REJECTED, _reason(exc)
    except (DataError, IntegrityError) as exc:  # what the schemas let through; rolled back
        outcome, detail = Outcome.REJECTED, refused_by_database(exc)
    except Exception as exc:  # a fault of this submission's alone: logged, reported, rolled back
        log.exception("field submission %s (%s) not imported", record.root_id, record.where)
        outcome, detail = Outcome.REJECTED, f"not imported: {type(exc).__name__}: {exc}"
    cycle, step = (found.cycle_id, found.step) if found else identify(record)
    return ImportLine(record.where, record.root_id, outcome, detail, cycle, step)


def import_records(
    records: list[FieldRecord],
    source: Source,
    *,
    who: str,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Every submission in the order they were submitted (a cycle's baseline before its minutes)."""
    moment = now or utcnow()
    report = ImportReport(source)
    ordered = sorted(records, key=lambda r: (r.submitted_at is None, r.submitted_at or moment))
    for done, record in enumerate(ordered, start=1):
        report.lines.append(import_one(record, source, who=who, now=moment))
        if progress is not None:
            progress(done, len(ordered))
    return report


RETRY_REJECTED = timedelta(days=7)
"""How long a rejected submission holds an asset's pull mark (and is reported at each pull)."""


def pull_mark(
    records: list[FieldRecord], report: ImportReport, *, now: datetime
) -> datetime | None:
    """Where an asset's next pull starts: after the newest submission pulled, or just before the
    oldest one rejected in the last `RETRY_REJECTED`. A rejected submission is so pulled again at
    every run until it is recorded: when its cause goes (a cycle launched later, a fault) or it is
    corrected in KoboToolbox (an edit keeps its `_submission_time`, so it would not come again).
    Older rejections no longer hold it: an export import still brings them in."""
    rejected = {line.root_id for line in report.lines if line.outcome is Outcome.REJECTED}
    held = [
        r.submitted_at
        for r in records
        if r.root_id in rejected and r.submitted_at and r.submitted_at >= now - RETRY_REJECTED
    ]
    if held:  # the pull asks for `_submission_time` after the mark, to the second
        return min(held) - timedelta(seconds=1)
    return max((r.submitted_at for r in records if r.submitted_at), default=None)
