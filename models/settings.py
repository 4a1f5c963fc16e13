"""Settings in one place: environment variables with the DEBATES_ prefix, or a .env file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_COMMUNES = Path(__file__).resolve().parent / "data" / "mali_communes.csv"
"""The 701 communes of Mali (OCHA COD-AB, CC BY-IGO), shipped as package data: see data/SOURCE.md."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DEBATES_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=PROJECT_ROOT / "data",
        description="Folder for the embedded SQLite database and generated documents.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the domain database; default: SQLite file in data_dir. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/debates",
    )
    communes_file: Path | None = Field(
        default=None,
        description="Commune registry CSV; default: the one shipped in models/data/.",
    )
    policy_file: Path | None = Field(
        default=None, description="Cycle policy TOML; default: the built-in policy."
    )
    actor: str | None = Field(
        default=None, description="Who is recorded in the audit trail; default: the OS user."
    )
    locale: Literal["fr", "en"] = Field(
        default="fr",
        description="The language the command line speaks to the coordinator (the matcher's "
        "explanations and reasons); French, the programme's language, by default.",
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'debates.sqlite3').resolve()}"

    def resolved_communes_file(self) -> Path:
        return self.communes_file if self.communes_file is not None else SHIPPED_COMMUNES

    def resolved_actor(self) -> str:
        if self.actor:
            return self.actor
        import getpass

        try:
            return getpass.getuser()
        except OSError:
            return "unknown"


@lru_cache
def get_settings() -> Settings:
    return Settings()
