"""Reading what KoboToolbox and ODK Central export into one shape: a submission with its stable
id, its version, its answers and the rows of its repeat groups.

- KoboToolbox: an XLSX export (the first sheet holds the submissions, one more sheet per repeat
  group whose rows point at theirs by `_submission__uuid` or `_parent_index`), a CSV export (no
  repeats; `;` or `,`), or the API's JSON (`results`, repeats nested as lists). A submission keeps
  `meta/rootUuid` across edits; `_uuid` (its `meta/instanceID`) changes at each edit.
- ODK Central: the CSV zip, one CSV for the submissions and one per repeat group
  (`<form>-<repeat>.csv`) whose rows point at theirs by `PARENT_KEY`. `KEY` (the OData `__id`)
  stays across edits; `meta-instanceID` changes at each edit.

Columns are read by their last path segment (`attendance/sex`, `meta-instanceID`): the forms have
no groups but their repeats, and every name is unique within its table.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from models.errors import InvalidInput


@dataclass(frozen=True)
class FieldRecord:
    """One submission as exported, whatever the tool."""

    root_id: str
    version: str
    where: str
    """Where it is in the file ('row 3'), for the report."""
    values: dict[str, Any]
    repeats: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    submitted_at: datetime | None = None
    repeats_read: bool = True
    """False for a format that carries no repeat groups (a Kobo CSV export)."""
    set_aside: str | None = None
    """Why the server's review set it aside: 'rejected in ODK Central's review', 'not approved in
    KoboToolbox'. Such a submission is never imported."""


def _plain(value: Any) -> Any:
    """A cell as the schemas read it: '' for nothing, whole floats as ints, dates in ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime):
        if value.tzinfo is None and value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value.strip() if isinstance(value, str) else value


def _short(column: str, separator: str) -> str:
    return column.rsplit(separator, 1)[-1]


def _answers(row: dict[str, Any], separator: str) -> dict[str, Any]:
    """Answers by short name; a column already read keeps its value (Kobo's split select_multiple
    columns, `languages/son`, come after the question's own)."""
    found: dict[str, Any] = {}
    for column, value in row.items():
        if isinstance(value, list):
            continue
        found.setdefault(_short(str(column), separator), _plain(value))
    return found


def _uuid(value: Any) -> str:
    return str(value or "").strip().removeprefix("uuid:")


def _moment(text: Any) -> datetime | None:
    if not text:
        return None
    if isinstance(text, datetime):
        moment = text
    else:
        try:
            moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # Kobo writes UTC, unmarked


def _kobo_record(
    row: dict[str, Any], where: str, repeats: dict[str, list[dict[str, Any]]]
) -> FieldRecord:
    version = _uuid(row.get("_uuid") or row.get("meta/instanceID"))
    root = _uuid(row.get("meta/rootUuid")) or version
    if not root:
        raise InvalidInput(
            f"{where} has neither meta/rootUuid nor _uuid; export the submissions' metadata too"
        )
    return FieldRecord(
        root_id=root,
        version=version or root,
        where=where,
        values=_answers(row, "/"),
        repeats=repeats,
        submitted_at=_moment(row.get("_submission_time")),
        set_aside=_kobo_review(row.get("_validation_status")),
    )


def _kobo_review(status: Any) -> str | None:
    """Kobo's validation status: `{"uid": "validation_status_not_approved", …}` in the API's JSON,
    its uid or its label ('Not Approved') in an export."""
    said = status.get("uid", "") if isinstance(status, dict) else str(status or "")
    normal = said.lower().replace(" ", "_")
    return "not approved in KoboToolbox" if normal.endswith("not_approved") else None


def kobo_json(data: Any) -> list[FieldRecord]:
    """The API's JSON: a page (`{"count", "next", "results": [...]}`) or a list of submissions."""
    results = data.get("results") if isinstance(data, dict) else data
    if not isinstance(results, list):
        raise InvalidInput(
            "the JSON holds no submissions; give the API's data (its 'results' list)"
        )
    records = []
    for index, row in enumerate(results, start=1):
        repeats = {
            name: [_answers(item, "/") for item in value if isinstance(item, dict)]
            for name, value in row.items()
            if isinstance(value, list) and not name.startswith("_")
        }
        records.append(_kobo_record(row, f"submission {index}", repeats))
    return records


def _table(rows: Iterable[Iterable[Any]]) -> list[dict[str, Any]]:
    rows = iter(rows)
    header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
    table = []
    for row in rows:
        cells = dict(zip(header, row, strict=False))
        if any(value not in (None, "") for value in cells.values()):
            table.append(cells)
    return table


def _kobo_tables(
    main: list[dict[str, Any]], others: dict[str, list[dict[str, Any]]]
) -> list[FieldRecord]:
    records = []
    for number, row in enumerate(main, start=2):
        uuid, index = str(row.get("_uuid") or ""), str(_plain(row.get("_index")))
        repeats: dict[str, list[dict[str, Any]]] = {}
        for name, table in others.items():
            repeats[name] = [
                _answers(r, "/")
                for r in table
                if (uuid and str(r.get("_submission__uuid") or "") == uuid)
                or (not r.get("_submission__uuid") and str(_plain(r.get("_parent_index"))) == index)
            ]
        records.append(_kobo_record(row, f"row {number}", repeats))
    return records


def kobo_xlsx(path: Path) -> list[FieldRecord]:
    """An XLSX export: the submissions on the first sheet, a sheet per repeat group."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = {
            sheet.title: _table(sheet.iter_rows(values_only=True)) for sheet in book.worksheets
        }
    finally:
        book.close()
    first, *others = sheets
    return _kobo_tables(sheets[first], {name: sheets[name] for name in others})


def _csv_rows(text: str) -> list[dict[str, Any]]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def kobo_file(path: Path) -> list[FieldRecord]:
    """A KoboToolbox export by its extension: .xlsx, .csv or .json."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return kobo_xlsx(path)
    text = _text(path)
    if suffix == ".json":
        try:
            return kobo_json(json.loads(text))
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{path} is not JSON (line {exc.lineno}: {exc.msg})") from exc
    if suffix == ".csv":
        return [replace(r, repeats_read=False) for r in _kobo_tables(_csv_rows(text), {})]
    raise InvalidInput(f"{path}: give a KoboToolbox export as .xlsx, .csv or .json")


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"{path} does not exist") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text; export it again as UTF-8") from None


def odk_zip(path: Path) -> list[FieldRecord]:
    """ODK Central's CSV zip: the submissions' CSV and one CSV per repeat group."""
    try:
        archive = zipfile.ZipFile(path)
    except (FileNotFoundError, zipfile.BadZipFile) as exc:
        raise InvalidInput(f"{path} is not an ODK Central CSV zip ({exc})") from None
    with archive:
        tables = {
            Path(name).stem: _csv_rows(archive.read(name).decode("utf-8-sig"))
            for name in archive.namelist()
            if name.lower().endswith(".csv")
        }
    mains = [stem for stem, rows in tables.items() if rows and "PARENT_KEY" not in rows[0]]
    if len(mains) != 1:
        raise InvalidInput(
            f"{path}: expected one submissions CSV beside the repeat CSVs, found {len(mains)}"
        )
    main = mains[0]
    records = []
    for number, row in enumerate(tables[main], start=2):
        root = _uuid(row.get("KEY") or row.get("__id"))
        if not root:
            raise InvalidInput(f"{path}: row {number} of {main}.csv has no KEY")
        repeats = {
            stem.removeprefix(f"{main}-"): [
                _answers(r, "-") for r in rows if _uuid(r.get("PARENT_KEY")) == root
            ]
            for stem, rows in tables.items()
            if stem != main
        }
        records.append(
            FieldRecord(
                root_id=root,
                version=_uuid(row.get("meta-instanceID") or row.get("instanceID")) or root,
                where=f"row {number}",
                values=_answers(row, "-"),
                repeats=repeats,
                submitted_at=_moment(row.get("SubmissionDate")),
                set_aside="rejected in ODK Central's review"
                if str(row.get("ReviewState") or "").lower() == "rejected"
                else None,
            )
        )
    return records
