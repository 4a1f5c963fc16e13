"""A cycle's audit trail in words, newest first: when (Bamako time), who, through which channel, what.

The words come from one catalogue per language (templates/<locale>/_history.txt.j2). Grievance text
never reaches an audit event (models/cycle/amend.py withholds it), so none reaches the history: an
amendment of minutes names the fields that changed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import AuditEvent, channel_of, cycle_history
from models.clock import BAMAKO
from models.cycle.cycle import Step
from notifications.render import DEFAULT_LOCALE, LOCALES, TEMPLATES
from notifications.templating import template_environment


@dataclass(frozen=True)
class HistoryEntry:
    at: str
    """ISO date-time in Africa/Bamako."""
    actor: str
    channel: str
    action: str
    what: str
    reason: str | None
    changes: dict[str, list[Any]] | None
    """For an amendment: field -> [before, after] (grievance values withheld)."""


@lru_cache(maxsize=len(LOCALES))
def _catalogue(locale: str) -> Any:
    language = locale if locale in LOCALES else DEFAULT_LOCALE
    env = template_environment(TEMPLATES)
    return env.get_template(f"{language}/_history.txt.j2").module


def _changes(event: AuditEvent) -> dict[str, list[Any]] | None:
    if event.action != "step.amended":
        return None
    before, after = event.before or {}, event.after or {}
    return {field: [before.get(field), after.get(field)] for field in sorted(after)}


def history(session: Session, cycle_id: int, *, locale: str = DEFAULT_LOCALE) -> list[HistoryEntry]:
    events = cycle_history(session, cycle_id)
    steps = dict(session.execute(select(Step.id, Step.name).where(Step.cycle_id == cycle_id)).all())
    words = _catalogue(locale)
    entries = []
    for event in events:
        step = steps.get(int(event.entity_id)) if event.entity == "step" else None
        view = {
            "action": event.action,
            "step": step or event.entity_id,
            "before": event.before or {},
            "after": event.after or {},
            "reason": event.reason,
            "fields": sorted(event.after or {}) if event.action == "step.amended" else [],
        }
        entries.append(
            HistoryEntry(
                at=event.at.astimezone(BAMAKO).isoformat(timespec="minutes"),
                actor=event.actor,
                channel=str(words.channel(channel_of(event.actor))).strip(),
                action=event.action,
                what=" ".join(str(words.what(view)).split()),
                reason=event.reason,
                changes=_changes(event),
            )
        )
    return entries


def history_markdown(entries: list[HistoryEntry], *, label: str, locale: str) -> str:
    """The history as a Markdown table (the cycle's `…-history` artifact)."""
    words = _catalogue(locale)
    rows = [
        [entry.at[:16].replace("T", " "), entry.actor, entry.channel, entry.what]
        for entry in entries
    ]
    lines = [
        "# " + str(words.title(label)).strip(),
        "",
        "| " + str(words.columns()).strip() + " |",
        "|---|---|---|---|",
        *("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows),
    ]
    return "\n".join(lines) + "\n"


def as_json(entries: list[HistoryEntry]) -> list[dict[str, Any]]:
    return [asdict(entry) for entry in entries]


def column_names(locale: str) -> list[str]:
    """When, who, through, what: the history table's headers in `locale`."""
    return [name.strip() for name in str(_catalogue(locale).columns()).split("|")]
