"""Declarative base, naming convention, and the column shapes shared by every table: the tz-aware
UTC timestamp, the integer primary key, a child row's foreign key, a CHECK over an enum's values,
a unique index over the rows a condition keeps."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, MetaData, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, MappedColumn, mapped_column
from sqlalchemy.types import TypeDecorator

from models.clock import is_naive

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back tz-aware (SQLite forgets the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if is_naive(value):
            raise ValueError(
                f"naive datetime {value.isoformat()} cannot be stored: give a timezone"
            )
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        zone = value.tzinfo
        if zone is UTC:
            return value
        # PostgreSQL's UTC comes as psycopg's ZoneInfo: a replace costs a fifth of astimezone, and
        # the sweep reads every selected step's due date (11,239 at 100,000 open steps).
        if zone is None or zone in _UTC_ZONES or is_naive(value):
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


_UTC_ZONES = frozenset({ZoneInfo("UTC"), ZoneInfo("Etc/UTC")})


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


IntPk = Annotated[int, mapped_column(primary_key=True)]
"""`id: Mapped[IntPk]`: the surrogate key of every table that has one."""


def child_of(table: str) -> MappedColumn[int]:
    """The foreign key of a row that belongs to a row of `table` (a step to its cycle, an
    attendance count to its minutes): indexed, and deleted with its parent."""
    return mapped_column(ForeignKey(f"{table}.id", ondelete="CASCADE"), index=True)


def one_of(column: str, values: Iterable[str]) -> CheckConstraint:
    """CHECK (column IN (...)) named for the column; `values` is the enum the code uses, so the
    database allows exactly what the code can write."""
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column)


def unique_where(name: str, *columns: str, where: str) -> Index:
    """A partial unique index, the same on SQLite and PostgreSQL: `columns` are unique among the
    rows that satisfy `where` (one active cycle per area, one open pause per cycle)."""
    return index_where(name, *columns, where=where, unique=True)


def index_where(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """A partial index, the same on SQLite and PostgreSQL: only the rows that satisfy `where`.
    SQLite uses it only for a query whose WHERE holds each of its terms as written."""
    condition = text(where)
    return Index(name, *columns, unique=unique, sqlite_where=condition, postgresql_where=condition)
