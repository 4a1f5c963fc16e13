"""Time is explicit: UTC in storage, Africa/Bamako on screen, tz-aware everywhere."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from models.errors import MissingTimezone

BAMAKO = ZoneInfo("Africa/Bamako")


def utcnow() -> datetime:
    """The clock at the edge. Domain functions take `now` as a parameter instead of calling this."""
    return datetime.now(UTC)


def is_naive(value: datetime) -> bool:
    return value.tzinfo is None or value.utcoffset() is None


def require_aware(
    value: datetime, *, field: str | None = None, typed: str | None = None, fix: str | None = None
) -> datetime:
    """`value` in UTC; a naive one is refused, naming `field` and the text as `typed` if given."""
    if is_naive(value):
        shown = typed or value.isoformat()
        example = typed or value.isoformat(timespec="minutes")
        fix = fix or f"add one, e.g. '{example}+00:00' (Bamako time is UTC+0)"
        where = f"{field}: " if field else ""
        raise MissingTimezone(f"{where}'{shown}' has no timezone; {fix}")
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
