"""What a manager asks of cycles from the Prefect UI (the `cycle-admin` deployment's Run form):
pause, resume or extend, for a cycle or, to pause and resume, for every active cycle of a region.

The form's fields, titles and descriptions come from this schema; a request that does not hold
together (a cycle and a region, an extension without a step, a pause without a reason) is refused
here, naming the field and the fix, before anything is written.
"""

from __future__ import annotations

import enum
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator


class AdminAction(enum.StrEnum):
    """Pause (nothing is chased), resume (deadlines move by the pause), extend (one step)."""

    PAUSE = "pause"
    RESUME = "resume"
    EXTEND = "extend"


class CycleAdminRequest(BaseModel):
    """Mettre en pause, reprendre ou prolonger / pause, resume or extend: a cycle, or a region."""

    model_config = ConfigDict(extra="forbid")

    action: AdminAction = Field(
        title="Action",
        description="pause (mettre en pause), resume (reprendre) ou extend (prolonger une étape) "
        "/ pause, resume, or extend a step",
    )
    cycle: int | None = Field(
        default=None,
        ge=1,
        title="Cycle n°",
        description="Numéro du cycle (debates cycles) ; ou bien une région / the cycle's id; "
        "or else a region",
    )
    region: str | None = Field(
        default=None,
        title="Région",
        description="Tous les cycles actifs d'une région (nom ou P-code), pour pause et reprise "
        "/ every active cycle of a region (name or P-code), to pause or resume",
    )
    reason: str = Field(
        default="",
        title="Motif",
        description="Pourquoi (obligatoire pour pause et extend ; montré sur le portefeuille et "
        "gardé dans l'historique) / why (needed to pause or extend)",
    )
    step: str | None = Field(
        default=None,
        title="Étape (extend)",
        description="L'étape à prolonger : baseline, schedule, session-1, minutes-1, plan, "
        "handover … / the open step to extend",
    )
    days: int | None = Field(
        default=None,
        ge=1,
        title="Jours (extend)",
        description="Prolonger de tant de jours ; ou bien une date / move the step by this "
        "many days; or else a date",
    )
    to: date | None = Field(
        default=None,
        title="Nouvelle échéance (extend)",
        description="Nouvelle date d'échéance de l'étape ; ou bien des jours / the step's new "
        "due day; or else days",
    )

    @model_validator(mode="after")
    def _holds_together(self) -> CycleAdminRequest:
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def problems(self) -> list[str]:
        """Each thing that does not hold together, as '<field>: what is wrong; the fix'."""
        action, problems = self.action, []
        if (self.cycle is None) == (self.region is None):
            problems.append(
                "cycle / region: give one of the two (a cycle number, e.g. 12, or a region, "
                "e.g. Gao), not both and not neither"
            )
        if action in (AdminAction.PAUSE, AdminAction.EXTEND) and not self.reason.strip():
            problems.append(f'reason: missing; say why ({action}), e.g. "route coupée"')
        if action == AdminAction.EXTEND:
            if self.region is not None:
                problems.append("region: extend moves one cycle's step; give a cycle instead")
            if not (self.step or "").strip():
                problems.append(
                    "step: missing; name the step to extend, e.g. baseline or session-1"
                )
            if (self.days is None) == (self.to is None):
                problems.append("days / to: give exactly one, e.g. days 14 or to 2027-03-01")
        else:
            for name in ("step", "days", "to"):
                if getattr(self, name) is not None:
                    problems.append(f"{name}: only for extend; empty it, or choose extend")
        return problems
