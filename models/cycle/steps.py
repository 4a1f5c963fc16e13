"""The names of a cycle's steps: `baseline`, `schedule`, `session-N`, `minutes-N`, `plan`, `handover`,
`visit-N` (the follow-up's monitoring visits, added when the plan is handed over).

A step's name is stored as text (`steps.name`, unique per cycle; migrations and flow-run pause keys
carry it), so `StepName` formats itself to exactly that text and parses it back. Everything a step
kind implies (its stage, its owner, its title, where it falls in a cycle) is said here, once: a new
kind of step is one more `StepKind` member and nothing else.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass

from models.errors import NotFound


class Stage(enum.StrEnum):
    """The stages of a cycle, in order (also the `steps.stage` column's allowed values)."""

    BASELINE = "baseline"
    SCHEDULING = "scheduling"
    FACILITATION = "facilitation"
    MINUTES = "minutes"
    HANDOVER = "handover"
    FOLLOW_UP = "follow_up"


class OwnerRole(enum.StrEnum):
    COORDINATOR = "coordinator"
    FACILITATOR = "facilitator"


@dataclass(frozen=True)
class _Kind:
    word: str
    stage: Stage
    owner_role: OwnerRole
    numbered: bool
    phase: int
    """Where the kind falls in a cycle; kinds of one phase (a session and its minutes) interleave
    by session number."""
    title: str
    """French title shown in listings and messages; `{n}` is the session number."""


class StepKind(enum.Enum):
    BASELINE = _Kind(
        "baseline",
        Stage.BASELINE,
        OwnerRole.COORDINATOR,
        False,
        0,
        "Étude de base (diagnostic local de sécurité)",
    )
    SCHEDULE = _Kind(
        "schedule",
        Stage.SCHEDULING,
        OwnerRole.COORDINATOR,
        False,
        1,
        "Programmer les débats et affecter les facilitateurs",
    )
    SESSION = _Kind(
        "session", Stage.FACILITATION, OwnerRole.FACILITATOR, True, 2, "Tenir le débat n° {n}"
    )
    MINUTES = _Kind(
        "minutes", Stage.MINUTES, OwnerRole.FACILITATOR, True, 2, "Procès-verbal du débat n° {n}"
    )
    PLAN = _Kind(
        "plan",
        Stage.HANDOVER,
        OwnerRole.COORDINATOR,
        False,
        3,
        "Rédiger et valider le plan local de sécurité",
    )
    HANDOVER = _Kind(
        "handover",
        Stage.HANDOVER,
        OwnerRole.COORDINATOR,
        False,
        4,
        "Remettre le plan local de sécurité au maire",
    )
    VISIT = _Kind(
        "visit",
        Stage.FOLLOW_UP,
        OwnerRole.COORDINATOR,
        True,
        5,
        "Visite de suivi n° {n} (actions et engagements)",
    )

    @property
    def word(self) -> str:
        return self.value.word

    @property
    def stage(self) -> Stage:
        return self.value.stage

    @property
    def numbered(self) -> bool:
        return self.value.numbered

    @property
    def form(self) -> str:
        """How the kind is written, for messages: `session-N`, `plan`."""
        return f"{self.word}-N" if self.numbered else self.word

    @property
    def sql_like(self) -> str:
        """A LIKE pattern matching every stored name of this (numbered) kind: `session-%`."""
        return f"{self.word}-%" if self.numbered else self.word


STEP_FORMS = ", ".join(kind.form for kind in StepKind)
_BY_WORD = {kind.word: kind for kind in StepKind}
_TEXT = re.compile(r"(?P<word>[a-z]+)(?:-(?P<number>[1-9][0-9]*))?")


class UnknownStep(NotFound):
    """A step name that is none of the forms a cycle's steps take."""


@functools.total_ordering
@dataclass(frozen=True)
class StepName:
    """One step of a cycle by name; `str()` is the stored form, `parse` reads it back.

    Ordered as the default plan lists them (baseline, schedule, session-1, minutes-1, session-2 …,
    plan, handover). A cycle's own order is its steps' due dates (`position`), which a policy with
    close sessions can interleave differently.
    """

    kind: StepKind
    number: int | None = None

    def __post_init__(self) -> None:
        if self.kind.numbered and (self.number is None or self.number < 1):
            raise UnknownStep(f"step '{self.kind.form}' needs a number of 1 or more")
        if not self.kind.numbered and self.number is not None:
            raise UnknownStep(f"step '{self.kind.word}' takes no number")

    @classmethod
    def parse(cls, text: str) -> StepName:
        match = _TEXT.fullmatch(text)
        kind = _BY_WORD.get(match["word"]) if match else None
        if match is None or kind is None or kind.numbered != (match["number"] is not None):
            raise UnknownStep(f"Unknown step '{text}'; steps are {STEP_FORMS}")
        number = match["number"]
        return cls(kind, int(number) if number is not None else None)

    @classmethod
    def session(cls, number: int) -> StepName:
        return cls(StepKind.SESSION, number)

    @classmethod
    def minutes(cls, number: int) -> StepName:
        return cls(StepKind.MINUTES, number)

    @classmethod
    def visit(cls, number: int) -> StepName:
        return cls(StepKind.VISIT, number)

    def __str__(self) -> str:
        return self.kind.word if self.number is None else f"{self.kind.word}-{self.number}"

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, StepName):
            return NotImplemented
        return self._order < other._order

    @property
    def _order(self) -> tuple[int, int, int]:
        return (self.kind.value.phase, self.number or 0, list(StepKind).index(self.kind))

    @property
    def stage(self) -> Stage:
        return self.kind.stage

    @property
    def owner_role(self) -> OwnerRole:
        return self.kind.value.owner_role

    @property
    def title(self) -> str:
        return self.kind.value.title.format(n=self.number)


BASELINE = StepName(StepKind.BASELINE)
SCHEDULE = StepName(StepKind.SCHEDULE)
PLAN = StepName(StepKind.PLAN)
HANDOVER = StepName(StepKind.HANDOVER)
