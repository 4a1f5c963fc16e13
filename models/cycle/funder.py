"""The funder (or programme) a cycle is reported under: set at launch, changed later, audited.

A tag, not a table of funders: the report groups and filters cycles by it (`debates report
--funder`), matching it whatever the case, so "UE" and "ue" are one funder.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import record
from models.cycle.cycle import Cycle
from models.errors import InvalidInput, NotFound

Funder = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
"""'Union européenne', 'LGCP', 'PNUD-PBF': how people name whoever pays for the cycles."""


def clean_funder(text: str | None, *, field: str = "--funder") -> str | None:
    """`text` as stored: stripped; None for no tag. Too long is refused, naming the field."""
    if text is None or not text.strip():
        return None
    funder = text.strip()
    if len(funder) > 120:
        raise InvalidInput(
            f"{field}: '{funder[:40]}…' is {len(funder)} characters; give at most 120"
        )
    return funder


def set_funder(
    session: Session,
    cycle_ids: Sequence[int],
    funder: str | None,
    *,
    actor: str,
    now: datetime,
) -> list[Cycle]:
    """Tag each cycle with `funder` (None removes the tag); the cycles whose tag changed.

    Every id must name a cycle, or nothing changes: the error lists the unknown ones.
    """
    wanted = sorted(set(cycle_ids))
    cycles = list(session.scalars(select(Cycle).where(Cycle.id.in_(wanted)).order_by(Cycle.id)))
    missing = sorted(set(wanted) - {c.id for c in cycles})
    if missing:
        raise NotFound(
            f"No cycle with id {', '.join(map(str, missing))}; 'debates cycles' lists them"
        )
    changed = []
    for cycle in cycles:
        if cycle.funder == funder:
            continue
        before = {"funder": cycle.funder}
        cycle.funder = funder
        record(
            session,
            "cycle.funder",
            "cycle",
            cycle.id,
            cycle.id,
            now=now,
            actor=actor,
            before=before,
            after={"funder": funder},
        )
        changed.append(cycle)
    return changed
