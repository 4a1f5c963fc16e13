"""Edges of a query shared by every module that selects or updates by a list of keys."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

CHUNK = 500
"""Keys per `IN (…)` list: under SQLite's 999 bound parameters with room for the query's own."""


def in_chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`values` in consecutive slices of at most `size`, for one statement per slice."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
