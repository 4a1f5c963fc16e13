"""Contact URLs sealed at rest: a token imported with a person is in neither the database file nor
any log or output; `debates keys rotate` re-seals every contact, which stays usable."""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select, text

from cli.app import run
from models import db
from models.people.facilitator import Contact
from models.people.sealed import key_file
from models.settings import get_settings
from notifications.dispatch import Delivery, deliver
from notifications.recipients import Directory
from tests.notifications.receivers import Webhook, webhook

TOKEN = "TOKEN-9f3a7c21-do-not-store"
HEADER = "name,sex,languages,home_commune,regions,affiliations,max_cycles,locale,contacts,role\n"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh embedded SQLite database in its own data folder, written for real (committed), as
    a coordinator's machine has it."""
    data = tmp_path / "data"
    monkeypatch.setenv("DEBATES_DATA_DIR", str(data))
    monkeypatch.delenv("DEBATES_DATABASE_URL", raising=False)
    monkeypatch.delenv("DEBATES_CONTACTS_KEY", raising=False)
    get_settings.cache_clear()
    yield data
    db.get_engine().dispose()
    get_settings.cache_clear()


@pytest.fixture
def hook() -> Iterator[Webhook]:
    with webhook() as receiver:
        yield receiver


def _import(tmp_path: Path, hook: Webhook) -> None:
    people = tmp_path / "people.csv"
    people.write_text(
        HEADER
        + f"Moussa Fictif,M,fr,Diré,ML06,,2,fr,{hook.url(f'hooks/{TOKEN}')},facilitator\n"
        + "Aïssata Exemple,F,fr,Diré,ML06,,2,fr,mailto://aissata:pw-secret-42@example.org,"
        "facilitator\n",
        encoding="utf-8",
    )
    assert run(["communes", "import"]) == 0
    assert run(["facilitators", "import", str(people)]) == 0
    assert run(["facilitators", "list"]) == 0


def _urls() -> list[str]:
    with db.session_scope(readonly=True) as session:
        return [c.url for c in session.scalars(select(Contact).order_by(Contact.id))]


def test_an_imported_token_is_in_neither_the_database_file_nor_any_log(
    data_dir: Path,
    tmp_path: Path,
    hook: Webhook,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    _import(tmp_path, hook)

    assert TOKEN in _urls()[0]  # the application reads it back ...
    with db.get_engine().connect() as connection:
        stored = connection.execute(text("SELECT url FROM facilitator_contacts")).scalars().all()
    assert stored and all(TOKEN not in s and not s.startswith("json") for s in stored)
    db.get_engine().dispose()  # SQLite's WAL checkpointed into the file, as at a stop
    files = [f for f in data_dir.rglob("*") if f.is_file()]
    assert any(f.name == "debates.sqlite3" for f in files)
    for found in files:  # the database, its WAL and journal, the key, any log
        content = found.read_bytes()
        assert TOKEN.encode() not in content, found
        assert b"pw-secret-42" not in content, found
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err and TOKEN not in caplog.text
    key = key_file(data_dir)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_key_rotation_reseals_every_contact_and_keeps_it_usable(
    data_dir: Path, tmp_path: Path, hook: Webhook
) -> None:
    _import(tmp_path, hook)
    before = _urls()
    with db.get_engine().connect() as connection:
        sealed_before = (
            connection.execute(text("SELECT url FROM facilitator_contacts ORDER BY id"))
            .scalars()
            .all()
        )
    old_key = key_file(data_dir).read_text().strip().encode()

    assert run(["keys", "rotate"]) == 0

    new_key = key_file(data_dir).read_text().strip().encode()
    assert new_key != old_key and len(key_file(data_dir).read_text().split()) == 1
    assert stat.S_IMODE(key_file(data_dir).stat().st_mode) == 0o600
    assert _urls() == before
    with db.get_engine().connect() as connection:
        sealed_after = (
            connection.execute(text("SELECT url FROM facilitator_contacts ORDER BY id"))
            .scalars()
            .all()
        )
    for token in sealed_after:
        Fernet(new_key).decrypt(token.encode())
        with pytest.raises(InvalidToken):
            Fernet(old_key).decrypt(token.encode())
    assert set(sealed_after).isdisjoint(sealed_before)
    # Usable: the directory the sweep reads gives the URL, and a message reaches the receiver.
    with db.session_scope(readonly=True) as session:
        directory = Directory.load(session)
    moussa = next(p for p in directory.people.values() if p.name == "Moussa Fictif")
    outcomes = deliver(
        [Delivery(1, "json", "Rappel", "après rotation", url=moussa.channels[0].url)],
        concurrency=1,
    )
    assert outcomes[0].ok and hook.messages() == ["après rotation"]
    # A person still cannot hold one URL twice: the digest follows the new key.
    assert run(["facilitators", "import", str(tmp_path / "people.csv")]) == 0
    assert len(_urls()) == 2
