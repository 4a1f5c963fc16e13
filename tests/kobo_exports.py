"""Field exports built as KoboToolbox and ODK Central write them, for the import tests.

KoboToolbox XLSX export ("XML values and headers", groups separated by '/'): the first sheet holds
one row per submission, its answers then Kobo's metadata (`meta/rootUuid`, `_id`, `_uuid`,
`_submission_time`, … `_index`); each repeat group has a sheet of its own, named for the group,
whose rows carry `_index`, `_parent_table_name`, `_parent_index` and `_submission__uuid` (and
the parent's other metadata as `_submission_…`). The API's JSON nests a repeat group as a list of
objects keyed by full path ('attendance/sex'). ODK Central's CSV zip: `<form>.csv` with
`SubmissionDate`, answers, `meta-instanceID`, `KEY` …, and `<form>-<repeat>.csv` with `PARENT_KEY`
and `KEY`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

KOBO_META = (
    "meta/rootUuid",
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_tags",
    "_index",
)
KOBO_REPEAT_META = (
    "_index",
    "_parent_table_name",
    "_parent_index",
    "_submission__id",
    "_submission__uuid",
    "_submission__submission_time",
    "_submission__validation_status",
    "_submission__notes",
    "_submission__status",
    "_submission__submitted_by",
    "_submission___version__",
    "_submission__tags",
)


@dataclass
class Submission:
    """One submission: answers by question name, repeat rows by group, its ids and time."""

    answers: dict[str, Any]
    root: str
    version: str
    submitted: datetime
    repeats: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    kobo_id: int = 1
    review: str = ""
    """The server's review: ODK's ReviewState ('rejected'), Kobo's validation status uid."""


def _flat(value: Any) -> Any:
    if isinstance(value, list):  # a select_multiple: space-separated names
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def kobo_xlsx(path: Path, title: str, submissions: list[Submission]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    main = book.active
    # Kobo names the sheet after the form, within Excel's rules: 31 characters, no '/'.
    main.title = title.replace("/", "-")[:31]
    questions = list(dict.fromkeys(k for s in submissions for k in s.answers))
    main.append([*questions, *KOBO_META])
    groups = list(dict.fromkeys(g for s in submissions for g in s.repeats))
    sheets = {}
    for group in groups:
        columns = list(
            dict.fromkeys(
                f"{group}/{k}" for s in submissions for r in s.repeats.get(group, []) for k in r
            )
        )
        sheet = book.create_sheet(group)
        sheet.append([*columns, *KOBO_REPEAT_META])
        sheets[group] = (sheet, columns, [0])
    for index, s in enumerate(submissions, start=1):
        stamp = s.submitted.strftime("%Y-%m-%dT%H:%M:%S")
        meta = [
            f"uuid:{s.root}",
            s.kobo_id,
            s.version,
            stamp,
            "",
            "",
            "submitted_via_web",
            "",
            "v1",
            "",
            index,
        ]
        main.append([_flat(s.answers.get(q)) for q in questions] + meta)
        for group in groups:
            sheet, columns, counter = sheets[group]
            for row in s.repeats.get(group, []):
                counter[0] += 1
                values = [_flat(row.get(c.split("/", 1)[1])) for c in columns]
                parent = [
                    counter[0],
                    main.title,
                    index,
                    s.kobo_id,
                    s.version,
                    stamp,
                    "",
                    "",
                    "",
                    "",
                    "v1",
                    "",
                ]
                sheet.append(values + parent)
    book.save(path)
    return path


def kobo_json_page(
    submissions: list[Submission], *, next_url: str | None = None, count: int | None = None
) -> dict[str, Any]:
    results = []
    for s in submissions:
        item: dict[str, Any] = {k: _flat(v) for k, v in s.answers.items()}
        for group, rows in s.repeats.items():
            item[group] = [{f"{group}/{k}": _flat(v) for k, v in row.items()} for row in rows]
        item |= {
            "meta/rootUuid": f"uuid:{s.root}",
            "meta/instanceID": f"uuid:{s.version}",
            "_id": s.kobo_id,
            "_uuid": s.version,
            "_submission_time": s.submitted.strftime("%Y-%m-%dT%H:%M:%S"),
            "_xform_id_string": s.answers.get("debates_form"),
            "_attachments": [],
            "_geolocation": [None, None],
            "_tags": [],
            "_notes": [],
            "_validation_status": {"uid": s.review} if s.review else {},
        }
        results.append(item)
    return {
        "count": count if count is not None else len(results),
        "next": next_url,
        "previous": None,
        "results": results,
    }


def _csv(rows: list[list[Any]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def odk_zip(path: Path, form_id: str, submissions: list[Submission]) -> Path:
    questions = list(dict.fromkeys(k for s in submissions for k in s.answers))
    main = [
        [
            "SubmissionDate",
            *questions,
            "meta-instanceID",
            "KEY",
            "SubmitterID",
            "SubmitterName",
            "AttachmentsPresent",
            "AttachmentsExpected",
            "Status",
            "ReviewState",
            "DeviceID",
            "Edits",
            "FormVersion",
        ]
    ]
    repeats: dict[str, list[list[Any]]] = {}
    for s in submissions:
        key = f"uuid:{s.root}"
        main.append(
            [
                s.submitted.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                *(_flat(s.answers.get(q)) for q in questions),
                f"uuid:{s.version}",
                key,
                5,
                "terrain",
                0,
                0,
                "",
                s.review,
                "collect:abc",
                0,
                "v1",
            ]
        )
        for group, rows in s.repeats.items():
            columns = list(dict.fromkeys(k for r in rows for k in r))
            table = repeats.setdefault(group, [[*columns, "PARENT_KEY", "KEY"]])
            for n, row in enumerate(rows, start=1):
                table.append([*(_flat(row.get(c)) for c in columns), key, f"{key}/{group}[{n}]"])
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{form_id}.csv", _csv(main))
        for group, table in repeats.items():
            archive.writestr(f"{form_id}-{group}.csv", _csv(table))
    return path


def baseline_answers(cycle: int, commune: str, completed_on: str) -> dict[str, Any]:
    return {
        "debates_form": "debates_baseline",
        "commune": commune,
        "cycle": cycle,
        "completed_on": completed_on,
        "risk_themes": "foncier; transhumance",
        "communities": "Kel Ansar; Songhaï",
        "languages": ["son", "taq"],
        "participant_groups": ["women", "youth", "traditional_leaders"],
        "summary": "Tensions autour des couloirs de transhumance près du fleuve.",
        "risk_of_violence": 4,
        "trust_in_institutions": 2,
    }


def minutes_answers(
    cycle: int,
    commune: str,
    session: int,
    validated_on: str,
    validated_by: str = "Secrétaire général de mairie",
) -> dict[str, Any]:
    return {
        "debates_form": "debates_minutes",
        "commune": commune,
        "cycle": cycle,
        "session": session,
        "total_participants": 30,
        "validated_by": validated_by,
        "validated_on": validated_on,
    }


def minutes_repeats(deadline: str) -> dict[str, list[dict[str, Any]]]:
    return {
        "attendance": [
            {"sex": "F", "age_band": "25-59", "group": "women", "count": 12},
            {"sex": "M", "age_band": "15-24", "group": "youth", "count": 18},
        ],
        "grievances": [{"theme": "foncier", "summary": "Champs occupés", "sensitive": True}],
        "agreements": [{"text": "Un comité mixte des couloirs"}],
        "commitments": [
            {"party": "Mairie", "action": "Baliser les couloirs", "deadline": deadline}
        ],
    }
