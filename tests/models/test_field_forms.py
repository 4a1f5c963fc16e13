"""The shipped XLSForms: each converts with pyxform, asks every field of its step's schema (with
French and English labels), is what `debates forms build` writes, and lists the registry's
communes; and what Kobo and ODK export of them reads back into the schema's input."""

from __future__ import annotations

import enum
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
from pydantic import BaseModel

from models.errors import InvalidInput
from models.fieldforms.answers import field_input
from models.fieldforms.exports import kobo_file, kobo_json, odk_zip
from models.fieldforms.forms import (
    CHOICE_COLUMNS,
    FORMS,
    SETTINGS_COLUMNS,
    SURVEY_COLUMNS,
    FieldForm,
    choice_rows,
    settings_row,
    survey_rows,
)
from models.fieldforms.xlsform import read_sheet, registry_choices, to_xform
from models.settings import PROJECT_ROOT, SHIPPED_COMMUNES
from models.stages.baseline import BaselineSubmission
from models.stages.follow_up import VisitSubmission
from models.stages.minutes import MinutesSubmission
from models.stages.sessions import SessionOutcome
from tests import kobo_exports as export
from tests.flows import inputs

SHIPPED = PROJECT_ROOT / "docs" / "forms"
XF = "{http://www.w3.org/2002/xforms}"
DAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)


def _instance(xform: str, form_id: str) -> ET.Element:
    root = ET.fromstring(xform)
    for instance in root.iter(f"{XF}instance"):
        data = next(iter(instance), None)
        if data is not None and data.get("id") == form_id:
            return data
    raise AssertionError(f"no primary instance for {form_id}")


def _nodes(element: ET.Element) -> dict[str, Any]:
    """Child name -> its own children (a repeat) or None (a question); templates and copies
    of a repeat merge."""
    found: dict[str, Any] = {}
    for child in element:
        name = child.tag.removeprefix(XF)
        found[name] = _nodes(child) if len(child) else found.get(name)
    return found


def _expected(schema: type[BaseModel]) -> dict[str, Any]:
    """What a form must ask of `schema`, read from the schema itself: a question per field, a
    repeat per list of records (its fields inside) or of long texts, an integer per key of a
    dict of counts."""
    wanted: dict[str, Any] = {}
    for name, info in schema.model_fields.items():
        tp = info.annotation
        args = get_args(tp)
        if get_origin(tp) is list and isinstance(args[0], type) and issubclass(args[0], BaseModel):
            wanted[name] = _expected(args[0])
        elif get_origin(tp) is dict:
            key_enum: type[enum.Enum] = args[0]
            wanted.update({f"{name}_{member.value}": None for member in key_enum})
        elif name == "agreements":
            wanted[name] = {"text": None}
        else:
            wanted[name] = None
    return wanted


@pytest.fixture(scope="module")
def xforms() -> dict[str, str]:
    return {form.id: to_xform(SHIPPED / f"{form.id}.xlsx")[0] for form in FORMS}


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.id)
def test_every_shipped_form_converts_and_asks_exactly_its_schemas_fields(
    form: FieldForm, xforms: dict[str, str]
) -> None:
    asked = _nodes(_instance(xforms[form.id], form.id))
    header = {"debates_form": None, "commune": None, "cycle": None, "meta": {"instanceID": None}}
    if form.number:
        header[form.number] = None
    assert asked == header | _expected(form.schema)


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.id)
def test_every_question_and_choice_is_labelled_in_french_and_english(
    form: FieldForm, xforms: dict[str, str]
) -> None:
    root = ET.fromstring(xforms[form.id])
    texts = {
        t.get("lang"): {e.get("id") for e in t.iter(f"{XF}text")}
        for t in root.iter(f"{XF}translation")
    }
    assert set(texts) == {"fr", "en"}
    assert texts["fr"] == texts["en"] and len(texts["fr"]) > 700  # questions + 701 communes
    for row in survey_rows(form):
        if row["type"] not in ("calculate", "end_repeat"):
            assert row["label::fr"] and row["label::en"], row["name"]


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.id)
def test_the_shipped_forms_are_what_forms_build_writes_from_the_schemas(form: FieldForm) -> None:
    path = SHIPPED / f"{form.id}.xlsx"
    blank = dict.fromkeys(SURVEY_COLUMNS, "")
    assert read_sheet(path, "survey") == [blank | row for row in survey_rows(form)], (
        "run 'make forms' after changing a step schema"
    )
    communes = registry_choices(SHIPPED_COMMUNES)
    assert read_sheet(path, "choices") == [
        dict.fromkeys(CHOICE_COLUMNS, "") | row for row in choice_rows(form, communes)
    ]
    assert read_sheet(path, "settings") == [
        dict.fromkeys(SETTINGS_COLUMNS, "") | settings_row(form, communes)
    ]


def test_the_commune_list_has_every_registry_commune_by_pcode_with_its_display_name() -> None:
    rows = read_sheet(SHIPPED / "debates_minutes.xlsx", "choices")
    communes = {r["name"]: r["label::fr"] for r in rows if r["list_name"] == "commune"}
    assert len(communes) == 701
    assert communes["ML060205"] == "Diré (Dire, Tombouctou)"  # the cercle as the registry spells it
    assert communes["ML060314"].startswith("Tilemsi (Goundam") and communes["ML070107"].startswith(
        "Tilemsi (Gao"
    )


def _submission(
    answers: dict[str, Any], repeats: dict[str, Any] | None = None
) -> export.Submission:
    return export.Submission(answers, "root-1", "version-1", NOW, repeats or {})


def test_a_kobo_json_submission_of_each_form_reads_back_as_its_schemas_input() -> None:
    visit = inputs.visit(DAY, [{"item": 1, "status": "in_progress", "progress": 40}])
    cases: list[tuple[export.Submission, BaseModel, str]] = [
        (
            _submission(export.baseline_answers(3, "ML060205", str(DAY))),
            BaselineSubmission.model_validate(
                inputs.baseline(DAY) | {"risk_of_violence": 4, "trust_in_institutions": 2}
            ),
            "baseline",
        ),
        (
            _submission(
                export.minutes_answers(3, "ML060205", 2, str(DAY)),
                export.minutes_repeats(str(DAY.replace(month=4, day=1))),
            ),
            MinutesSubmission.model_validate(inputs.minutes(DAY)),
            "minutes-2",
        ),
        (
            _submission(
                {"debates_form": "debates_session", "commune": "ML060205", "cycle": 3, "session": 1}
                | inputs.postponed(DAY)
            ),
            SessionOutcome.model_validate(inputs.postponed(DAY)),
            "session-1",
        ),
        (
            _submission(
                {"debates_form": "debates_visit", "commune": "ML060205", "cycle": 3, "visit": 1}
                | {k: v for k, v in visit.items() if k not in ("items", "incidents")}
                | {f"incidents_{k}": n for k, n in visit["incidents"].items()},
                {"items": visit["items"]},
            ),
            VisitSubmission.model_validate(visit),
            "visit-1",
        ),
    ]
    for submission, expected, step in cases:
        (record,) = kobo_json(export.kobo_json_page([submission]))
        found = field_input(record)
        assert (found.cycle_id, found.step, found.commune) == (3, step, "ML060205")
        assert found.submission == expected
        assert (record.root_id, record.version) == ("root-1", "version-1")


def test_a_kobo_xlsx_export_joins_each_repeat_row_to_its_submission(tmp_path: Path) -> None:
    first = _submission(
        export.minutes_answers(3, "ML060205", 1, str(DAY)), export.minutes_repeats("2026-04-01")
    )
    second = export.Submission(
        export.minutes_answers(4, "ML060205", 1, str(DAY)),
        "root-2",
        "version-2",
        NOW,
        {"attendance": [{"sex": "F", "age_band": "60+", "group": "women", "count": 30}]},
        kobo_id=2,
    )
    path = export.kobo_xlsx(
        tmp_path / "minutes.xlsx", "Procès-verbal du débat / Minutes", [first, second]
    )
    one, two = kobo_file(path)
    assert [len(one.repeats["attendance"]), len(two.repeats["attendance"])] == [2, 1]
    assert two.repeats["grievances"] == [] and field_input(two).submission.total_participants == 30  # type: ignore[attr-defined]
    assert field_input(one).submission == MinutesSubmission.model_validate(inputs.minutes(DAY))


def test_an_odk_central_zip_reads_its_repeat_files_by_parent_key(tmp_path: Path) -> None:
    submission = _submission(
        export.minutes_answers(3, "ML060205", 1, str(DAY)), export.minutes_repeats("2026-04-01")
    )
    (record,) = odk_zip(export.odk_zip(tmp_path / "minutes.zip", "debates_minutes", [submission]))
    assert (record.root_id, record.version, record.submitted_at) == ("root-1", "version-1", NOW)
    assert field_input(record).submission == MinutesSubmission.model_validate(inputs.minutes(DAY))


def test_a_kobo_csv_export_with_semicolons_reads_back(tmp_path: Path) -> None:
    answers = export.baseline_answers(3, "ML060205", str(DAY))
    columns = [*answers, "meta/rootUuid", "_uuid", "_submission_time"]
    values = [export._flat(v) for v in answers.values()]
    values += ["uuid:root-1", "version-1", "2026-03-20T10:00:00"]
    path = tmp_path / "baseline.csv"
    path.write_text(
        ";".join(columns) + "\n" + ";".join(f'"{v}"' for v in values) + "\n", encoding="utf-8"
    )
    (record,) = kobo_file(path)
    assert field_input(record).submission.risk_themes == ["foncier", "transhumance"]  # type: ignore[attr-defined]


def test_a_bad_answer_is_refused_with_the_field_named() -> None:
    bad = export.baseline_answers(3, "ML060205", "2026-02-30")
    (record,) = kobo_json(export.kobo_json_page([_submission(bad)]))
    with pytest.raises(InvalidInput, match="field completed_on"):
        field_input(record)
    (record,) = kobo_json(export.kobo_json_page([_submission(bad | {"cycle": "trois"})]))
    with pytest.raises(InvalidInput, match="field cycle: 'trois' is not a number"):
        field_input(record)


def test_a_kobo_csv_of_a_form_with_repeats_is_refused_saying_how_to_export_it(
    tmp_path: Path,
) -> None:
    answers = export.minutes_answers(3, "ML060205", 1, str(DAY))
    path = tmp_path / "minutes.csv"
    columns = [*answers, "_uuid", "_submission_time"]
    values = [*(export._flat(v) for v in answers.values()), "v-1", "2026-03-20T10:00:00"]
    path.write_text(",".join(columns) + "\n" + ",".join(f'"{v}"' for v in values), "utf-8")
    (record,) = kobo_file(path)
    with pytest.raises(InvalidInput, match=r"no repeat groups .*attendance.*export this form"):
        field_input(record)


def test_an_export_with_label_headers_says_to_export_xml_values_and_headers() -> None:
    labelled = {"Numéro du cycle": 3, "debates_form": "debates_baseline", "commune": "ML060205"}
    (record,) = kobo_json(export.kobo_json_page([_submission(labelled)]))
    with pytest.raises(InvalidInput, match=r"field cycle: no such column.*XML values and headers"):
        field_input(record)
    too_big = export.baseline_answers(3, "ML060205", str(DAY)) | {"cycle": 2**31}
    (record,) = kobo_json(export.kobo_json_page([_submission(too_big)]))
    with pytest.raises(InvalidInput, match="field cycle: 2147483648 is not a number from 1"):
        field_input(record)


def test_a_new_commune_list_gives_each_form_a_new_version() -> None:
    communes = registry_choices(SHIPPED_COMMUNES)
    for form in FORMS:
        versions = {settings_row(form, c)["version"] for c in (communes, communes[:-1])}
        assert len(versions) == 2, form.id


def test_a_recent_rejection_holds_the_pull_mark_and_an_old_one_does_not() -> None:
    from models.fieldforms.imported import Source
    from services.field_import import RETRY_REJECTED, ImportLine, ImportReport, Outcome, pull_mark

    def record(root: str, at: datetime) -> Any:
        answers = export.baseline_answers(3, "ML060205", str(DAY))
        (found,) = kobo_json(export.kobo_json_page([export.Submission(answers, root, root, at)]))
        return found

    early, late = NOW - timedelta(hours=2), NOW
    records = [record("bad", early), record("good", late)]

    def report(outcome: Outcome) -> ImportReport:
        lines = [
            ImportLine("row", "bad", outcome, ""),
            ImportLine("row", "good", Outcome.RECORDED, ""),
        ]
        return ImportReport(Source.KOBO, lines)

    assert pull_mark(records, report(Outcome.RECORDED), now=NOW) == late
    held = pull_mark(records, report(Outcome.REJECTED), now=NOW)
    assert held == early - timedelta(seconds=1)
    lapsed = pull_mark(records, report(Outcome.REJECTED), now=early + RETRY_REJECTED + timedelta(1))
    assert lapsed == late
    assert pull_mark([], report(Outcome.RECORDED), now=NOW) is None


def test_a_submission_set_aside_in_the_servers_review_is_marked_so(tmp_path: Path) -> None:
    answers = export.baseline_answers(3, "ML060205", str(DAY))
    kept, refused = (
        export.Submission(answers, root, root, NOW, review=review)
        for root, review in (("kept", ""), ("refused", "rejected"))
    )
    odk = odk_zip(export.odk_zip(tmp_path / "b.zip", "debates_baseline", [kept, refused]))
    assert [r.set_aside for r in odk] == [None, "rejected in ODK Central's review"]
    refused.review = "validation_status_not_approved"
    kobo = kobo_json(export.kobo_json_page([kept, refused]))
    assert [r.set_aside for r in kobo] == [None, "not approved in KoboToolbox"]


def test_a_question_shown_for_some_answers_is_required_when_shown() -> None:
    shown = [
        (form.id, row["name"], row["required"])
        for form in FORMS
        for row in read_sheet(SHIPPED / f"{form.id}.xlsx", "survey")
        if row.get("relevant")
    ]
    assert {(f, n) for f, n, _ in shown} >= {
        ("debates_session", "reason"),
        ("debates_session", "new_starts_at"),
        ("debates_visit", "reason"),
    }
    assert all(required == "yes" for _f, _n, required in shown), shown
