"""The layout of every listing a command prints: a title at the left over named columns."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table


def titled_table(title: str | None, columns: Iterable[str], *, right: Iterable[str] = ()) -> Table:
    """An empty table titled `title` with `columns`, then the `right` columns (counts), which are
    right-justified; the command adds its rows."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for column in right:
        table.add_column(column, justify="right")
    return table
