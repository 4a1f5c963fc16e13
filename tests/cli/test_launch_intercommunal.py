"""`debates launch --intercommunal` needs one cercle: refused before anything is recorded or asked of
Prefect (no server runs in these tests), with the field and the fix."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.cycle.cycle import Cycle


@pytest.mark.parametrize(
    "args",
    [["--intercommunal"], ["--region", "Tombouctou", "--intercommunal"]],
    ids=["no-cercle", "a-region"],
)
def test_intercommunal_without_one_cercle_is_refused_with_the_fix(  # type: ignore[no-untyped-def]
    debates, session: Session, args: list[str]
) -> None:
    result = debates("launch", *args)
    assert result.code == 1
    assert "Error: nothing was launched" in result.err
    assert "field intercommunal: an intercommunal cycle is for one cercle" in result.err
    assert "--cercle Goundam" in result.err
    assert session.scalar(select(func.count()).select_from(Cycle)) == 0
