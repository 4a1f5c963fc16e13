"""The results report as HTML (printable to A4, inline SVG charts, no JavaScript) and as the
markdown summary of its headline figures, in French or English.

The figures are the report's tables (models/report/tables.py); here they are only laid out:
participation as a group x sex x age band grid, the sub-units' rows, and the four charts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from models.fields import AgeBand, Group, Sex
from models.report.attendance import WOMEN_TARGET
from models.report.tables import BY_STAGE, Report
from notifications.documents.render import check_locale, environment, render
from notifications.report import charts

COLUMNS = [(sex.value, band.value) for sex in Sex for band in AgeBand]


@dataclass(frozen=True)
class GridRow:
    group: str
    counts: list[int]
    total: int


def _area_rows(report: Report, table: str) -> list[dict[str, Any]]:
    return [row for row in report.tables[table] if row["level"] == "area"]


def _units(report: Report, table: str) -> list[dict[str, Any]]:
    """The rows of the level just below the area: regions for Mali, cercles for a region."""
    below = [row for row in report.tables[table] if row["level"] != "area"]
    first = below[0]["level"] if below else None
    return [row for row in below if row["level"] == first]


def participation_grid(report: Report) -> tuple[list[GridRow], list[int]]:
    """The area's participants as rows by group and columns by sex x age band, with totals."""
    cells = {
        (r["group"], r["sex"], r["age_band"]): r["participants"]
        for r in _area_rows(report, "participation")
    }
    rows = []
    for group in Group:
        counts = [cells.get((group.value, sex, band), 0) for sex, band in COLUMNS]
        if any(counts):
            rows.append(GridRow(group.value, counts, sum(counts)))
    totals = [sum(row.counts[i] for row in rows) for i in range(len(COLUMNS))]
    return rows, totals


def _labels(locale: str) -> Any:
    return environment("txt").get_template(f"{check_locale(locale)}/_report_labels.j2").module


def report_charts(report: Report, locale: str) -> dict[str, Markup]:
    words = _labels(locale)
    grid, _ = participation_grid(report)
    by_sex = {
        sex.value: [
            sum(row.counts[i] for row in grid)
            for i, (s, _band) in enumerate(COLUMNS)
            if s == sex.value
        ]
        for sex in Sex
    }
    bands = [f"{band.value}" for band in AgeBand]
    units = _units(report, "sessions")
    cycles = _units(report, "cycles")
    standing = {r["stage"]: r["cycles"] for r in _area_rows(report, "cycles_by_stage")}
    drawn = {
        "participation": charts.grouped_bars(
            words.charts["participation"],
            bands,
            [
                (words.sexes["F"], by_sex["F"], charts.WOMEN),
                (words.sexes["M"], by_sex["M"], charts.MEN),
            ],
            y_label=words.charts["people"],
        ),
        "women": charts.shares_against_target(
            words.charts["women"],
            [u["name"] for u in units] or [report.scope.name],
            [u["women_share"] for u in units] or [report.tables["sessions"][0]["women_share"]],
            target=WOMEN_TARGET,
            target_label=words.charts["target"],
            y_label="%",
            number=lambda share: str(words.num(share)),
        ),
        "stages": charts.grouped_bars(
            words.charts["stages"],
            [words.stages[s] for s in BY_STAGE],
            [(words.charts["cycles"], [standing.get(s, 0) for s in BY_STAGE], charts.INK)],
            y_label=words.charts["cycles"],
            slanted=True,
        ),
        "units": charts.grouped_bars(
            words.charts["units"],
            [u["name"] for u in cycles] or [report.scope.name],
            [
                (
                    words.columns[column],
                    [u[column] for u in cycles] or [report.tables["cycles"][0][column]],
                    colour,
                )
                for column, colour in (
                    ("launched", charts.MEN),
                    ("completed", charts.WOMEN),
                    ("cancelled", charts.TARGET),
                )
            ],
            y_label=words.charts["cycles"],
        ),
    }
    return {name: Markup(svg) for name, svg in drawn.items()}


def context(report: Report, locale: str) -> dict[str, Any]:
    grid, totals = participation_grid(report)
    return {
        "r": report,
        "meta": report.meta(),
        "area": report.area,
        "grid": grid,
        "grid_totals": totals,
        "columns": COLUMNS,
        "follow_up": _area_rows(report, "follow_up"),
        "stages": _area_rows(report, "stages"),
        "absent": _area_rows(report, "absent_groups"),
        "unit_cycles": _units(report, "cycles"),
        "unit_sessions": _units(report, "sessions"),
        "unit_ratings": _units(report, "ratings"),
        "target": WOMEN_TARGET,
    }


def report_html(report: Report, locale: str = "fr") -> str:
    return render(
        "report", "html", locale, charts=report_charts(report, locale), **context(report, locale)
    )


def report_markdown(report: Report, locale: str = "fr") -> str:
    return render("report", "md", locale, **context(report, locale))
