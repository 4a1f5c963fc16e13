"""The cycle policy: a TOML file validated by Pydantic, with documented defaults (policy.toml)."""

from __future__ import annotations

import tomllib
from datetime import time
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from models.csvfile import problems
from models.errors import InvalidInput

DEFAULT_POLICY_FILE = Path(__file__).with_name("policy.toml")

Days = Annotated[int, Field(ge=0, le=365)]


class CyclePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    baseline_days: Days = 21
    scheduling_days: Days = 7
    debate_sessions: Annotated[int, Field(ge=1, le=12)] = 2
    first_session_after_days: Days = 14
    session_interval_days: Annotated[int, Field(ge=1, le=365)] = 14
    minutes_due_days: Days = 5
    plan_drafting_days: Days = 14
    handover_days: Days = 7
    due_time: time = time(18, 0)


class Policy(BaseModel):
    """The whole policy file; later sections (reminders …) are added beside `cycle`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cycle: CyclePolicy = CyclePolicy()


def load_policy(path: Path | None = None) -> Policy:
    source = path or DEFAULT_POLICY_FILE
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InvalidInput(f"policy file {source} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"policy file {source} is not valid TOML ({exc})") from exc
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(f"policy file {source} has errors", problems(exc)) from exc
