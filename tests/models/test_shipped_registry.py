"""The commune registry ships with the package, as an identical copy of the project's reference file."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from models.settings import PROJECT_ROOT, SHIPPED_COMMUNES, Settings

REFERENCE = PROJECT_ROOT.parent / "shared" / "data" / "mali_communes.csv"


def test_the_shipped_registry_is_byte_identical_to_the_shared_reference() -> None:
    if not REFERENCE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must compare the shipped registry with {REFERENCE}, which is absent")
        pytest.skip(f"{REFERENCE} is absent (a clone on its own); nothing to compare the copy with")
    assert SHIPPED_COMMUNES.read_bytes() == REFERENCE.read_bytes(), (
        f"{SHIPPED_COMMUNES} differs from {REFERENCE}: copy the reference again "
        "(cp ../shared/data/mali_communes.csv models/data/)"
    )


def test_the_shipped_registry_has_the_701_communes_and_its_licence_beside_it() -> None:
    with SHIPPED_COMMUNES.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 701
    assert len({row["commune_pcode"] for row in rows}) == 701
    source = (SHIPPED_COMMUNES.parent / "SOURCE.md").read_text(encoding="utf-8")
    for credit in ("OCHA / HDX, COD-AB Mali", "CC BY-IGO", "Changes made", "geo-api-mali", "MIT"):
        assert credit in source


def test_the_default_registry_is_the_shipped_one_and_the_setting_overrides_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DEBATES_COMMUNES_FILE", raising=False)
    assert Settings().resolved_communes_file() == SHIPPED_COMMUNES
    other = tmp_path / "communes.csv"
    monkeypatch.setenv("DEBATES_COMMUNES_FILE", str(other))
    assert Settings().resolved_communes_file() == other
