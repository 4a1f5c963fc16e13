"""The field forms, one per human step done in the field, as XLSForm rows (survey, choices,
settings) in French and English: the baseline study, a session's outcome, a session's minutes and a
monitoring visit. Each names its cycle (a number) and its commune (chosen from the registry);
the session and visit forms also their number. The rest is the step's schema, question by question.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from pydantic import BaseModel

from models.cycle.steps import StepKind, StepName
from models.fieldforms.questions import Choice, Question, questions
from models.stages.baseline import BaselineSubmission
from models.stages.follow_up import VisitSubmission
from models.stages.minutes import MinutesSubmission
from models.stages.sessions import SessionOutcome

FORM_FIELD = "debates_form"
"""A calculated question every form carries: its form id, exported with each submission, so an
import knows which step a file's rows are for."""
COMMUNES = "commune"

SURVEY_COLUMNS = (
    "type",
    "name",
    "label::fr",
    "label::en",
    "hint::fr",
    "hint::en",
    "required",
    "constraint",
    "relevant",
    "calculation",
    "appearance",
)
CHOICE_COLUMNS = ("list_name", "name", "label::fr", "label::en")
SETTINGS_COLUMNS = ("form_title", "form_id", "version", "default_language")


@dataclass(frozen=True)
class FieldForm:
    id: str
    kind: StepKind
    title_fr: str
    title_en: str
    schema: type[BaseModel]
    number: str | None = None
    """The question holding the step's number (session, visit); None: an unnumbered step."""

    def step(self, number: int | None) -> str:
        return str(StepName(self.kind, number if self.number else None))

    def questions(self) -> tuple[Question, ...]:
        return questions(self.schema)


FORMS: tuple[FieldForm, ...] = (
    FieldForm(
        "debates_baseline", StepKind.BASELINE, "Étude de base", "Baseline study", BaselineSubmission
    ),
    FieldForm(
        "debates_session",
        StepKind.SESSION,
        "Suite donnée au débat",
        "Session outcome",
        SessionOutcome,
        number="session",
    ),
    FieldForm(
        "debates_minutes",
        StepKind.MINUTES,
        "Procès-verbal du débat",
        "Minutes of the session",
        MinutesSubmission,
        number="session",
    ),
    FieldForm(
        "debates_visit",
        StepKind.VISIT,
        "Visite de suivi",
        "Monitoring visit",
        VisitSubmission,
        number="visit",
    ),
)
BY_ID = {form.id: form for form in FORMS}

NUMBER_LABELS = {
    "session": ("Numéro du débat (1, 2 …)", "Session number (1, 2 …)"),
    "visit": ("Numéro de la visite (1, 2 …)", "Visit number (1, 2 …)"),
}

Row = dict[str, str]


def _row(**values: str) -> Row:
    return {column: values.get(column.replace("::", "_"), "") for column in SURVEY_COLUMNS}


def _question_rows(q: Question) -> list[Row]:
    hint_fr, hint_en = q.hint or ("", "")
    common = {
        "label_fr": q.fr,
        "label_en": q.en,
        "hint_fr": hint_fr,
        "hint_en": hint_en,
        "relevant": q.relevant,
    }
    if q.kind in ("repeat", "texts"):
        rows = [_row(type="begin_repeat", name=q.name, **common)]
        for child in q.children:
            rows.extend(_question_rows(child))
        return [*rows, _row(type="end_repeat", name=q.name)]
    required = "yes" if q.required else ""
    if q.kind == "counts":
        return [
            _row(
                type=q.xls_type,
                name=f"{q.name}_{key}",
                label_fr=f"{q.fr} : {_choice_label(key)[0]}",
                label_en=f"{q.en}: {_choice_label(key)[1]}",
                constraint=q.constraint,
                relevant=q.relevant,
            )
            for key in q.keys
        ]
    return [
        _row(type=q.xls_type, name=q.name, required=required, constraint=q.constraint, **common)
    ]


def _choice_label(value: str) -> tuple[str, str]:
    from models.fieldforms.questions import CHOICE_LABELS

    return CHOICE_LABELS.get(value, (value, value))


def survey_rows(form: FieldForm) -> list[Row]:
    """The form's survey sheet: what identifies the step, then the schema's fields."""
    rows = [
        _row(type="calculate", name=FORM_FIELD, calculation=f"'{form.id}'"),
        _row(
            type=f"select_one {COMMUNES}",
            name=COMMUNES,
            label_fr="Commune",
            label_en="Commune",
            required="yes",
            appearance="autocomplete",
        ),
        _row(
            type="integer",
            name="cycle",
            label_fr="Numéro du cycle (debates cycles)",
            label_en="Cycle number (debates cycles)",
            required="yes",
            constraint=". >= 1",
        ),
    ]
    if form.number is not None:
        fr, en = NUMBER_LABELS[form.number]
        rows.append(
            _row(
                type="integer",
                name=form.number,
                label_fr=fr,
                label_en=en,
                required="yes",
                constraint=". >= 1",
            )
        )
    for q in form.questions():
        rows.extend(_question_rows(q))
    return rows


def _lists(qs: tuple[Question, ...]) -> dict[str, tuple[Choice, ...]]:
    found: dict[str, tuple[Choice, ...]] = {}
    for q in qs:
        if q.choices is not None:
            found[q.choices[0]] = q.choices[1]
        found.update(_lists(q.children))
    return found


def choice_rows(form: FieldForm, communes: list[Choice]) -> list[Row]:
    """The choices sheet: the schema's lists, then the communes (P-code, display name)."""
    rows: list[Row] = []
    for list_name, choices in [*_lists(form.questions()).items(), (COMMUNES, tuple(communes))]:
        rows.extend(
            {"list_name": list_name, "name": c.name, "label::fr": c.fr, "label::en": c.en}
            for c in choices
        )
    return rows


def settings_row(form: FieldForm, communes: list[Choice]) -> Row:
    """The settings sheet; `version` changes whenever the questions or the choices change (a new
    commune list too: Kobo and ODK Central take an updated form only under a new version)."""
    content = [survey_rows(form), choice_rows(form, communes)]
    digest = hashlib.sha256(json.dumps(content).encode()).hexdigest()[:10]
    return {
        "form_title": f"{form.title_fr} / {form.title_en}",
        "form_id": form.id,
        "version": digest,
        "default_language": "fr",
    }
