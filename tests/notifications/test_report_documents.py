"""The results report's documents for the programme of tests/models/report_data.py: the HTML
against its golden file (French and English), the XLSX read back with openpyxl equal to the JSON,
the long-form CSV parsed back with totals equal to the tables', and no name or text anywhere.

The golden files keep each chart as the words and numbers it shows (matplotlib's <text>
elements): its drawing changes with matplotlib's versions, what it says must not. After a
deliberate change, regenerate and review the diff:

    DEBATES_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/notifications/test_report_documents.py
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.report.export import csv_text, json_text
from models.report.tables import LONG_COLUMNS, TABLES, Report
from notifications.report.document import report_html, report_markdown
from notifications.report.workbook import write_workbook
from tests.models.report_data import fixed_report

GOLDEN = Path(__file__).with_name("golden")
UPDATE = os.environ.get("DEBATES_UPDATE_GOLDEN") == "1"
SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
SVG_TEXT = re.compile(r"<text\b[^>]*>(.*?)</text>", re.DOTALL)
NEVER_SHOWN = [
    "Tensions foncières",
    "SG de mairie",
    "Kel Ansar",
    "transhumance",
    "Conseil communal",
    "Plus de budget",
    "Peul",
]
"""Text of the seeded minutes, baseline, plan and items: a report counts, it never quotes."""


@pytest.fixture(scope="module")
def made(fresh_database) -> Iterator[Report]:  # type: ignore[no-untyped-def]
    with fixed_report(fresh_database("sqlite")) as report:
        yield report


def charts_as_words(html: str) -> str:
    """Each inline SVG as the texts it shows, in order: what the golden file keeps of a chart."""
    return SVG.sub(
        lambda m: "<svg>" + " | ".join(t.strip() for t in SVG_TEXT.findall(m[0])) + "</svg>", html
    )


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with DEBATES_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_html_report_matches_its_golden_file(made: Report, locale: str) -> None:
    html = report_html(made, locale)
    assert html.count("<svg") == 4
    assert "<script" not in html.lower() and not re.search(r"\son[a-z]+=", html)
    assert "@page { size: A4" in html
    check_golden(f"report.{locale}.html", charts_as_words(html))


def test_the_charts_show_the_figures(made: Report) -> None:
    charts = SVG.findall(report_html(made, "en"))
    participation, women, stages, units = (SVG_TEXT.findall(svg) for svg in charts)
    # 6 + 11 women and 8 + 37 + 8 men, by age band; Tombouctou's 24.3 % against the target.
    assert {"6", "11", "8", "37"} <= set(participation)
    assert "24.3 %" in women and "30 % target (law 2015-052)" in women
    assert "scheduling" in stages and "Tombouctou" in units


def test_the_xlsx_read_back_equals_the_json(made: Report, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = write_workbook(made, tmp_path / "report.xlsx")
    book = load_workbook(path, read_only=True)
    as_json = json.loads(json_text(made))
    sheets = {}
    for sheet in book.worksheets[1:]:
        header, *rows = list(sheet.iter_rows(values_only=True))
        sheets[sheet.title] = [dict(zip(header, row, strict=True)) for row in rows]
    assert sheets == as_json["tables"]
    assert set(sheets) == set(TABLES)
    about = {key: value for key, value in book.worksheets[0].iter_rows(values_only=True)}
    assert about == as_json["report"]


def test_the_csv_rows_parse_and_add_up_to_the_tables(made: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(csv_text(made))))
    assert rows and all(tuple(row) == LONG_COLUMNS for row in rows)
    values = {
        (r["indicator"], r["org_unit"], r["sex"], r["age_band"]): float(r["value"]) for r in rows
    }
    assert len(values) == len(rows), "each indicator, org unit and category once"
    assert {r["period"] for r in rows} == {"2026Q1"}
    participants: dict[str, float] = defaultdict(float)
    women: dict[str, float] = defaultdict(float)
    for (indicator, unit, sex, band), value in values.items():
        if indicator.startswith("participants."):
            assert sex in ("F", "M") and band in ("15-24", "25-59", "60+")
            participants[unit] += value
            women[unit] += value if sex == "F" else 0
    for table in made.tables["sessions"]:
        assert participants[table["pcode"]] == table["participants"]
        assert women[table["pcode"]] == table["women"]
        assert values[("sessions.held", table["pcode"], "", "")] == table["held"]
    for table in made.tables["cycles"]:
        assert values[("cycles.launched", table["pcode"], "", "")] == table["launched"]
    item = next(r for r in made.tables["follow_up"] if r["pcode"] == "ML06")
    assert values[("follow_up.plan_action.on_time", "ML06", "", "")] == item["on_time"]
    # Not measured: no row, rather than a zero that would read as "no change".
    assert ("ratings.risk_change", "ML07", "", "") not in values


def test_no_document_names_a_person_or_quotes_the_minutes(made: Report) -> None:
    documents = [
        report_html(made, "fr"),
        report_markdown(made, "en"),
        json_text(made),
        csv_text(made),
    ]
    for text in NEVER_SHOWN:
        assert all(text not in document for document in documents), text
