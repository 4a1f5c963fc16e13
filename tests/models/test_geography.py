"""Look-up by P-code or by any spelling, case- and accent-insensitive; errors list the candidates."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from models.errors import AmbiguousPlace, UnknownPlace
from models.geography.places import Level, communes_in, resolve_commune, resolve_place


@pytest.mark.parametrize(
    ("text", "pcode"),
    [
        ("ML060205", "ML060205"),
        ("diré", "ML060205"),
        ("DIRE", "ML060205"),
        ("BouremSidiAmar", "ML060203"),
        ("bourem sidi amar", "ML060203"),
        ("Tilemsi Goundam", "ML060314"),
        ("n'gassola", "ML040108"),
        ("N’Gassola", "ML040108"),
        ("Ségou", "ML040224"),
    ],
)
def test_a_commune_is_found_by_any_of_its_spellings(
    session: Session, text: str, pcode: str
) -> None:
    assert resolve_commune(session, text).pcode == pcode


def test_display_name_is_accented_only_where_accents_are_the_only_difference(
    session: Session,
) -> None:
    assert resolve_commune(session, "ML060205").name == "Diré"
    assert resolve_commune(session, "ML060203").name == "Bourem Sidi Amar"
    assert resolve_commune(session, "ML060203").official_name == "Bourem Sidi Amar"
    assert resolve_commune(session, "ML040224").name == "Segou Commune"


def test_an_ambiguous_name_lists_each_commune_with_its_cercle(session: Session) -> None:
    with pytest.raises(AmbiguousPlace) as caught:
        resolve_commune(session, "Tilemsi")
    assert str(caught.value) == (
        "Commune 'Tilemsi' is ambiguous: Tilemsi (Goundam, Tombouctou) ML060314, "
        "Tilemsi (Gao, Gao) ML070107. Give the P-code instead."
    )


def test_an_unknown_name_suggests_the_closest(session: Session) -> None:
    with pytest.raises(
        UnknownPlace, match=r"Did you mean: Tombouctou \(Tombouctou, Tombouctou\) ML060106"
    ):
        resolve_commune(session, "Tombuctu")


def test_regions_and_cercles_resolve_by_name_with_their_communes(session: Session) -> None:
    assert resolve_place(session, "tombouctou", Level.REGION).pcode == "ML06"
    assert resolve_place(session, "Koulikouro", Level.REGION).pcode == "ML02"
    assert resolve_place(session, "gourma rharous", Level.CERCLE).pcode == "ML0604"
    assert len(communes_in(session, region="Tombouctou")) == 52
    assert len(communes_in(session, cercle="Dioïla")) == len(communes_in(session, cercle="ML0203"))
