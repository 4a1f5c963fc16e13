"""Settings in one place: environment variables with the DEBATES_ prefix, or a .env file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_COMMUNES = PROJECT_ROOT.parent / "shared" / "data" / "mali_communes.csv"


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
        description="Commune registry CSV; default: ../shared/data/mali_communes.csv when it exists.",
    )
    policy_file: Path | None = Field(
        default=None, description="Cycle policy TOML; default: the built-in policy."
    )
    actor: str | None = Field(
        default=None, description="Who is recorded in the audit trail; default: the OS user."
    )
    # Prefect's own variables, read here so that a command which only links to a flow run need
    # not import Prefect (~1 s); Prefect reads them itself wherever it is imported.
    prefect_api_url: str | None = Field(
        default=None, validation_alias="PREFECT_API_URL", description="Prefect's API address."
    )
    prefect_ui_url: str | None = Field(
        default=None,
        validation_alias="PREFECT_UI_URL",
        description="Prefect's UI address; default: PREFECT_API_URL without /api.",
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'debates.sqlite3').resolve()}"

    def resolved_communes_file(self) -> Path | None:
        if self.communes_file is not None:
            return self.communes_file
        return SHARED_COMMUNES if SHARED_COMMUNES.exists() else None

    def flow_run_url(self, flow_run_id: str | None) -> str:
        """The Prefect UI page of a flow run ('' when the run or the UI's address is unknown)."""
        base = self.prefect_ui_url or (self.prefect_api_url or "").rstrip("/").removesuffix("/api")
        if not base or not flow_run_id:
            return ""
        return f"{base.rstrip('/')}/runs/flow-run/{flow_run_id}"

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
