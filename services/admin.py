"""The `cycle-admin` use case: what a manager asks from the Prefect UI's Run form (pause, resume
or extend; a cycle or a region), done by services/pause.py exactly as the CLI does it, then told
back as a markdown artifact of the run (which cycles, what moved)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from models.cycle.admin import AdminAction, CycleAdminRequest
from models.cycle.cycle import get_cycle
from models.db import session_scope
from notifications.documents.render import label, render
from orchestrator.artifacts import publish_markdown
from services.pause import Target, extend, pause, resume

ARTIFACT_KEY = "cycle-admin"


@dataclass(frozen=True)
class Done:
    """One cycle the request changed: what moved (steps and days; none for a pause)."""

    cycle_id: int
    label: str
    days: int = 0
    moved: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AdminReport:
    action: str
    target: str
    reason: str
    who: str
    cycles: list[Done]
    markdown: str

    def as_data(self) -> dict[str, Any]:
        """JSON-ready: what the flow run returns (the markdown is its artifact)."""
        data = asdict(self)
        del data["markdown"]
        return data


def _labels(cycle_ids: list[int]) -> dict[int, str]:
    with session_scope() as session:
        return {cycle_id: get_cycle(session, cycle_id).label for cycle_id in cycle_ids}


def _apply(request: CycleAdminRequest, who: str) -> list[tuple[int, int, list[str]]]:
    """(cycle, days moved, steps moved) of each cycle changed."""
    target = Target(request.cycle, request.region)
    if request.action == AdminAction.PAUSE:
        return [(cycle_id, 0, []) for cycle_id in pause(target, request.reason, who=who)]
    if request.action == AdminAction.RESUME:
        return [(r.cycle_id, r.days, r.moved) for r in resume(target, who=who)]
    assert request.cycle is not None and request.step is not None  # the schema checked
    done = extend(
        request.cycle,
        request.step.strip(),
        days=request.days,
        to=request.to,
        reason=request.reason,
        who=who,
    )
    return [(done.cycle_id, done.days, done.moved)]


def administer(request: CycleAdminRequest, *, who: str, locale: str = "fr") -> AdminReport:
    """Do what the request asks (one transaction; bad input changes nothing), then publish the
    `cycle-admin` artifact of the run that asked."""
    changed = _apply(request, who)
    labels = _labels([cycle_id for cycle_id, _days, _moved in changed])
    cycles = [Done(c, labels[c], days, moved) for c, days, moved in changed]
    target = f"{request.cycle}" if request.cycle is not None else f"{request.region}"
    report = AdminReport(
        action=str(request.action),
        target=target,
        reason=request.reason.strip(),
        who=who,
        cycles=cycles,
        markdown="",
    )
    markdown = render("cycle_admin", "md", locale, r=report, request=request)
    publish_markdown(
        ARTIFACT_KEY,
        markdown,
        description=label(locale, "admin_description", report.action, len(cycles)),
    )
    return replace(report, markdown=markdown)
