"""What a safety-plan action answers: the grievances of the cycle's minutes, named 'session.position'.

A coordinator names a grievance as the minutes number it: '1.2' is the second grievance of debate
session 1's minutes (their order as recorded; an amendment of the minutes keeps each grievance at its
position). References are checked against the cycle's recorded minutes when the plan is recorded or
amended. Wherever a grievance is shown beside a plan action or a tracked item, a sensitive one is
named by its number only: its theme stays with the coordinator, as in the minutes' documents.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import BeforeValidator
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle
from models.errors import InvalidInput
from models.stages.minutes import Grievance, Minutes

_REFERENCE = re.compile(r"0*([1-9]\d?)\.0*([1-9]\d{0,2})")


def _reference(value: object) -> object:
    """'1.2' as typed (spaces and leading zeros dropped); a number or another shape refused."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(
            f"{value} is read as a number; write the reference in quotes, e.g. '1.2' "
            "(YAML reads 1.10 as 1.1)"
        )
    if not isinstance(value, str):
        return value
    found = _REFERENCE.fullmatch(value.strip())
    if found is None:
        raise ValueError(
            f"'{value}' is no grievance reference; write 'session.grievance' as the minutes "
            "number them, e.g. '1.2' for the second grievance of session 1"
        )
    return f"{found[1]}.{found[2]}"


GrievanceReference = Annotated[str, BeforeValidator(_reference)]
"""'session.position' of a grievance in the cycle's minutes: '1.2'."""


def reference_order(reference: str) -> tuple[int, ...]:
    return tuple(int(part) for part in reference.split("."))


@dataclass(frozen=True)
class GrievanceShown:
    """A grievance as a plan action or a tracked item shows it."""

    reference: str
    theme: str | None
    """None for a sensitive grievance: it is named by its number only."""

    def as_record(self) -> dict[str, str | None]:
        return {"grievance": self.reference, "theme": self.theme}


def _numbered(session: Session, cycle_ids: Iterable[int]) -> Iterator[tuple[int, str, Grievance]]:
    """(cycle id, reference, grievance) of these cycles' minutes, in reference order."""
    rows = session.execute(
        select(Minutes.cycle_id, Minutes.session_number, Grievance)
        .join(Grievance, Grievance.minutes_id == Minutes.id)
        .where(Minutes.cycle_id.in_(set(cycle_ids)))
        .order_by(Minutes.cycle_id, Minutes.session_number, Grievance.id)
    )
    position: dict[tuple[int, int], int] = defaultdict(int)
    for cycle_id, number, grievance in rows:
        position[(cycle_id, number)] += 1
        yield cycle_id, f"{number}.{position[(cycle_id, number)]}", grievance


def grievances_by_reference(session: Session, cycle_id: int) -> dict[str, Grievance]:
    return {reference: g for _cycle, reference, g in _numbered(session, [cycle_id])}


def shown_grievances(session: Session, cycle_ids: Iterable[int]) -> dict[int, GrievanceShown]:
    """Every grievance of these cycles by id, as shown beside what answers it."""
    return {
        g.id: GrievanceShown(reference, None if g.sensitive else g.theme)
        for _cycle, reference, g in _numbered(session, cycle_ids)
    }


def answered(
    grievances: Iterable[Grievance], shown: dict[int, GrievanceShown]
) -> tuple[GrievanceShown, ...]:
    """The grievances an action answers, shown, in reference order."""
    return tuple(
        sorted((shown[g.id] for g in grievances), key=lambda s: reference_order(s.reference))
    )


def _unknown(cycle: Cycle, reference: str, known: dict[str, Grievance]) -> str:
    session_number = reference.split(".")[0]
    listed = sorted((r for r in known if r.split(".")[0] == session_number), key=reference_order)
    where = (
        f"the minutes of session {session_number} list {len(listed)} ({listed[0]} to {listed[-1]})"
        if listed
        else f"the minutes of session {session_number} list none"
    )
    return (
        f"cycle {cycle.label} has no grievance {reference}: {where}; give one the minutes "
        f"list (debates submit {cycle.id} plan --template shows them)"
    )


def resolve_answers(
    session: Session, cycle: Cycle, answers: Sequence[Sequence[str]], *, step: str = "plan"
) -> list[list[Grievance]]:
    """Each action's references as the cycle's grievances; InvalidInput naming
    `actions[i].answers` for a reference the recorded minutes do not hold (nothing written)."""
    known = grievances_by_reference(session, cycle.id) if any(answers) else {}
    problems = [
        (f"actions[{index}].answers", _unknown(cycle, reference, known))
        for index, references in enumerate(answers)
        for reference in references
        if reference not in known
    ]
    if problems:
        raise InvalidInput(f"the input for step '{step}' is not valid", problems)
    return [[known[reference] for reference in references] for references in answers]
