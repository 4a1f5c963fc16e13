"""`debates communes import|find|list` against the registry file shipped in models/data."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.geography.places import Commune, PlaceAlias
from models.settings import SHIPPED_COMMUNES


def test_second_import_of_the_shipped_file_changes_nothing(debates, session: Session) -> None:
    aliases_before = session.scalar(select(func.count()).select_from(PlaceAlias))
    result = debates("communes", "import", str(SHIPPED_COMMUNES))
    assert result.code == 0, result.err
    assert "0 added, 0 updated, 701 unchanged" in result.out
    assert session.scalar(select(func.count()).select_from(Commune)) == 701
    assert session.scalar(select(func.count()).select_from(PlaceAlias)) == aliases_before


def test_import_without_a_path_uses_the_shipped_file(debates) -> None:
    result = debates("communes", "import")
    assert result.code == 0, result.err
    assert str(SHIPPED_COMMUNES) in result.out


def test_a_changed_name_is_updated(debates, session: Session, tmp_path: Path) -> None:
    text = SHIPPED_COMMUNES.read_text(encoding="utf-8")
    changed = tmp_path / "communes.csv"
    changed.write_text(text.replace(",Lere,ML060505,,Léré,", ",Lere,ML060505,,Léré Nord,"), "utf-8")
    result = debates("communes", "import", str(changed))
    assert result.code == 0, result.err
    assert "1 updated" in result.out
    session.expire_all()
    assert session.get_one(Commune, "ML060505").official_name == "Lere"
    found = debates("communes", "find", "Léré Nord")
    assert "ML060505" in found.out


def test_find_tombouctou_shows_the_commune_its_cercle_and_region(debates) -> None:
    result = debates("communes", "find", "tombouctou")
    assert result.code == 0
    assert "ML060106" in result.out
    assert "Cercle Tombouctou (Tombouctou) ML0601: 6 communes" in result.out
    assert "Region Tombouctou ML06: 52 communes" in result.out


def test_find_segou_finds_the_urban_commune_by_its_accented_alias(debates) -> None:
    result = debates("communes", "find", "segou")
    assert result.code == 0
    assert "ML040224" in result.out
    assert "Segou Commune" in result.out
    assert "Region Ségou ML04: 119 communes" in result.out  # accented, found unaccented


def test_find_gourma_lists_the_communes_of_gourma_rharous(debates) -> None:
    result = debates("communes", "find", "Gourma")
    assert result.code == 0
    for pcode in ("ML060401", "ML060403", "ML060408", "ML060409"):
        assert pcode in result.out
    assert result.out.count("Gourma-Rharous") >= 9


def test_find_a_misspelling_suggests_tombouctou_and_exits_non_zero(debates) -> None:
    result = debates("communes", "find", "Tombuctu")
    assert result.code == 1
    assert "Did you mean" in result.out
    assert "ML060106" in result.out


def test_list_counts_communes_by_region(debates) -> None:
    result = debates("communes", "list")
    assert result.code == 0
    assert "Tombouctou" in result.out and "52" in result.out
    filtered = debates("communes", "list", "--cercle", "Diré")
    assert "13 communes" in filtered.out
    assert "Diré" in filtered.out
