"""Who took part, per org unit, from the minutes' attendance counts (sex x age band x group, never
names): participants in total and per session, women's share of each session against the 30 %
that Mali's law 2015-052 sets for public bodies, young people (15-24), and the sessions where a
group the baseline study named was absent.

A session counts in the period by its date; only sessions with minutes have attendance.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, and_, cast, exists, func, literal, select, union_all
from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle
from models.fields import AgeBand, Group, Sex
from models.geography.places import Level
from models.report.activity import Rows
from models.report.scope import Scope
from models.report.sql import (
    UNIT,
    count_where,
    grouped,
    median_by,
    per_cent,
    rounded,
    unit_of,
    within,
)
from models.stages.baseline import BaselineStudy
from models.stages.minutes import AttendanceCount, Minutes
from models.stages.sessions import DebateSession

WOMEN_TARGET = 30
"""Per cent of women: law 2015-052's minimum for public bodies, the programme's target per session."""
YOUTH = AgeBand.UNDER_25.value


def _minutes_in(scope: Scope) -> Any:
    """Minutes joined to their session and cycle, in the area, under the funder, in the period."""
    return (
        select()
        .select_from(Minutes)
        .join(
            DebateSession,
            and_(
                DebateSession.cycle_id == Minutes.cycle_id,
                DebateSession.number == Minutes.session_number,
            ),
        )
        .join(Cycle, Cycle.id == Minutes.cycle_id)
        .where(
            scope.cycles(),
            within(DebateSession.starts_at, scope.period.starts, scope.period.ends),
        )
    )


def participation(
    session: Session, scope: Scope, level: Level | None
) -> dict[str, list[dict[str, Any]]]:
    """{unit: [{"sex", "age_band", "group", "participants"}]}, every combination that came."""
    stmt = grouped(
        _minutes_in(scope)
        .join(AttendanceCount, AttendanceCount.minutes_id == Minutes.id)
        .add_columns(
            unit_of(level, scope.pcode),
            AttendanceCount.sex.label("sex"),
            AttendanceCount.age_band.label("age_band"),
            AttendanceCount.group.label("group"),
            func.sum(AttendanceCount.count).label("participants"),
        )
        .where(AttendanceCount.count > 0),
        level,
    ).group_by(AttendanceCount.sex, AttendanceCount.age_band, AttendanceCount.group)
    found: dict[str, list[dict[str, Any]]] = {}
    for row in session.execute(stmt).mappings():
        found.setdefault(row[UNIT], []).append(
            {k: row[k] for k in ("sex", "age_band", "group", "participants")}
        )
    order = {value: i for i, value in enumerate([*Sex, *AgeBand, *Group])}
    for rows in found.values():
        rows.sort(key=lambda r: (order[r["sex"]], order[r["age_band"]], order[r["group"]]))
    return found


def shares(session: Session, scope: Scope, level: Level | None) -> Rows:
    """Per unit: sessions with minutes, participants, mean per session, women and their share,
    sessions below the target, the median session's share, young people and their share."""
    women = func.coalesce(
        select(func.sum(AttendanceCount.count))
        .where(AttendanceCount.minutes_id == Minutes.id, AttendanceCount.sex == Sex.F.value)
        .scalar_subquery(),
        0,
    )
    youth = func.coalesce(
        select(func.sum(AttendanceCount.count))
        .where(AttendanceCount.minutes_id == Minutes.id, AttendanceCount.age_band == YOUTH)
        .scalar_subquery(),
        0,
    )
    per_session = (
        _minutes_in(scope)
        .add_columns(
            unit_of(level, scope.pcode),
            Minutes.total_participants.label("total"),
            women.label("women"),
            youth.label("youth"),
            per_cent(women, Minutes.total_participants).label("women_share"),
        )
        .subquery()
    )
    medians = median_by(per_session, [UNIT], "women_share").subquery()
    total = func.sum(per_session.c.total)
    stmt = (
        select(
            per_session.c[UNIT],
            func.count().label("with_minutes"),
            total.label("participants"),
            rounded(1.0 * total / func.count(), 1).label("mean_per_session"),
            cast(func.sum(per_session.c.women), Integer).label("women"),
            rounded(per_cent(func.sum(per_session.c.women), total), 1).label("women_share"),
            count_where(per_session.c.women * 100 < per_session.c.total * WOMEN_TARGET).label(
                "below_target"
            ),
            rounded(func.max(medians.c.median), 1).label("median_women_share"),
            cast(func.sum(per_session.c.youth), Integer).label("youth"),
            rounded(per_cent(func.sum(per_session.c.youth), total), 1).label("youth_share"),
        )
        .join(medians, medians.c[UNIT] == per_session.c[UNIT])
        .group_by(per_session.c[UNIT])
    )
    found: Rows = {}
    for row in session.execute(stmt).mappings():
        found[row[UNIT]] = {
            key: float(value) if key.endswith(("share", "session")) and value is not None else value
            for key, value in row.items()
        }
    return found


def _groups() -> Any:
    """The participant groups as a one-column relation (a UNION: SQLite names no VALUES columns)."""
    return union_all(*[select(literal(g.value, String).label("grp")) for g in Group]).subquery()


def absent_groups(session: Session, scope: Scope, level: Level | None) -> dict[str, Rows]:
    """{unit: {"*": {"sessions": n}, group: {"sessions": n}}}: sessions with minutes where a group
    the baseline study named had nobody; "*" counts each such session once."""
    groups = _groups()
    named = cast(BaselineStudy.participant_groups, String).like(
        literal('%"') + groups.c.grp + literal('"%')
    )
    came = exists().where(
        AttendanceCount.minutes_id == Minutes.id,
        AttendanceCount.group == groups.c.grp,
        AttendanceCount.count > 0,
    )
    missing = (
        _minutes_in(scope)
        .join(BaselineStudy, BaselineStudy.cycle_id == Minutes.cycle_id)
        .join(groups, named)
        .add_columns(
            unit_of(level, scope.pcode), Minutes.id.label("minutes_id"), groups.c.grp.label("grp")
        )
        .where(~came)
        .subquery()
    )
    found: dict[str, Rows] = {}
    by_group = select(missing.c[UNIT], missing.c.grp, func.count().label("sessions")).group_by(
        missing.c[UNIT], missing.c.grp
    )
    for row in session.execute(by_group).mappings():
        found.setdefault(row[UNIT], {})[row["grp"]] = {"sessions": row["sessions"]}
    any_group = select(
        missing.c[UNIT], func.count(func.distinct(missing.c.minutes_id)).label("sessions")
    ).group_by(missing.c[UNIT])
    for row in session.execute(any_group).mappings():
        found.setdefault(row[UNIT], {})["*"] = {"sessions": row["sessions"]}
    return found
