"""The cycle policy: a TOML file validated by Pydantic, with documented defaults (policy.toml)."""

from __future__ import annotations

import tomllib
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from models.csvfile import problems
from models.cycle.steps import Stage
from models.errors import InvalidInput
from models.fields import LanguageCode
from models.settings import get_settings

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


SMS_SCHEMES = (
    "atalk",
    "bulksms",
    "burstsms",
    "clickatell",
    "clicksend",
    "d7sms",
    "httpsms",
    "kavenegar",
    "msgbird",
    "msg91",
    "plivo",
    "seven",
    "sinch",
    "smseagle",
    "smseagles",
    "smsmgr",
    "smsc",
    "smpp",
    "smpps",
    "twilio",
    "vonage",
    "nexmo",
    "voipms",
    "exotel",
    "octopush",
    "whatsapp",
    "signal",
    "signals",
    "sns",
)


class StageReminders(BaseModel):
    """Per-stage overrides of the reminder policy: a field left out keeps the global value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    offsets_days: list[Days] | None = None
    due_today: bool | None = None
    overdue_repeat_days: Annotated[int, Field(ge=1, le=365)] | None = None
    coordinator_after_days: Days | None = None
    manager_after_days: Days | None = None
    max_per_step: Annotated[int, Field(ge=0, le=100)] | None = None


class ReminderPolicy(BaseModel):
    """When reminders, overdue notices and escalations go out, and how failed sends are retried."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    offsets_days: list[Days] = Field(default_factory=lambda: [7, 1])
    due_today: bool = True
    send_from: time = time(8, 0)
    overdue_repeat_days: Annotated[int, Field(ge=1, le=365)] = 2
    coordinator_after_days: Days = 3
    manager_after_days: Days = 7
    max_per_step: Annotated[int, Field(ge=0, le=100)] = 6
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 0)
    quiet_schemes: list[str] = Field(default_factory=lambda: list(SMS_SCHEMES))
    retry_limit: Annotated[int, Field(ge=1, le=20)] = 4
    channel_fallback: bool = True
    """A person's channels are tried in their listed order: a message goes to the first, and only
    when it failed there `retry_limit` times to the next (False: to every channel at once)."""
    retry_backoff_minutes: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=1)] = (
        Field(default_factory=lambda: [15, 60, 240])
    )
    claim_lease_minutes: Annotated[int, Field(ge=1, le=1440)] = 15
    concurrency: Annotated[int, Field(ge=1, le=256)] = 16
    team_notice_days: Annotated[int, Field(ge=1, le=365)] = 14
    """Team changes (assigned, released, nobody fits) older than this are not announced any more."""
    stages: dict[str, StageReminders] = Field(default_factory=dict)
    _per_stage: dict[str, ReminderPolicy] = PrivateAttr(default_factory=dict)

    @field_validator("stages")
    @classmethod
    def _known_stages(cls, stages: dict[str, StageReminders]) -> dict[str, StageReminders]:
        known = [stage.value for stage in Stage]
        unknown = sorted(set(stages) - set(known))
        if unknown:
            raise ValueError(f"unknown stage {', '.join(unknown)}; use one of {', '.join(known)}")
        return stages

    @model_validator(mode="after")
    def _ladder_in_order(self) -> ReminderPolicy:
        ladders: list[tuple[str, ReminderPolicy | StageReminders]] = [("", self)]
        ladders += [(f"stages.{k}.", v) for k, v in self.stages.items()]
        for where, rules in ladders:
            coordinator = rules.coordinator_after_days
            manager = rules.manager_after_days
            coordinator = self.coordinator_after_days if coordinator is None else coordinator
            manager = self.manager_after_days if manager is None else manager
            if manager < coordinator:
                raise ValueError(
                    f"{where}manager_after_days ({manager}) comes before "
                    f"{where}coordinator_after_days ({coordinator}); the ladder goes owner -> "
                    "coordinator -> manager, so make manager_after_days the larger"
                )
        return self

    def for_stage(self, stage: str) -> ReminderPolicy:
        """This policy with `stage`'s overrides applied."""
        override = self.stages.get(stage)
        if override is None:
            return self
        cached = self._per_stage.get(stage)
        if cached is None:  # the sweep asks once per step: build each stage's policy once
            changes = {k: v for k, v in override.model_dump().items() if v is not None}
            cached = self._per_stage[stage] = self.model_copy(update=changes)
        return cached


class FollowUpPolicy(BaseModel):
    """After the handover: when the monitoring visits fall, and how tracked items are chased."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    visits_after_months: Annotated[
        list[Annotated[int, Field(ge=1, le=60)]], Field(min_length=1, max_length=12)
    ] = Field(default_factory=lambda: [3, 6])
    item_offsets_days: list[Days] = Field(default_factory=lambda: [7, 1])
    item_overdue_repeat_days: Annotated[int, Field(ge=1, le=365)] = 7
    item_max_reminders: Annotated[int, Field(ge=0, le=100)] = 4
    item_coordinator_after_days: Days = 14
    item_idle_days: Annotated[int, Field(ge=1, le=365)] = 45

    @field_validator("visits_after_months")
    @classmethod
    def _visits_in_order(cls, months: list[int]) -> list[int]:
        if months != sorted(set(months)):
            raise ValueError(
                f"visits_after_months {months} must grow visit after visit, e.g. [3, 6]"
            )
        return months


Weight = Annotated[float, Field(ge=0, le=1000)]


class MatchingPolicy(BaseModel):
    """Weights of the facilitator-matching preferences (hard rules are never weighed: see
    docs/matching.md), the regions' default languages, and the solver's limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    covers_region: Weight = 3.0
    same_cercle: Weight = 2.0
    same_region: Weight = 1.0
    workload: Weight = 1.0
    woman_in_team: Weight = 4.0
    continuity: Weight = 2.0
    keep_incumbent: Weight = 5.0
    region_languages: dict[str, list[LanguageCode]] = Field(
        default_factory=lambda: {
            "ML01": ["bm", "snk", "kao", "ff", "fr"],
            "ML02": ["bm", "fr"],
            "ML03": ["bm", "sev", "fr"],
            "ML04": ["bm", "bza", "ff", "fr"],
            "ML05": ["ff", "dts", "bm", "son", "bza"],
            "ML06": ["son", "taq", "ar", "ff"],
            "ML07": ["son", "taq", "ar"],
            "ML08": ["taq", "ar"],
            "ML09": ["bm", "fr"],
        }
    )
    time_limit_seconds: Annotated[float, Field(gt=0, le=3600)] = 120.0
    mip_gap: Annotated[float, Field(ge=0, le=0.1)] = 0.001


class RetentionPolicy(BaseModel):
    """What `debates purge` removes, and when (docs/retention in docs/reminders.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    inactive_contact_months: Annotated[int, Field(ge=1, le=240)] = 24
    """The contacts of a person with no activity for this many months are removed."""
    sensitive_text_days: Annotated[int, Field(ge=1, le=3650)] = 180
    """The text of sensitive grievances is removed this many days after the plan's handover."""


class Policy(BaseModel):
    """The whole policy file; later sections (reminders …) are added beside `cycle`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cycle: CyclePolicy = CyclePolicy()
    reminders: ReminderPolicy = ReminderPolicy()
    matching: MatchingPolicy = MatchingPolicy()
    follow_up: FollowUpPolicy = FollowUpPolicy()
    retention: RetentionPolicy = RetentionPolicy()


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


def current_policy() -> Policy:
    """The policy file the settings name (or the default), parsed once per version of the file.

    Every launch, assignment and sweep asks for it; keyed on the path and its modification time,
    so a test or a coordinator that switches or edits the file gets the new one.
    """
    source = get_settings().policy_file or DEFAULT_POLICY_FILE
    try:
        version = source.stat().st_mtime_ns
    except FileNotFoundError:
        return load_policy(source)  # refused with the message that names the file
    return _parsed(source, version)


@lru_cache(maxsize=8)
def _parsed(source: Path, version: int) -> Policy:
    return load_policy(source)
