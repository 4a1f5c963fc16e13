"""The manager's view in the Prefect UI: per-cycle progress and state, and the portfolio table.

Artifacts are keyed (`cycle-ber-ml060103-1-progress`, `cycle-ber-ml060103-1-state`,
`debates-portfolio`) so the UI's Artifacts page shows the latest of each with its history, and each
has a description naming the commune, its cercle and region, the cycle and its stage (French by
default). Nothing here is the record: every artifact is rebuilt from the database, so a lost or stale
one is fixed by the next refresh.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from prefect import task
from prefect.artifacts import (
    Artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.client.schemas.objects import Artifact as ArtifactResponse
from prefect.context import FlowRunContext

from models.clock import utcnow
from models.db import session_scope
from models.views.portfolio import cycle_state, portfolio
from notifications.documents.render import label, render
from tasks.options import DB_TASK

PORTFOLIO_KEY = "debates-portfolio"


def latest_artifact(key: str) -> ArtifactResponse | None:
    return cast("ArtifactResponse | None", Artifact.get(key))


def publish_markdown(
    key: str, markdown: str, *, description: str, only_if_changed: bool = False
) -> bool:
    """Publish a markdown artifact; with only_if_changed, skip it when the latest is identical."""
    if only_if_changed:
        latest = latest_artifact(key)
        if latest is not None and (latest.data, latest.description) == (markdown, description):
            return False
    create_markdown_artifact(markdown=markdown, key=key, description=description)
    return True


def publish_progress(key: str, progress: float, description: str) -> None:
    """Update this flow run's progress artifact of `key`, or start one (a new run, or no run)."""
    context = FlowRunContext.get()
    run_id = context.flow_run.id if context and context.flow_run else None
    latest = latest_artifact(key) if run_id else None
    if latest is not None and latest.type == "progress" and latest.flow_run_id == run_id:
        update_progress_artifact(latest.id, progress, description=description)
    else:
        create_progress_artifact(progress, key=key, description=description)


@task(name="refresh-cycle-view", **DB_TASK)
def refresh_cycle_view(cycle_id: int, language: str = "fr") -> dict[str, Any]:
    """Progress (stages done / total) and current state of one cycle; call at every stage change."""
    with session_scope(readonly=True) as session:
        state = cycle_state(session, cycle_id, now=utcnow())
        markdown = render("cycle_state", "md", language, s=state)
    heading = state.heading
    publish_progress(
        heading.artifact_key("progress"),
        state.progress,
        label(language, "progress_description", state),
    )
    publish_markdown(
        heading.artifact_key("state"),
        markdown,
        description=label(language, "state_description", heading),
        only_if_changed=True,
    )
    return {
        "cycle_id": cycle_id,
        "progress": state.progress,
        "stages_done": state.stages_done,
        "waiting_step": state.waiting.name if state.waiting else None,
        "overdue_steps": [step.name for step in state.overdue],
    }


@task(name="refresh-portfolio", **DB_TASK)
def refresh_portfolio(now: datetime | None = None, language: str = "fr") -> int:
    """The `debates-portfolio` table of every active cycle, with a description counting them by
    region; how many there are. The reminder sweep calls it at its end, and every launch after
    creating its flow runs (tasks.launch.start_runs_now).

    `now` (default: the clock) is the sweep's moment, so overdue days agree with what it flagged.
    """
    with session_scope(readonly=True) as session:
        rows = portfolio(session, now=now or utcnow())
    regions: dict[str, int] = {}
    for row in rows:
        regions[row.region] = regions.get(row.region, 0) + 1
    table = [row.as_record() for row in rows]
    create_table_artifact(
        table=table if table else [{"region": "-", "commune": "no active cycle"}],
        key=PORTFOLIO_KEY,
        description=label(language, "portfolio_description", len(rows), regions),
    )
    return len(rows)
