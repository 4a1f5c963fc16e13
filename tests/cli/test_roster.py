"""`debates roster import|list`: the commune's office holders; a replaced mayor keeps their term;
every kind of bad file changes nothing; contacts never shown."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.people.roster import CommunePerson, CommunePersonContact

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "roster.csv"
HEADER = "commune,role,name,sex,locale,contacts,since\n"


def _people(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(CommunePerson)) or 0


def _write(tmp_path: Path, body: str, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def _terms(session: Session, pcode: str, role: str) -> list[tuple[str, date | None, date | None]]:
    session.expire_all()
    rows = session.scalars(
        select(CommunePerson)
        .where(CommunePerson.commune_pcode == pcode, CommunePerson.role == role)
        .order_by(CommunePerson.since)
    )
    return [(p.name, p.since, p.until) for p in rows]


def test_sample_file_imports_and_a_second_import_changes_nothing(debates, session: Session) -> None:
    first = debates("roster", "import", str(SAMPLE))
    assert first.code == 0, first.err
    assert "8 added, 0 updated, 0 unchanged, 1 terms ended" in first.out
    # Diré's two mayors: the earlier one's term ends the day before the newer one's start.
    assert _terms(session, "ML060205", "mayor") == [
        ("Aminata Fictive", date(2019, 5, 1), date(2024, 11, 19)),
        ("Boubacar Exemple", date(2024, 11, 20), None),
    ]
    second = debates("roster", "import", str(SAMPLE))
    assert second.code == 0, second.err
    assert "0 added, 0 updated, 8 unchanged, 0 terms ended" in second.out
    assert _people(session) == 8
    assert session.scalar(select(func.count()).select_from(CommunePersonContact)) == 8


def test_a_new_mayor_closes_the_previous_term_and_an_old_file_changes_nothing(
    debates, session: Session, tmp_path: Path
) -> None:
    old = _write(tmp_path, "Tombouctou,mayor,Awa Ancienne,F,fr,,2018-02-01\n", "old.csv")
    assert debates("roster", "import", str(old)).code == 0
    new = _write(
        tmp_path, "ML060106,mayor,Issa Nouveau,M,en,mailto://issa@example.org,2026-01-10\n"
    )
    result = debates("roster", "import", str(new))
    assert result.code == 0, result.err
    assert "1 added, 0 updated, 0 unchanged, 1 terms ended" in result.out
    history = [
        ("Awa Ancienne", date(2018, 2, 1), date(2026, 1, 9)),
        ("Issa Nouveau", date(2026, 1, 10), None),
    ]
    assert _terms(session, "ML060106", "mayor") == history
    again = debates("roster", "import", str(old))
    assert "0 added, 0 updated, 1 unchanged" in again.out
    assert _terms(session, "ML060106", "mayor") == history
    current = json.loads(debates("roster", "list", "--commune", "Tombouctou", "--json").out)
    assert [(p["name"], p["until"]) for p in current] == [("Issa Nouveau", None)]
    everyone = json.loads(
        debates("roster", "list", "--commune", "Tombouctou", "--all", "--json").out
    )
    assert [(p["name"], p["since"], p["until"]) for p in everyone] == [
        ("Awa Ancienne", "2018-02-01", "2026-01-09"),
        ("Issa Nouveau", "2026-01-10", None),
    ]


def test_several_chiefs_are_kept_side_by_side(debates, session: Session, tmp_path: Path) -> None:
    first = _write(tmp_path, "Tombouctou,chief,Chef Un,M,fr,,2010-01-01\n", "one.csv")
    second = _write(tmp_path, "Tombouctou,chief,Chef Deux,M,fr,,2020-01-01\n", "two.csv")
    assert debates("roster", "import", str(first)).code == 0
    result = debates("roster", "import", str(second))
    assert "1 added, 0 updated, 0 unchanged, 0 terms ended" in result.out
    assert [until for _, _, until in _terms(session, "ML060106", "chief")] == [None, None]


def test_a_changed_contact_updates_the_same_term(debates, session: Session, tmp_path: Path) -> None:
    row = "Tombouctou,women_lead,Fadimata Exemple,F,fr,{},2020-09-01\n"
    assert debates("roster", "import", str(_write(tmp_path, row.format("")))).code == 0
    result = debates(
        "roster", "import", str(_write(tmp_path, row.format("mailto://f@example.org")))
    )
    assert "0 added, 1 updated, 0 unchanged" in result.out
    assert session.scalar(select(func.count()).select_from(CommunePersonContact)) == 1


def test_list_shows_channel_kinds_never_contact_urls(debates) -> None:
    debates("roster", "import", str(SAMPLE))
    table = debates("roster", "list", "--commune", "Tombouctou", "--all")
    as_json = debates("roster", "list", "--commune", "Tombouctou", "--json")
    for result in (table, as_json):
        assert result.code == 0, result.err
        assert "Hamadoun" in result.out
        assert "mailto" in result.out
        assert "example.org" not in result.out
        assert "127.0.0.1:8099" not in result.out


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "Tombouctou,mayor-ish,Awa Test,F,fr,,\n",
            "line 3, field role: Input should be 'mayor', 'security_focal_point', 'chief'",
            id="bad-role",
        ),
        pytest.param(
            "Tombuctu,mayor,Awa Test,F,fr,,\n",
            "line 3, field commune: Unknown commune 'Tombuctu'. Did you mean: Tombouctou",
            id="unknown-commune",
        ),
        pytest.param(
            "Tombouctou,mayor,Awa Test,F,fr,tgram://SECRET-TOKEN/123;not-a-url,\n",
            "line 3, field contacts: contact 2 is not an Apprise URL",
            id="bad-url",
        ),
        pytest.param(
            "Tombouctou,mayor,Awa Test,F,fr,,2026-13-01\n",
            "line 3, field since: '2026-13-01' is not a date; write it as 2026-03-14",
            id="bad-date",
        ),
        pytest.param(
            "Tombouctou,mayor,Awa Test,F,de,,\n",
            "line 3, field locale: String should match pattern '^(fr|en)$'",
            id="bad-locale",
        ),
        pytest.param(
            "Tombouctou,mayor,Awa Test,F,fr,,\nTombouctou,mayor,Awa Autre,F,fr,,\n",
            "line 4, field since: Awa Autre would replace Awa Test as mayor of Tombouctou; "
            "give the day Awa Autre took the office",
            id="successor-without-since",
        ),
        pytest.param(
            "Tombouctou,chief,Chef Un,M,fr,,\nML060106,chief,chef un,M,fr,,\n",
            "line 4, field name: chef un as chief of Tombouctou repeats line 3",
            id="duplicate-row",
        ),
    ],
)
def test_bad_file_is_refused_with_line_and_field_and_nothing_changes(
    debates, session: Session, tmp_path: Path, body: str, expected: str
) -> None:
    good = "Diré,youth_lead,Ousmane Valide,M,fr,mailto://ousmane@example.org,2024-01-01\n"
    result = debates("roster", "import", str(_write(tmp_path, good + body)))
    assert result.code == 1
    assert expected in result.err
    assert "Traceback" not in result.err
    assert "SECRET-TOKEN" not in result.err
    assert _people(session) == 0


def test_a_successor_older_than_the_current_holder_is_refused(
    debates, session: Session, tmp_path: Path
) -> None:
    assert (
        debates(
            "roster", "import", str(_write(tmp_path, "Diré,mayor,Awa Test,F,fr,,2024-01-01\n"))
        ).code
        == 0
    )
    older = _write(tmp_path, "Diré,mayor,Ali Ancien,M,fr,,2020-01-01\n", "older.csv")
    result = debates("roster", "import", str(older))
    assert result.code == 1
    assert "Awa Test has been mayor of Diré since 2024-01-01" in result.err
    assert _terms(session, "ML060205", "mayor") == [("Awa Test", date(2024, 1, 1), None)]


def test_every_bad_row_is_reported_at_once(debates, session: Session, tmp_path: Path) -> None:
    body = (
        "Tombouctou,maire,Awa Test,F,fr,,\n"
        "Tombuctu,mayor,Awa Test,F,fr,,\n"
        "Tombouctou,mayor,Awa Test,F,fr,,2026-13-01\n"
    )
    result = debates("roster", "import", str(_write(tmp_path, body)))
    assert result.code == 1
    lines = [line.strip() for line in result.err.splitlines()[1:]]
    assert [line.split(":")[0] for line in lines] == [
        "line 2, field role",
        "line 3, field commune",
        "line 4, field since",
    ]
    assert _people(session) == 0
