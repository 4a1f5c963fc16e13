"""Where a debate session is held: a commune of the cycle's area.

A commune's cycle holds its sessions in the commune (its P-code is stored with each session). An
intercommunal cycle holds each in any commune of its cercle, and each session names it
(`sessions.N.commune`, a name or P-code): invitations say where to go, and a commune outside the
cercle is refused with the cercle's communes listed.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle
from models.errors import AmbiguousPlace, InvalidInput, UnknownPlace
from models.geography.places import Commune, resolve_commune
from models.stages.sessions import ScheduleSubmission
from models.text import name_key


def _commune(session: Session, cycle: Cycle, text: str) -> Commune:
    """The commune `text` names, read first among the cercle's (so 'Tilemsi' in the cercle of
    Goundam is Goundam's Tilemsi, not Gao's), then among every commune."""
    key = name_key(text)
    mine = [c for c in cycle.cercle.communes if key in (name_key(c.name), name_key(c.pcode))]
    return mine[0] if len(mine) == 1 else resolve_commune(session, text)


def place_sessions(
    session: Session, cycle: Cycle, submission: ScheduleSubmission
) -> ScheduleSubmission:
    """`submission` with each session's commune checked against the cycle's area and given as its
    P-code (None for a commune's cycle, whose sessions are in the commune); InvalidInput names each
    session whose commune is missing or outside the area. Reads only."""
    choices = ", ".join(c.name for c in cycle.cercle.communes)
    problems: list[tuple[str, str]] = []
    placed = []
    for index, item in enumerate(submission.sessions):
        where = f"field sessions.{index}.commune"
        if item.commune is None:
            if cycle.intercommunal:
                problems.append(
                    (where, f"name the commune of the cercle the session is held in: {choices}")
                )
            placed.append(item)
            continue
        try:
            commune = _commune(session, cycle, item.commune)
        except (UnknownPlace, AmbiguousPlace) as exc:
            problems.append((where, str(exc)))
            continue
        if cycle.intercommunal and commune.cercle_pcode != cycle.cercle_pcode:
            problems.append(
                (
                    where,
                    f"{commune.label()} is not in the cercle of {cycle.cercle.name}; "
                    f"hold the session in one of its communes: {choices}",
                )
            )
        elif not cycle.intercommunal and commune.pcode != cycle.commune_pcode:
            problems.append(
                (
                    where,
                    f"{commune.label()} is not {cycle.area_name}: a commune's cycle holds its "
                    "sessions in the commune (leave commune out); a cercle-wide debate is an "
                    "intercommunal cycle ('debates launch --cercle … --intercommunal')",
                )
            )
        placed.append(
            item.model_copy(update={"commune": commune.pcode if cycle.intercommunal else None})
        )
    if problems:
        raise InvalidInput(f"cycle {cycle.label}: where the sessions are held", problems)
    return submission.model_copy(update={"sessions": placed})


def session_commune(cycle: Cycle, commune: str | None) -> str:
    """The P-code stored with a session placed by `place_sessions`."""
    stored = commune or cycle.commune_pcode
    assert stored is not None, "an intercommunal cycle's sessions are placed with a commune"
    return stored
