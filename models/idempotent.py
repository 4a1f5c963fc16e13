"""Insert or return existing: the one helper every replayable write goes through.

A flow resumed from the top runs its tasks again; a task that creates something first looks it up
by its natural key, under the table's UNIQUE constraint, so a replay finds its work done.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.base import Base

Row = TypeVar("Row", bound=Base)


def insert_or_existing(
    session: Session, model: type[Row], key: Mapping[str, Any], build: Callable[[], Row]
) -> tuple[Row, bool]:
    """The row of `model` with natural `key`, built and inserted when missing; (row, created).

    Two writers racing on the same key: the loser's insert hits the UNIQUE constraint, its savepoint
    rolls back and it returns the winner's row, so the outcome is one row either way.
    """
    lookup = select(model).filter_by(**key)
    existing = session.scalar(lookup)
    if existing is not None:
        return existing, False
    row = build()
    for name, value in key.items():
        setattr(row, name, value)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        existing = session.scalar(lookup)
        if existing is None:
            raise
        return existing, False
    return row, True
