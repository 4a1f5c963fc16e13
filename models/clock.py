"""Time is explicit: UTC in storage, Africa/Bamako on screen, tz-aware everywhere."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

BAMAKO = ZoneInfo("Africa/Bamako")


def utcnow() -> datetime:
    """The clock at the edge. Domain functions take `now` as a parameter instead of calling this."""
    return datetime.now(UTC)


def require_aware(value: datetime, *, field: str = "datetime") -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{field}: '{value.isoformat()}' has no timezone; "
            "add one, e.g. '2026-03-14T09:00:00+00:00' (Bamako is UTC+0)"
        )
    return value.astimezone(UTC)


def start_of_day(day: date, tz: ZoneInfo = BAMAKO) -> datetime:
    """Midnight of `day` in Bamako, as a UTC datetime."""
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)


def in_bamako(value: datetime) -> datetime:
    return value.astimezone(BAMAKO)


def show(value: datetime | None) -> str:
    """How a datetime is shown to people: Bamako time, minutes precision."""
    if value is None:
        return "—"
    return in_bamako(value).strftime("%Y-%m-%d %H:%M")
