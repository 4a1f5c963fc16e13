"""Who took part, per org unit, from the minutes' attendance counts (sex x age band x group, never
names): participants in total and per session, women's share of each session against the 30 %
that Mali's law 2015-052 sets for public bodies, young people (15-24), and the sessions where a
group the baseline study named was absent.

A session counts in the period by its date; only sessions with minutes have attendance.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import String, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle
from models.fields import AgeBand, Group, Sex
from models.report.activity import Rows, _rounded, share
from models.report.scope import Scope
from models.report.sql import (
    UNIT,
    count_where,
    keyed,
    median_by,
    per_cent,
    place_of,
    rounded,
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


def participation(session: Session, scope: Scope) -> dict[str, list[dict[str, Any]]]:
    """{unit: [{"sex", "age_band", "group", "participants"}]}, every combination that came."""
    cells = (AttendanceCount.sex, AttendanceCount.age_band, AttendanceCount.group)
    base = (
        _minutes_in(scope)
        .join(AttendanceCount, AttendanceCount.minutes_id == Minutes.id)
        .add_columns(
            *place_of(),
            *[c.label(c.key) for c in cells],
            func.sum(AttendanceCount.count).label("participants"),
        )
        .where(AttendanceCount.count > 0)
        .group_by(Cycle.region_pcode, Cycle.cercle_pcode, *cells)
    )
    rows = keyed(base, scope)
    keys = [rows.c[UNIT], rows.c.sex, rows.c.age_band, rows.c.group]
    stmt = select(*keys, func.sum(rows.c.participants).label("participants")).group_by(*keys)
    order = {value: i for i, value in enumerate([*Sex, *AgeBand, *Group])}
    found: dict[str, list[dict[str, Any]]] = {}
    for row in session.execute(stmt).mappings():
        found.setdefault(row[UNIT], []).append(
            {k: row[k] for k in ("sex", "age_band", "group")}
            | {"participants": int(row["participants"])}
        )
    for listed in found.values():
        listed.sort(key=lambda r: (order[r["sex"]], order[r["age_band"]], order[r["group"]]))
    return found


def _per_session() -> Any:
    """Women and young people of each session's minutes: one pass over the attendance counts."""
    return (
        select(
            AttendanceCount.minutes_id.label("minutes_id"),
            func.sum(case((AttendanceCount.sex == Sex.F.value, AttendanceCount.count), else_=0))
            .label("women"),
            func.sum(case((AttendanceCount.age_band == YOUTH, AttendanceCount.count), else_=0))
            .label("youth"),
        )
        .group_by(AttendanceCount.minutes_id)
        .subquery()
    )  # fmt: skip


SUMS = ["total", "women", "youth", "below"]


def shares(session: Session, scope: Scope) -> Rows:
    """Per unit: sessions with minutes, participants, mean per session, women and their share,
    sessions below the target, the median session's share (shares to one decimal, counted by
    cercle), young people and their share. One statement: the median's rows carry the sums."""
    counts = _per_session()
    women = func.coalesce(counts.c.women, 0)
    per_session = (
        _minutes_in(scope)
        .outerjoin(counts, counts.c.minutes_id == Minutes.id)
        .add_columns(
            *place_of(),
            Minutes.total_participants.label("total"),
            women.label("women"),
            func.coalesce(counts.c.youth, 0).label("youth"),
            case((women * 100 < Minutes.total_participants * WOMEN_TARGET, 1), else_=0).label(
                "below"
            ),
            rounded(per_cent(women, Minutes.total_participants), 1).label("share"),
        )
        .subquery()
    )
    histogram = select(
        per_session.c.region,
        per_session.c.cercle,
        per_session.c.share,
        func.count().label("with_minutes"),
        *[func.sum(per_session.c[c]).label(c) for c in SUMS],
    ).group_by(per_session.c.region, per_session.c.cercle, per_session.c.share)
    rows = keyed(histogram, scope)
    stmt = median_by(rows, [UNIT], "share", weight="with_minutes", sums=SUMS)
    found: Rows = {}
    for row in session.execute(stmt).mappings():
        total_n, women_n, youth_n = (int(row[k] or 0) for k in ("total", "women", "youth"))
        sessions = int(row["with_minutes"])
        found[row[UNIT]] = {
            "with_minutes": sessions,
            "participants": total_n,
            "mean_per_session": _rounded(Decimal(total_n) / sessions, 1) if sessions else None,
            "women": women_n,
            "women_share": share(women_n, total_n),
            "below_target": int(row["below"] or 0),
            "median_women_share": _rounded(row["median"], 1),
            "youth": youth_n,
            "youth_share": share(youth_n, total_n),
        }
    return found


def absent_groups(session: Session, scope: Scope) -> dict[str, Rows]:
    """{unit: {"*": {"sessions": n}, group: {"sessions": n}}}: sessions with minutes where a group
    the baseline study named had nobody; "*" counts each such session once. Per session, one
    pass over its attendance says which groups came; the study's list is matched as JSON text."""
    named_text = cast(BaselineStudy.participant_groups, String)
    came = select(
        AttendanceCount.minutes_id.label("minutes_id"),
        *[
            func.max(case((and_(AttendanceCount.group == g.value, AttendanceCount.count > 0), 1),
                          else_=0)).label(g.value)
            for g in Group
        ],
    ).group_by(AttendanceCount.minutes_id).subquery()  # fmt: skip
    missing = {
        g.value: and_(named_text.like(f'%"{g.value}"%'), func.coalesce(came.c[g.value], 0) == 0)
        for g in Group
    }
    base = (
        _minutes_in(scope)
        .join(BaselineStudy, BaselineStudy.cycle_id == Minutes.cycle_id)
        .outerjoin(came, came.c.minutes_id == Minutes.id)
        .add_columns(
            *place_of(),
            *[count_where(condition).label(g) for g, condition in missing.items()],
            count_where(or_(*missing.values())).label("any_group"),
        )
        .group_by(Cycle.region_pcode, Cycle.cercle_pcode)
    )
    rows = keyed(base, scope)
    columns = [g.value for g in Group] + ["any_group"]
    stmt = select(rows.c[UNIT], *[func.sum(rows.c[c]).label(c) for c in columns]).group_by(
        rows.c[UNIT]
    )
    found: dict[str, Rows] = {}
    for row in session.execute(stmt).mappings():
        counts = {c: int(row[c] or 0) for c in columns}
        found[row[UNIT]] = {
            ("*" if c == "any_group" else c): {"sessions": n} for c, n in counts.items() if n
        }
    return found
