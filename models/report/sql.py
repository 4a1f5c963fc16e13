"""SQL shapes the report's queries share, the same on SQLite and PostgreSQL: the org unit a row
falls in, a median by window functions, days between two moments, a share in per cent."""

from __future__ import annotations

from typing import Any, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    Float,
    FromClause,
    Numeric,
    Select,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import DateTime

from models.cycle.cycle import Cycle
from models.geography.places import Level

Columns = TypeVarTuple("Columns")

UNIT = "unit"
"""The label of the org-unit column every query selects: the P-code the row counts for."""


def unit_of(level: Level | None, area_pcode: str) -> ColumnElement[str]:
    """The P-code a cycle's row counts for: its region, its cercle, or the report's area."""
    if level is Level.REGION:
        return Cycle.region_pcode.label(UNIT)
    if level is Level.CERCLE:
        return Cycle.cercle_pcode.label(UNIT)
    return literal(area_pcode).label(UNIT)


def grouped(stmt: Select[*Columns], level: Level | None) -> Select[*Columns]:
    """`stmt` grouped by the org unit (the area's totals need no GROUP BY: PostgreSQL refuses a
    constant there)."""
    if level is Level.REGION:
        return stmt.group_by(Cycle.region_pcode)
    if level is Level.CERCLE:
        return stmt.group_by(Cycle.cercle_pcode)
    return stmt


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def median_by(values: FromClause, keys: list[str], value: str) -> Select[Any]:
    """The median of `values.c[value]` for each combination of `keys` (columns of `values`): the
    middle row, or the mean of the two middle rows, numbered by a window."""
    partition = [values.c[k] for k in keys]
    ranked = select(
        *partition,
        values.c[value].label("value"),
        func.row_number().over(partition_by=partition, order_by=values.c[value]).label("rank"),
        func.count().over(partition_by=partition).label("n"),
    ).subquery()
    middle = or_(ranked.c.rank == (ranked.c.n + 1) // 2, ranked.c.rank == (ranked.c.n + 2) // 2)
    return (
        select(*[ranked.c[k] for k in keys], func.avg(ranked.c.value).label("median"))
        .where(middle)
        .group_by(*[ranked.c[k] for k in keys])
    )


def days_between(session: Session, start: Any, end: Any) -> ColumnElement[Any]:
    """Days (fractional) from `start` to `end`, either a date or a timestamp column."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(end) - func.julianday(start)
    aware = DateTime(timezone=True)
    return extract("epoch", cast(end, aware) - cast(start, aware)) / 86400.0


def per_cent(part: Any, whole: Any) -> ColumnElement[float]:
    """100 * part / whole as a float; NULL when whole is 0."""
    return case((whole > 0, 100.0 * cast(part, Float) / whole), else_=None)


def rounded(value: Any, digits: int) -> ColumnElement[Any]:
    """`value` rounded to `digits` decimals, as a float (PostgreSQL rounds only numerics)."""
    return cast(func.round(cast(value, Numeric), digits), Float)


def within(column: Any, first: Any, after: Any) -> ColumnElement[bool]:
    """first <= column < after (a half-open period)."""
    return and_(column >= first, column < after)
