"""`debates facilitators import|list`: the sample file imports; every kind of bad file changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.people.facilitator import Contact, Facilitator, Unavailability

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "facilitators.csv"
HEADER = "name,sex,languages,home_commune,regions,affiliations,max_cycles,locale,contacts,role\n"


def _people(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Facilitator)) or 0


def _write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_sample_file_imports_and_a_second_import_changes_nothing(debates, session: Session) -> None:
    first = debates("facilitators", "import", str(SAMPLE))
    assert first.code == 0, first.err
    assert "5 added, 0 updated, 0 unchanged" in first.out
    moussa = session.scalar(select(Facilitator).where(Facilitator.name == "Moussa Fictif"))
    assert moussa is not None
    assert moussa.languages == ["taq", "fr", "ar"]
    assert moussa.home_commune_pcode == "ML060205"
    assert [r.pcode for r in moussa.regions] == ["ML06"]
    aissata = session.scalar(select(Facilitator).where(Facilitator.name == "Aïssata Exemple"))
    assert aissata is not None
    assert [r.pcode for r in aissata.regions] == ["ML06", "ML07"]
    assert [(u.starts_on.isoformat(), u.ends_on.isoformat()) for u in aissata.unavailable] == [
        ("2026-03-01", "2026-03-14")
    ]
    second = debates("facilitators", "import", str(SAMPLE))
    assert "0 added, 0 updated, 5 unchanged" in second.out
    assert _people(session) == 5
    assert session.scalar(select(func.count()).select_from(Contact)) == 4
    assert session.scalar(select(func.count()).select_from(Unavailability)) == 1


def test_a_changed_row_updates_the_same_person(debates, session: Session, tmp_path: Path) -> None:
    debates("facilitators", "import", str(SAMPLE))
    changed = tmp_path / "changed.csv"
    changed.write_text(
        SAMPLE.read_text(encoding="utf-8").replace("Diré,ML06,,2,", "Diré,ML06;ML07,,4,"), "utf-8"
    )
    result = debates("facilitators", "import", str(changed))
    assert "0 added, 1 updated, 4 unchanged" in result.out
    moussa = session.scalar(select(Facilitator).where(Facilitator.name == "Moussa Fictif"))
    assert moussa is not None
    session.refresh(moussa)
    assert moussa.max_cycles == 4
    assert [r.pcode for r in moussa.regions] == ["ML06", "ML07"]


def test_list_never_shows_contact_urls(debates) -> None:
    debates("facilitators", "import", str(SAMPLE))
    result = debates("facilitators", "list", "--region", "Tombouctou")
    assert result.code == 0
    assert "Moussa Fictif" in result.out
    assert "json" in result.out
    assert "127.0.0.1:8099" not in result.out
    assert "example.org" not in result.out


@pytest.mark.parametrize(
    ("header", "body", "expected"),
    [
        pytest.param(
            "name,sex,languages\n",
            "Awa Test,F,bm\n",
            "line 1 (header) lacks the column(s) home_commune",
            id="missing-column",
        ),
        pytest.param(
            HEADER,
            "Awa Test,F,bm,Tombuctu,,,,,,\n",
            "line 2: field home_commune: Unknown commune 'Tombuctu'. Did you mean: Tombouctou",
            id="unknown-commune",
        ),
        pytest.param(
            HEADER,
            "Awa Test,F,bm,Tilemsi,,,,,,\n",
            "line 2: field home_commune: Commune 'Tilemsi' is ambiguous",
            id="ambiguous-commune",
        ),
        pytest.param(
            HEADER,
            "Awa Test,F,bm,ML060106,,,,,,\nAwa Test,F,bm;fr,Tombouctou,,,,,,\n",
            "line 3, field name: 'Awa Test' of Tombouctou repeats line 2",
            id="duplicate-row",
        ),
        pytest.param(
            HEADER,
            "Awa Test,X,bm,ML060106,,,,,,\n",
            "line 2, field sex: Input should be 'F' or 'M'",
            id="bad-sex",
        ),
        pytest.param(
            HEADER,
            "Awa Test,F,klingon,ML060106,,,,,,\n",
            "line 2, field languages: unknown language 'klingon'",
            id="unknown-language",
        ),
        pytest.param(
            HEADER,
            "Awa Test,F,bm,ML060106,,,,,tgram://SECRET-TOKEN/123;not-a-url,\n",
            "line 2, field contacts: contact 2 is not an Apprise URL",
            id="bad-contact",
        ),
    ],
)
def test_bad_file_is_refused_with_line_and_field_and_nothing_changes(
    debates, session: Session, tmp_path: Path, header: str, body: str, expected: str
) -> None:
    good = "Ousmane Valide,M,son,ML060106,,,,,,\n"
    path = _write(tmp_path, good + body if header == HEADER else body, header)
    if header == HEADER:
        expected = expected.replace("line 3", "line 4").replace("line 2", "line 3")
    result = debates("facilitators", "import", str(path))
    assert result.code == 1
    assert expected in result.err
    assert "Traceback" not in result.err
    assert "SECRET-TOKEN" not in result.err
    assert _people(session) == 0


def test_non_utf8_file_names_the_line_and_the_fix(
    debates, session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        (HEADER + "Ousmane Valide,M,son,ML060106,,,,,,\nAïcha,F,bm,ML060106,,,,,,\n").encode(
            "latin-1"
        )
    )
    result = debates("facilitators", "import", str(path))
    assert result.code == 1
    assert "line 3 is not UTF-8 text; save the file as 'CSV UTF-8'" in result.err
    assert _people(session) == 0


def test_a_period_ending_before_it_starts_is_refused(
    debates, session: Session, tmp_path: Path
) -> None:
    header = HEADER.rstrip("\n") + ",unavailable\n"
    path = _write(tmp_path, "Awa Test,F,bm,ML060106,,,,,,,2026-03-14..2026-03-01\n", header)
    result = debates("facilitators", "import", str(path))
    assert result.code == 1
    assert (
        "line 2, field unavailable.0.ends_on: ends 2026-03-01 before it starts 2026-03-14"
        in result.err
    )
    assert _people(session) == 0


def test_a_missing_file_is_one_clear_line(debates, tmp_path: Path) -> None:
    result = debates("facilitators", "import", str(tmp_path / "nope.csv"))
    assert result.code == 1
    assert "nope.csv: no such file" in result.err
