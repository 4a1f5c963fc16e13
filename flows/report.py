"""`programme-report`: the results report for managers and funders, weekly (Monday 07:00 Bamako)
and from the deployment's Run form with a period, an area and a funder."""

from __future__ import annotations

from typing import Any

from prefect import flow

from models.report.scope import ReportRequest
from tasks.report import make_report, publish_results, save_report_files


@flow(name="programme-report", persist_result=False)
def programme_report(request: ReportRequest | None = None, language: str = "fr") -> dict[str, Any]:
    """What the programme achieved: files under data/reports/ (JSON, CSV long form, XLSX, HTML),
    the `debates-results` table artifact and a markdown summary of the headline figures.

    Args:
        request: Période, zone et bailleur (vide: le trimestre en cours, tout le Mali) / period,
            area and funder (empty: this quarter, all of Mali).
        language: Langue du rapport HTML et du résumé, fr ou en / language of the HTML report
            and the summary.
    """
    report = make_report(request or ReportRequest())
    files = save_report_files(report, language)
    headline = publish_results(report, language)
    return {"period": report.scope.period.code, "area": report.scope.pcode, "files": files} | {
        "headline": headline
    }
