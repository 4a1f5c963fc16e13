"""The report as tables: one row per org unit (the area, then its regions and cercles), the same
tables in every format (terminal, JSON, XLSX sheets, HTML), and the long form for DHIS2 or
ActivityInfo (indicator, period, org unit P-code, sex, age band, value).

The queries (models/report/activity.py, attendance.py, outcomes.py) return figures by org unit;
here they are only laid out, never counted again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.followup.items import ItemSource
from models.geography.places import Cercle, Level, Region
from models.report import activity, attendance, outcomes
from models.report.scope import ReportRequest, Scope, resolve_scope

NOT_MEASURED = "not yet measured"
_PCODE = {Level.REGION: 4, Level.CERCLE: 6}
"""A unit's level by the length of its P-code (ML06, ML0603); the area's own is the scope's."""
BY_STAGE = (*activity.STAGES, "active", "completed", "cancelled")
"""Where a cycle stands: a stage, `active` (no open step left, its run about to close it), or
closed."""
UNIT_COLUMNS = ("level", "pcode", "name")

TABLES: dict[str, tuple[str, ...]] = {
    "cycles": (
        "launched",
        "completed",
        "cancelled",
        "closed_after_follow_up",
        "plans_handed_over",
    ),
    "sessions": (
        "scheduled",
        "held",
        "postponed",
        "cancelled",
        "with_minutes",
        "participants",
        "mean_per_session",
        "women",
        "women_share",
        "below_target",
        "median_women_share",
        "youth",
        "youth_share",
        "missing_group",
    ),
    "participation": ("sex", "age_band", "group", "participants"),
    "absent_groups": ("group", "sessions"),
    "follow_up": ("source", *outcomes.ITEM_COUNTS),
    "stages": ("stage", "finished", "median_days"),
    "cycles_by_stage": ("stage", "cycles"),
    "steps": ("steps_due", "steps_overdue", "overdue_share"),
    "ratings": ("cycles_measured", *outcomes.RATINGS),
}
"""Each table's own columns, after the org unit's (level, pcode, name)."""


@dataclass(frozen=True)
class Report:
    scope: Scope
    generated_at: datetime
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def area(self) -> dict[str, dict[str, Any]]:
        """The headline figures: the area's row of each one-row-per-unit table, by table."""
        return {name: self.tables[name][0] for name in ("cycles", "sessions", "steps", "ratings")}

    def meta(self) -> dict[str, Any]:
        period = self.scope.period
        return {
            "period": period.code,
            "from": period.first.isoformat(),
            "to": period.last.isoformat(),
            "area": self.scope.name,
            "area_pcode": self.scope.pcode,
            "funder": self.scope.funder,
            "generated_at": self.generated_at.isoformat(),
            "women_target": attendance.WOMEN_TARGET,
        }

    def as_json(self) -> dict[str, Any]:
        return {"report": self.meta(), "tables": self.tables}


def build_report(session: Session, request: ReportRequest, *, today: date, now: datetime) -> Report:
    """Every figure for the request's period, area and funder: one statement per figure gives
    every org unit's (the area, its regions, its cercles)."""
    scope = resolve_scope(session, request, today=today)
    levels: list[Level | None] = [None, *scope.levels]
    names = _unit_names(session, scope)
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    cycles = activity.cycle_counts(session, scope)
    plans = activity.plans_handed_over(session, scope)
    sessions = activity.session_counts(session, scope)
    shares = attendance.shares(session, scope)
    absent = attendance.absent_groups(session, scope)
    people = attendance.participation(session, scope)
    items = outcomes.item_counts(session, scope)
    stages = activity.stage_days(session, scope)
    steps = activity.step_lateness(session, scope)
    standing = activity.cycles_by_stage(session, scope)
    rated = outcomes.ratings(session, scope)
    for level in levels:
        below = [u for u in set(cycles) | set(sessions) if len(u) == _PCODE[level]] if level else []
        units = [scope.pcode] if level is None else sorted(below)
        for unit in units:
            head = {
                "level": (level or "area").__str__(),
                "pcode": unit,
                "name": names.get(unit, unit),
            }
            row = cycles.get(unit, {}) | plans.get(unit, {})
            tables["cycles"].append(head | {k: row.get(k, 0) for k in TABLES["cycles"]})
            row = sessions.get(unit, {}) | shares.get(unit, {})
            row |= {"missing_group": absent.get(unit, {}).get("*", {}).get("sessions", 0)}
            tables["sessions"].append(head | {k: row.get(k, _zero(k)) for k in TABLES["sessions"]})
            tables["participation"] += [head | r for r in people.get(unit, [])]
            tables["absent_groups"] += [
                head | {"group": group, "sessions": counts["sessions"]}
                for group, counts in sorted(absent.get(unit, {}).items())
                if group != "*"
            ]
            for source in ItemSource:
                counts = items.get(unit, {}).get(source.value, {})
                tables["follow_up"].append(
                    head
                    | {"source": source.value}
                    | {k: counts.get(k, 0) for k in TABLES["follow_up"][1:]}
                )
            for stage in activity.STAGES:
                done = stages.get(unit, {}).get(stage, {})
                tables["stages"].append(
                    head
                    | {
                        "stage": stage,
                        "finished": done.get("finished", 0),
                        "median_days": done.get("median_days"),
                    }
                )
            for stage in BY_STAGE:
                tables["cycles_by_stage"].append(
                    head
                    | {
                        "stage": stage,
                        "cycles": standing.get(unit, {}).get(stage, {}).get("cycles", 0),
                    }
                )
            row = steps.get(unit, {})
            tables["steps"].append(head | {k: row.get(k, _zero(k)) for k in TABLES["steps"]})
            row = rated.get(unit, {})
            tables["ratings"].append(
                head
                | {k: row.get(k, 0 if k == "cycles_measured" else None) for k in TABLES["ratings"]}
            )
    return Report(scope, now, tables)


def _zero(column: str) -> Any:
    """What a unit with nothing to count shows: 0, but no share, mean or median of nothing."""
    return None if column.endswith(("share", "session")) else 0


def _unit_names(session: Session, scope: Scope) -> dict[str, str]:
    names = {scope.pcode: scope.name}
    names |= {pcode: name for pcode, name in session.execute(select(Region.pcode, Region.name))}
    names |= {pcode: name for pcode, name in session.execute(select(Cercle.pcode, Cercle.name))}
    return names


LONG_COLUMNS = ("indicator", "period", "org_unit", "sex", "age_band", "value")


def long_form(report: Report) -> Iterator[tuple[Any, ...]]:
    """The report as DHIS2 / ActivityInfo data values: one number per indicator, period, org unit
    and (for participants) sex and age band; the group is part of the indicator
    (`participants.women`). A figure not measured has no row."""
    period = report.scope.period.code
    keyed = {"absent_groups", "follow_up", "stages", "cycles_by_stage"}
    for name, rows in report.tables.items():
        for row in rows:
            unit = row["pcode"]
            if name == "participation":
                yield (
                    f"participants.{row['group']}",
                    period,
                    unit,
                    row["sex"],
                    row["age_band"],
                    row["participants"],
                )
            elif name in keyed:
                key, *values = TABLES[name]
                for column in values:
                    if row[column] is not None:
                        yield (f"{name}.{row[key]}.{column}", period, unit, "", "", row[column])
            else:
                for column in TABLES[name]:
                    if row[column] is not None:
                        yield (f"{name}.{column}", period, unit, "", "", row[column])
