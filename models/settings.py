"""Settings in one place: environment variables with the DEBATES_ prefix, or a .env file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, PrivateAttr, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from models.errors import InvalidInput

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_COMMUNES = Path(__file__).resolve().parent / "data" / "mali_communes.csv"
"""The 701 communes of Mali (OCHA COD-AB, CC BY-IGO), shipped as package data: see data/SOURCE.md."""

Workspace = Literal["main", "demo"]
"""Where the domain lives: the coordinators' real work, or the demo's fictional cycles, which keep
their own database and documents under `<data_dir>/demo/` so the two never mix."""
DEMO: Workspace = "demo"


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
        default=None,
        max_length=120,
        description="Who is recorded in the audit trail; default: the OS user.",
    )
    locale: Literal["fr", "en"] = Field(
        default="fr",
        description="The language the command line speaks to the coordinator (the matcher's "
        "explanations and reasons); French, the programme's language, by default.",
    )

    kobo_url: str | None = Field(
        default=None,
        description="KoboToolbox server the field-import deployment pulls from: "
        "https://kf.kobotoolbox.org, https://eu.kobotoolbox.org or your own.",
    )
    kobo_assets: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="The KoboToolbox asset ids (uids) of the deployed field forms, comma-separated.",
    )
    kobo_token: SecretStr | None = Field(
        default=None, description="KoboToolbox API token; never printed, logged or shown."
    )

    @field_validator("kobo_url")
    @classmethod
    def _https_unless_local(cls, value: str | None) -> str | None:
        """The token travels with every request: in clear only to this machine."""
        if value is None:
            return None
        scheme, _, rest = value.partition("://")
        host = rest.split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
        if scheme == "https" or (scheme == "http" and host in ("127.0.0.1", "localhost", "::1")):
            return value
        raise ValueError(
            f"{value} is not an https:// address; the API token would travel in clear "
            "(http:// is accepted for this machine only)"
        )

    @field_validator("kobo_assets", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    contacts_key: SecretStr | None = Field(
        default=None,
        description="Fernet key(s) sealing the contact URLs at rest, newest first, comma-separated; "
        "default: data_dir/contacts.key, created at the first `debates up` (mode 0600).",
    )
    ui_url: str | None = Field(
        default=None,
        description="The Prefect UI's address as people's phones reach it. An SMS carries a "
        "link only when this is set, and only where it fits its segment budget.",
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

    prefect_database_url: SecretStr | None = Field(
        default=None,
        description="Database of the Prefect server `debates up` starts, when it starts one: "
        "postgresql+asyncpg://user@host:5432/prefect (the database must exist; Prefect creates "
        "its tables). Default: Prefect's SQLite under PREFECT_HOME. "
        "PREFECT_API_DATABASE_CONNECTION_URL, when set, wins.",
    )

    # Not a field: no environment variable may switch a process to the demo behind its back;
    # use_workspace() (the CLI's --demo, a cycle flow's parameter) is the one way.
    _workspace: Workspace = PrivateAttr(default="main")

    @property
    def workspace(self) -> Workspace:
        return self._workspace

    def for_workspace(self, workspace: Workspace) -> Settings:
        """The demo's settings: a SQLite database and documents under `<data_dir>/demo/`,
        whatever database the main workspace uses."""
        if workspace == "main":
            return self
        settings = self.model_copy(
            update={"data_dir": self.data_dir / workspace, "database_url": None}
        )
        settings._workspace = workspace
        return settings

    def scoped(self, name: str) -> str:
        """A Prefect-side name (flow run name, idempotency key, artifact key) of this workspace:
        cycle ids restart in each database, so the demo's `cycle-3-…` must not be the main's."""
        return name if self.workspace == "main" else f"{self.workspace}-{name}"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'debates.sqlite3').resolve()}"

    def resolved_communes_file(self) -> Path:
        return self.communes_file if self.communes_file is not None else SHIPPED_COMMUNES

    def ui_base(self) -> str:
        """The Prefect UI's address as the environment gives it, without importing Prefect (the
        database commands); orchestrator.runs.ui_base() asks Prefect's own settings."""
        return self.prefect_ui_url or (self.prefect_api_url or "").rstrip("/").removesuffix("/api")

    def resolved_actor(self) -> str:
        if self.actor:
            return self.actor
        import getpass

        try:
            return getpass.getuser()
        except OSError:
            return "unknown"


_workspace: Workspace = "main"


def use_workspace(workspace: Workspace) -> None:
    """Point this whole process at a workspace: every later get_settings() (so every session,
    document and Prefect name) is that workspace's. A flow run applies its `workspace` parameter
    here first, because a served run cannot be given environment variables of its own."""
    global _workspace
    _workspace = workspace
    get_settings.cache_clear()


def current_workspace() -> Workspace:
    return _workspace


@lru_cache
def get_settings() -> Settings:
    """The settings, from DEBATES_* variables and .env; a bad value is an InvalidInput that names
    its variable (not a Pydantic traceback)."""
    try:
        return Settings().for_workspace(_workspace)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            alias = (
                Settings.model_fields[field].validation_alias
                if field in Settings.model_fields
                else None
            )
            name = alias if isinstance(alias, str) else f"DEBATES_{field.upper()}"
            problems.append((name, str(error["msg"]).removeprefix("Value error, ")))
        raise InvalidInput("the settings are not valid", problems) from None


def flow_run_url(
    ui_base: str | None, flow_run_id: str | None, *, or_runs_page: bool = False
) -> str:
    """The one builder of Prefect UI links: a flow run's page. '' when the UI's address is unknown;
    with no run yet, the runs page if asked (messages), else ''."""
    if not ui_base:
        return ""
    base = ui_base.rstrip("/")
    if flow_run_id:
        return f"{base}/runs/flow-run/{flow_run_id}"
    return f"{base}/runs" if or_runs_page else ""
