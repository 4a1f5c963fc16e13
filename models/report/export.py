"""The report as the data formats: JSON (the tables as they are) and the long-form CSV that DHIS2
(`dataValueSets`, `idScheme=code`) or ActivityInfo import; and the name its files take under
data/reports/. The documents (HTML with charts, XLSX) are notifications/report/."""

from __future__ import annotations

import csv
import io
import json

from models.report.tables import LONG_COLUMNS, Report, long_form
from models.text import slug


def json_text(report: Report) -> str:
    return json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n"


def csv_text(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LONG_COLUMNS)
    writer.writerows(long_form(report))
    return out.getvalue()


def file_stem(report: Report) -> str:
    """`debates-results-2026Q1-ml06` (and `-ue` for one funder): one name per period, area and
    funder, so a new run for the same replaces the last."""
    scope = report.scope
    parts = ["debates-results", scope.period.code.replace("..", "_"), scope.pcode.lower()]
    if scope.funder:
        parts.append(slug(scope.funder))
    return "-".join(parts)
