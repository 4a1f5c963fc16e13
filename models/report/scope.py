"""What a report covers: a period (a quarter, a month, a year or two dates), an area (all of
Mali, a region or a cercle) and optionally one funder; the request the CLI and the Run form give.

Periods are written as DHIS2 writes them (`2026Q1`, `2026-03` shown as `202603`, `2026`), so the
long-form CSV imports with `idScheme=code`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import ColumnElement, func, true
from sqlalchemy.orm import Session

from models.clock import start_of_day
from models.cycle.cycle import Cycle
from models.cycle.funder import Funder
from models.errors import InvalidInput
from models.geography.places import Level, resolve_place

MALI = "ML"
"""The OCHA P-code of the country: the org unit of a report over every region."""

_QUARTER = re.compile(r"(?P<year>\d{4})-?Q(?P<quarter>[1-4])", re.IGNORECASE)
_MONTH = re.compile(r"(?P<year>\d{4})-?(?P<month>0[1-9]|1[0-2])")
_YEAR = re.compile(r"\d{4}")
PERIOD_FORMS = "a quarter (2026Q1), a month (2026-03) or a year (2026)"


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    code: str
    """DHIS2's period: 2026Q1, 202603, 2026, or 2026-01-01..2026-03-31 for two dates."""

    @property
    def starts(self) -> datetime:
        return start_of_day(self.first)

    @property
    def ends(self) -> datetime:
        """The first moment after the period (Bamako midnight after its last day)."""
        return start_of_day(self.last + timedelta(days=1))


def parse_period(text: str) -> Period:
    """`2026Q1`, `2026-03` or `2026` as a Period; anything else is refused, naming the forms."""
    text = text.strip()
    if match := _QUARTER.fullmatch(text):
        year, quarter = int(match["year"]), int(match["quarter"])
        first = date(year, 3 * quarter - 2, 1)
        last_month = 3 * quarter
        last = date(year, last_month, calendar.monthrange(year, last_month)[1])
        return Period(first, last, f"{year}Q{quarter}")
    if match := _MONTH.fullmatch(text):
        year, month = int(match["year"]), int(match["month"])
        last = date(year, month, calendar.monthrange(year, month)[1])
        return Period(date(year, month, 1), last, f"{year}{month:02d}")
    if _YEAR.fullmatch(text):
        year = int(text)
        return Period(date(year, 1, 1), date(year, 12, 31), str(year))
    raise InvalidInput(f"--period: '{text}' is not a period; give {PERIOD_FORMS}")


def between(first: date, last: date) -> Period:
    if last < first:
        raise InvalidInput(f"--to: {last} is before --from {first}; give the later day as --to")
    return Period(first, last, f"{first.isoformat()}..{last.isoformat()}")


def quarter_of(day: date) -> Period:
    return parse_period(f"{day.year}Q{(day.month - 1) // 3 + 1}")


class ReportRequest(BaseModel):
    """Quelle période, quelle zone, quel bailleur / which period, area and funder to report on."""

    model_config = ConfigDict(extra="forbid")

    period: str | None = Field(
        default=None,
        description="Période: 2026Q1, 2026-03 ou 2026 (vide: le trimestre en cours) / period: "
        "a quarter, a month or a year (empty: the current quarter)",
    )
    start: date | None = Field(
        default=None, description="Du (avec « au », au lieu de la période) / from this day"
    )
    end: date | None = Field(
        default=None, description="Au (avec « du ») / to this day, with the start"
    )
    region: str | None = Field(
        default=None, description="Région (nom ou P-code; vide: tout le Mali) / region"
    )
    cercle: str | None = Field(default=None, description="Cercle (nom ou P-code) / cercle")
    funder: Funder | None = Field(
        default=None, description="Bailleur ou programme (vide: tous) / funder (empty: all)"
    )

    @model_validator(mode="after")
    def _one_period_one_area(self) -> ReportRequest:
        if self.period and (self.start or self.end):
            raise ValueError("give --period, or --from and --to, not both")
        if (self.start is None) != (self.end is None):
            raise ValueError("--from and --to go together; give both days")
        if self.region and self.cercle:
            raise ValueError("give --region or --cercle, not both (a cercle names its region)")
        return self

    def resolved_period(self, today: date) -> Period:
        if self.period:
            return parse_period(self.period)
        if self.start is not None and self.end is not None:
            return between(self.start, self.end)
        return quarter_of(today)


@dataclass(frozen=True)
class Scope:
    """A resolved request: the period, the area's level, P-code and name, the funder, and the day
    the report is made (what is overdue is judged on the earlier of it and the period's end)."""

    period: Period
    level: Level | None
    """None for all of Mali."""
    pcode: str
    name: str
    funder: str | None
    today: date

    @property
    def as_of(self) -> date:
        return min(self.today, self.period.last)

    def cycles(self) -> ColumnElement[bool]:
        """The cycles the report counts: in the area, under the funder."""
        condition: ColumnElement[bool] = true()
        if self.level is Level.REGION:
            condition = Cycle.region_pcode == self.pcode
        elif self.level is Level.CERCLE:
            condition = Cycle.cercle_pcode == self.pcode
        if self.funder is not None:
            condition = condition & (func.lower(Cycle.funder) == self.funder.lower())
        return condition

    @property
    def levels(self) -> tuple[Level, ...]:
        """The breakdowns below the area: regions and cercles of Mali, a region's cercles."""
        if self.level is None:
            return (Level.REGION, Level.CERCLE)
        return (Level.CERCLE,) if self.level is Level.REGION else ()


def resolve_scope(session: Session, request: ReportRequest, *, today: date) -> Scope:
    period = request.resolved_period(today)
    if request.cercle:
        place = resolve_place(session, request.cercle, Level.CERCLE)
        return Scope(period, Level.CERCLE, place.pcode, place.name, request.funder, today)
    if request.region:
        place = resolve_place(session, request.region, Level.REGION)
        return Scope(period, Level.REGION, place.pcode, place.name, request.funder, today)
    return Scope(period, None, MALI, "Mali", request.funder, today)
