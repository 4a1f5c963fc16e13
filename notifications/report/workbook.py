"""The report as an XLSX workbook (openpyxl): a sheet per table, the columns of the JSON as the
header row, one row per JSON row, and a first sheet saying what the report covers."""

from __future__ import annotations

from pathlib import Path

from models.report.tables import TABLES, UNIT_COLUMNS, Report

ABOUT = "report"
"""The first sheet: the report's period, area, funder and when it was made (the JSON's "report")."""


def write_workbook(report: Report, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    about = book.active
    assert about is not None
    about.title = ABOUT
    for key, value in report.meta().items():
        about.append([key, value])
    for name, rows in report.tables.items():
        sheet = book.create_sheet(name)
        columns = [*UNIT_COLUMNS, *TABLES[name]]
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for row in rows:
            sheet.append([row[column] for column in columns])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
