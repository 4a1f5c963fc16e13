"""Pause cycles, resume them, extend a step: one transaction each, whatever the number of cycles.

The flow runs stay suspended as they are (they wait for input, which a paused cycle refuses);
the database changes, and the sweep reads it. After the transaction, each cycle's suspended flow
run shows the pause (orchestrator/paused.py: a tag and a line over its description), and a resume
takes that away. An extension records, in its transaction, the notice its team receives once
(models/matching/notices.announce_extension; the sweep sends it).
The cycles' state and history artifacts are then published again when a Prefect server
answers (services/refresh.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from models.clock import BAMAKO, utcnow
from models.cycle.cycle import get_cycle
from models.cycle.pause import (
    Extended,
    Resumed,
    extend_step,
    pause_cycle,
    region_cycles,
    resume_cycle,
)
from models.db import session_scope
from models.errors import InvalidInput
from models.matching.notices import announce_extension
from models.settings import get_settings
from orchestrator.server import answering_server
from services.refresh import publish_views, refresh_cycle_views


@dataclass(frozen=True)
class Target:
    """A cycle, or every active cycle of a region: exactly one of the two."""

    cycle_id: int | None = None
    region: str | None = None

    def check(self, command: str) -> None:
        if (self.cycle_id is None) == (self.region is None):
            raise InvalidInput(
                f"CYCLE / --region: give one, e.g. 'debates {command} 12' or "
                f"'debates {command} --region Gao'"
            )

    def cycle_ids(self, session: Session, *, paused: bool) -> list[int]:
        """The cycle, or the region's active cycles that are (or are not) paused."""
        if self.cycle_id is not None:
            return [self.cycle_id]
        assert self.region is not None
        return region_cycles(session, self.region, paused=paused)


def pause_banner(reason: str, since: datetime) -> str:
    """'en pause : <reason>, depuis le <date> / paused: <reason>, since <date>' (Bamako day)."""
    from notifications.documents.render import label
    from notifications.render import LOCALES

    day = since.astimezone(BAMAKO)
    return " / ".join(label(locale, "paused", reason, day).strip() for locale in LOCALES)


Shown = tuple[str, datetime] | None
"""What a cycle's run shows: the pause (reason, since), or None for no pause."""


def _show_on_runs(ids: list[int], runs: Mapping[str | None, Shown]) -> None:
    """Show or clear the pause on these flow runs (cycles without one are left), then republish
    the cycles' views; one health check decides both. Prefect and the templates are imported only
    when a server answers: `debates pause` on a machine without a server stays a database command."""
    if not ids or answering_server(get_settings().data_dir) is None:
        return
    from orchestrator.paused import show_pause

    for flow_run_id, pause in runs.items():
        if flow_run_id:
            show_pause(flow_run_id, None if pause is None else pause_banner(*pause))
    publish_views(ids)


def pause(target: Target, reason: str, *, who: str) -> list[int]:
    """Pause the cycle, or every active cycle of the region not paused yet; their ids."""
    target.check("pause")
    now = utcnow()
    runs: dict[str | None, Shown] = {}
    with session_scope() as session:
        ids = target.cycle_ids(session, paused=False)
        for cycle_id in ids:
            paused = pause_cycle(session, cycle_id, reason, actor=who, now=now)
            runs[get_cycle(session, cycle_id).flow_run_id] = (paused.reason, now)
    _show_on_runs(ids, runs)
    return ids


def resume(target: Target, *, who: str) -> list[Resumed]:
    """Resume the cycle, or every paused cycle of the region; what moved."""
    target.check("resume")
    now = utcnow()
    with session_scope() as session:
        ids = target.cycle_ids(session, paused=True)
        done = [resume_cycle(session, cycle_id, actor=who, now=now) for cycle_id in ids]
        runs: dict[str | None, Shown] = {
            get_cycle(session, cycle_id).flow_run_id: None for cycle_id in ids
        }
    _show_on_runs(ids, runs)
    return done


def extend(
    cycle_id: int, step: str, *, days: int | None, to: date | None, reason: str, who: str
) -> Extended:
    """Move the step (and the open steps after it); its team is told once, by the sweep."""
    now = utcnow()
    with session_scope() as session:
        done = extend_step(
            session, cycle_id, step, days=days, to=to, reason=reason, actor=who, now=now
        )
        announce_extension(
            session, cycle_id, step, done.days, reason=reason.strip(), now=now, actor=who
        )
    refresh_cycle_views([cycle_id])
    return done
