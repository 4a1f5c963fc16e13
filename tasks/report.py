"""The programme-report flow's tasks: the report made from the database, its files, its artifacts.

What each does is services/report.py; these give it a task run in the flow.
"""

from __future__ import annotations

from typing import Any

from prefect import task

from models.report.scope import ReportRequest
from models.report.tables import Report
from services import report as reports
from tasks.options import DB_TASK


@task(name="make-report", **DB_TASK)
def make_report(request: ReportRequest) -> Report:
    """Every figure of the request's period, area and funder (a few GROUP BY queries)."""
    return reports.make_report(request)


@task(name="save-report-files", **DB_TASK)
def save_report_files(report: Report, language: str = "fr") -> dict[str, str]:
    """JSON, CSV, XLSX and HTML under data/reports/; where each went."""
    return {fmt: str(path) for fmt, path in reports.save_files(report, language).items()}


@task(name="publish-results", **DB_TASK)
def publish_results(report: Report, language: str = "fr") -> dict[str, Any]:
    """The `debates-results` table and the markdown summary; the area's headline figures."""
    reports.publish_report(report, language)
    return {name: dict(row) for name, row in report.area.items()}
