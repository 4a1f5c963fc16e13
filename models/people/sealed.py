"""Contact URLs sealed at rest: Fernet (AES-128-CBC + HMAC-SHA256, `cryptography`) in the column.

An Apprise URL carries a token, a password or a phone number. The `url` columns of
`facilitator_contacts` and `commune_person_contacts` hold a Fernet token of it; the ORM and Core
queries see the URL (the column type seals on the way in and opens on the way out), the database
file, its WAL, a dump and a backup never do. A person cannot hold one URL twice: a keyed digest
(`url_digest`, HMAC-SHA256 under a key derived from the newest key) carries the unique constraint,
since two sealings of one URL differ.

The keys, newest first:
- `DEBATES_CONTACTS_KEY` (comma-separated Fernet keys), when set; or
- `<data_dir>/contacts.key`, one key a line, created at the first `debates up` (or the first
  contact written before it) with owner-only permissions (0600).
`debates keys rotate` (`rotate`) re-seals every URL under a new key in one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Dialect, Text, select, update
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from models.errors import DomainError
from models.settings import get_settings

KEY_FILE = "contacts.key"


class SealError(DomainError):
    """A sealed URL the keys cannot open, or keys that cannot be read."""


def key_file(data_dir: Path) -> Path:
    return data_dir / KEY_FILE


def ensure_key_file(data_dir: Path) -> bool:
    """Create `<data_dir>/contacts.key` with a new key, owner-only (0600), unless it exists or
    the keys come from the settings; True when it was created."""
    if get_settings().contacts_key is not None:
        return False
    path = key_file(data_dir)
    if path.exists():
        return False
    data_dir.mkdir(parents=True, exist_ok=True)
    # Written whole under a name of its own, then linked into place: link() never replaces a key
    # another process put there first, and no reader ever sees a half-written file.
    temporary = data_dir / f".{KEY_FILE}.{os.getpid()}.{os.urandom(4).hex()}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(Fernet.generate_key().decode() + "\n")
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        temporary.unlink(missing_ok=True)
    return True


def _read_keys() -> tuple[bytes, ...]:
    settings = get_settings()
    if settings.contacts_key is not None:
        return _parsed(settings.contacts_key.get_secret_value().replace(",", "\n"))
    ensure_key_file(settings.data_dir)
    path = key_file(settings.data_dir)
    found = path.stat()
    return _keys_in(path, found.st_ino, found.st_mtime_ns, found.st_size)


@lru_cache(maxsize=8)
def _keys_in(path: Path, inode: int, mtime_ns: int, size: int) -> tuple[bytes, ...]:
    """The keys of the file as it is (read again once a rotation, here or in another process,
    rewrites it): a sweep opens thousands of contact URLs, one stat each instead of a read."""
    return _parsed(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=8)
def _parsed(text: str) -> tuple[bytes, ...]:
    keys = tuple(line.strip().encode() for line in text.splitlines() if line.strip())
    if not keys:
        raise SealError("no contacts key: DEBATES_CONTACTS_KEY or data/contacts.key is empty")
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            raise SealError(
                "a contacts key is not a Fernet key (32 url-safe base64-encoded bytes); "
                "check DEBATES_CONTACTS_KEY or data/contacts.key"
            ) from None
    return keys


@lru_cache(maxsize=8)
def _fernet(keys: tuple[bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys])


def keys() -> tuple[bytes, ...]:
    return _read_keys()


def seal(url: str) -> str:
    return _fernet(keys()).encrypt(url.encode("utf-8")).decode("ascii")


def open_sealed(token: str) -> str:
    try:
        return _fernet(keys()).decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise SealError(
            "a contact URL cannot be opened with the contacts keys (a key was lost or changed); "
            "put the key it was sealed with back in DEBATES_CONTACTS_KEY or data/contacts.key"
        ) from None


def digest(url: str, key: bytes | None = None) -> str:
    """The keyed digest that makes a person's URLs unique without storing them."""
    secret = hashlib.sha256(b"debates-contact-digest:" + (key or keys()[0])).digest()
    return hmac.new(secret, url.encode("utf-8"), hashlib.sha256).hexdigest()


class SealedText(TypeDecorator[str]):
    """A Text column that stores a Fernet token of its value."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else seal(str(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else open_sealed(str(value))


def _write_keys(path: Path, keys: tuple[bytes, ...]) -> None:
    """Replace the key file at once (a temporary file renamed over it), owner-only."""
    temporary = path.with_suffix(".key.new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("".join(k.decode() + "\n" for k in keys))
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def begin_rotation() -> bool:
    """Before re-sealing: with the key file, put a new key first and keep the old ones after it,
    so that every URL opens whatever happens next. With DEBATES_CONTACTS_KEY the coordinator puts
    the new key first themselves (False: nothing was written)."""
    settings = get_settings()
    if settings.contacts_key is not None:
        return False
    _write_keys(key_file(settings.data_dir), (Fernet.generate_key(), *keys()))
    return True


def finish_rotation() -> None:
    """After the re-sealing committed: the key file keeps only the newest key."""
    settings = get_settings()
    if settings.contacts_key is None:
        _write_keys(key_file(settings.data_dir), keys()[:1])


def rotate(session: Session, tables: list[Any]) -> int:
    """Re-seal every URL of `tables` (SecretUrl models) under the newest key and recompute its
    digest, in the caller's transaction; how many were re-sealed."""
    newest = keys()[0]
    count = 0
    for table in tables:
        rows = session.execute(select(table.id, table.url)).all()
        for row_id, url in rows:
            session.execute(
                update(table)
                .where(table.id == row_id)
                .values(url=url, url_digest=digest(str(url), newest))
                .execution_options(synchronize_session=False)
            )
            count += 1
    return count
