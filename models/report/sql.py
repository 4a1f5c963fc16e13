"""SQL shapes the report's queries share, the same on SQLite and PostgreSQL: rows counted once
per org unit (area, region, cercle), a median by window functions, days between two moments, a
share in per cent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    FromClause,
    Integer,
    Numeric,
    Select,
    Subquery,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import DateTime

from models.cycle.cycle import Cycle
from models.report.scope import Scope

UNIT = "unit"
"""The label of the org-unit column every query selects: the P-code the row counts for."""


def keyed(base: Select[Any], scope: Scope) -> Subquery:
    """`base`'s rows once for each org unit they count for: the report's area, and the levels
    below it (their `region`, their `cercle`, columns `base` selects); the other columns as they
    are. `base` is a CTE materialized once, so grouping the result by `unit` gives every level's
    figures in one statement. An additive figure's base is best pre-aggregated by cercle."""
    rows = base.cte().prefix_with("MATERIALIZED")
    columns = [c for c in rows.c if c.key not in ("region", "cercle")]
    parts = [select(literal(scope.pcode).label(UNIT), *columns)]
    parts += [select(rows.c[level.value].label(UNIT), *columns) for level in scope.levels]
    return union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()


def place_of() -> list[Any]:
    """The columns every base selects: the cycle's region and cercle."""
    return [Cycle.region_pcode.label("region"), Cycle.cercle_pcode.label("cercle")]


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def median_by(
    rows: FromClause, keys: list[str], value: str, *, weight: str, sums: Sequence[str] = ()
) -> Select[Any]:
    """The median of `value` for each combination of `keys`, from rows that say how many times
    (`weight`) each value occurs (a histogram: values rounded, then counted by cercle): the
    value at the middle position, or the mean of the two middle ones, found by a running count.
    Also the `weight` summed (how many values) and the `sums` of other columns."""
    partition = [rows.c[k] for k in keys]
    counted = func.sum(rows.c[weight])
    window = select(
        *partition,
        rows.c[value].label("value"),
        *[rows.c[c] for c in (weight, *sums)],
        cast(counted.over(partition_by=partition, order_by=rows.c[value], rows=(None, 0)), Integer)
        .label("running_"),
        cast(counted.over(partition_by=partition), Integer).label("count_"),
    ).subquery()  # fmt: skip
    running, total = window.c.running_, window.c.count_
    low = func.min(case((running >= (total + 1) // 2, window.c.value)))
    high = func.min(case((running >= (total + 2) // 2, window.c.value)))
    return select(
        *[window.c[k] for k in keys],
        ((low + high) / 2.0).label("median"),
        func.sum(window.c[weight]).label(weight),
        *[func.sum(window.c[c]).label(c) for c in sums],
    ).group_by(*[window.c[k] for k in keys])


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
