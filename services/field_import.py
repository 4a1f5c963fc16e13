"""Import field submissions (KoboToolbox, ODK Central): each one checked and recorded as
`debates submit` records it, and its cycle's waiting flow run resumed.

Each submission is on its own: a bad one is rejected with its field and reason, and the others go
on. A version imported before changes nothing; a new version of a submission already recorded (an
edit in Kobo or Central) is an amendment, audited as `debates amend` audits one.

The step is recorded first (services/submit.py, one transaction), then the version is marked
imported: should the mark be lost, the next import finds the step recorded and marks it then.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DataError, IntegrityError

from models.clock import utcnow
from models.cycle.cycle import get_cycle
from models.cycle.steps import StepKind
from models.db import session_scope
from models.errors import DomainError, InvalidInput, refused_by_database
from models.fieldforms.answers import FieldInput, field_input, identify
from models.fieldforms.exports import FieldRecord
from models.fieldforms.imported import Source, mark_imported, seen
from models.geography.places import Commune
from services.amend import amend
from services.submit import submit


class Outcome(enum.StrEnum):
    RECORDED = "recorded"
    ALREADY = "already recorded"
    AMENDED = "amended"
    REJECTED = "rejected"


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


def import_one(record: FieldRecord, source: Source, *, who: str, now: datetime) -> ImportLine:
    """Check, record or amend one submission; never raises a domain error (it is the line)."""
    found: FieldInput | None = None
    try:
        found = field_input(record)
        _check_place(found)
        with session_scope(readonly=True) as session:
            known = seen(session, source, record.root_id, record.version)
        if known.this_version:
            outcome, detail = Outcome.ALREADY, "this version was imported before"
        elif known.other_version:
            _amendable(found)
            done = amend(
                found.cycle_id,
                found.step,
                found.submission,
                reason=f"modifié dans {source.value} / edited in {source.value} ({record.version})",
                who=who,
                now=now,
            )
            outcome = Outcome.AMENDED if done.changed else Outcome.ALREADY
            detail = ", ".join(done.amended.changes) or "the edit changes nothing recorded"
        else:
            submitted = submit(found.cycle_id, found.step, found.submission, who=who)
            outcome = Outcome.RECORDED if submitted.created else Outcome.ALREADY
            detail = submitted.resumed or submitted.summary
        with session_scope() as session:
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
    except DomainError as exc:
        outcome, detail = Outcome.REJECTED, _reason(exc)
    except (DataError, IntegrityError) as exc:  # what the schemas let through; rolled back
        outcome, detail = Outcome.REJECTED, refused_by_database(exc)
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
