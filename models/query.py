"""Edges of a query shared by every module that selects or updates by a list of keys."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

CHUNK = 500
"""Keys per `IN (…)` list: under SQLite's 999 bound parameters with room for the query's own."""

WIDE_CHUNK = 5_000
"""Keys per `IN (…)` list where round trips count (the sweep's ledger keys: 23 statements of 500
took 0.46 s on PostgreSQL, 3 of 5,000 take 0.16 s). SQLite binds up to 32,766 parameters since
3.32 (Python 3.11 here ships 3.40), PostgreSQL 65,535."""


def in_chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`values` in consecutive slices of at most `size`, for one statement per slice."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
