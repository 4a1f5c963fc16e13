"""The manager's view in the Prefect UI: per-cycle progress and state, and the portfolio table.

Artifacts are keyed (`cycle-ber-ml060103-1-progress`, `cycle-ber-ml060103-1-state`,
`debates-portfolio`) so the UI's Artifacts page shows the latest of each with its history, and each
has a description naming the commune, its cercle and region, the cycle and its stage (French by
default). Nothing here is the record: every artifact is rebuilt from the database, so a lost or stale
one is fixed by the next refresh. tasks/artifacts.py wraps these for the flows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from models.clock import in_bamako, utcnow
from models.cycle.cycle import get_cycle
from models.db import session_scope
from models.settings import get_settings
from models.views.cycle_state import cycle_state
from models.views.portfolio import portfolio
from models.views.tracker import answers_text, tracked_items, tracker_rows
from notifications.documents.render import label, render
from notifications.history import history, history_markdown
from orchestrator.artifacts import publish_markdown, publish_progress, publish_table

PORTFOLIO_KEY = "debates-portfolio"


def publish_cycle_view(cycle_id: int, language: str = "fr") -> dict[str, Any]:
    """Progress (stages done / total) and current state of one cycle; at every stage change."""
    with session_scope(readonly=True) as session:
        state = cycle_state(session, cycle_id, now=utcnow())
        markdown = render("cycle_state", "md", language, s=state)
        label_ = get_cycle(session, cycle_id).label
        trail = history_markdown(
            history(session, cycle_id, locale=language), label=label_, locale=language
        )
        today = in_bamako(utcnow()).date()
        items = tracker_rows(session, tracked_items(session, today=today, cycle_id=cycle_id), today)
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
    if items:
        publish_table(
            heading.artifact_key("items"),
            [row | {"answers": answers_text(row["answers"])} for row in items],
            description=label(language, "items_description", heading, state.follow_up),
        )
    publish_markdown(
        heading.artifact_key("history"),
        trail,
        description=label(language, "history_description", heading),
        only_if_changed=True,
    )
    return {
        "cycle_id": cycle_id,
        "progress": state.progress,
        "stages_done": state.stages_done,
        "waiting_step": state.waiting.name if state.waiting else None,
        "overdue_steps": [step.name for step in state.overdue],
    }


def publish_cycle_views(cycle_ids: Sequence[int], language: str = "fr") -> None:
    """`publish_cycle_view` for each cycle (services/refresh.py gives them one task run)."""
    for cycle_id in cycle_ids:
        publish_cycle_view(cycle_id, language)


def publish_portfolio(now: datetime | None = None, language: str = "fr") -> int:
    """The `debates-portfolio` table of every active cycle, with a description counting them by
    region; how many there are. The reminder sweep publishes it at its end, and every launch after
    creating its flow runs (services.launch.start_runs).

    `now` (default: the clock) is the sweep's moment, so overdue days agree with what it flagged.
    """
    with session_scope(readonly=True) as session:
        rows = portfolio(session, now=now or utcnow())
    regions: dict[str, int] = {}
    for row in rows:
        regions[row.region] = regions.get(row.region, 0) + 1
    table = [
        row.as_record()
        | (
            {
                "paused": label(
                    language, "paused", row.paused_reason, in_bamako(row.paused_since).date()
                )
            }
            if row.paused_since is not None
            else {}
        )
        for row in rows
    ]
    publish_table(
        get_settings().scoped(PORTFOLIO_KEY),  # the demo's is its own: never the managers' one
        table if table else [{"region": "-", "commune": "no active cycle"}],
        description=label(language, "portfolio_description", len(rows), regions),
    )
    return len(rows)
