"""The results report as a use case: figures for a request, its files under data/reports/, and
in the Prefect UI the `debates-results` table and a markdown summary of the headline figures.

`debates report` uses the first; the programme-report deployment (weekly, or from its Run form)
all three. Nothing here is the record: the report is rebuilt from the database each time.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from models.clock import in_bamako, utcnow
from models.db import session_scope
from models.report.export import csv_text, file_stem, json_text
from models.report.scope import ReportRequest
from models.report.tables import TABLES, Report, build_report
from models.settings import get_settings
from notifications.report.document import report_html, report_markdown
from notifications.report.workbook import write_workbook
from orchestrator.artifacts import publish_markdown, publish_table

RESULTS_KEY = "debates-results"
SUMMARY_KEY = "debates-results-summary"
FORMATS = ("json", "csv", "xlsx", "html")


def make_report(request: ReportRequest, *, now: datetime | None = None) -> Report:
    moment = now or utcnow()
    with session_scope(readonly=True) as session:
        return build_report(session, request, today=in_bamako(moment).date(), now=moment)


def reports_dir() -> Path:
    return get_settings().data_dir / "reports"


def save_files(report: Report, locale: str = "fr", folder: Path | None = None) -> dict[str, Path]:
    """The report in every file format, `<folder>/debates-results-<period>-<area>.<ext>`
    (data/reports/ by default); a new report for the same period and area replaces them."""
    folder = folder or reports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stem = file_stem(report)
    paths = {fmt: folder / f"{stem}.{fmt}" for fmt in FORMATS}
    paths["json"].write_text(json_text(report), encoding="utf-8")
    paths["csv"].write_text(csv_text(report), encoding="utf-8")
    write_workbook(report, paths["xlsx"])
    paths["html"].write_text(report_html(report, locale), encoding="utf-8")
    return paths


def publish_report(report: Report, locale: str = "fr") -> None:
    """The `debates-results` table (one row per org unit: cycles and sessions) and the markdown
    summary of the area's headline figures."""
    scope = report.scope
    where = f"{scope.name} ({scope.pcode}), {scope.period.code}"
    if scope.funder:
        where += f", {scope.funder}"
    rows = [
        cycles | {f"sessions_{k}": sessions[k] for k in TABLES["sessions"]}
        for cycles, sessions in zip(report.tables["cycles"], report.tables["sessions"], strict=True)
    ]
    publish_table(
        RESULTS_KEY,
        rows,
        description=f"Résultats du programme / programme results — {where}",
    )
    publish_markdown(
        SUMMARY_KEY,
        report_markdown(report, locale),
        description=f"Chiffres clés / headline figures — {where}",
    )
