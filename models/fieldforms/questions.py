"""A step schema read as the questions of a field form, one per field: the same list writes the
XLSForm (models/fieldforms/xlsform.py) and reads a submission back into the schema's input
(models/fieldforms/answers.py), so a field added to a schema is in the form and read from it."""

from __future__ import annotations

import enum
import types
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Le
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from models.language import LANGUAGES

Kind = Literal["value", "yes_no", "multiple", "separated", "repeat", "texts", "counts"]
"""How an answer maps onto its field: one value; yes/no; a select_multiple (space-separated in
exports); a ';'-separated text; a repeat group of rows; a repeat of one text each; one integer per
member of an enum (a dict)."""

SEPARATOR_HINT = ("Séparer par ;", "separate with ;")
TEXT_OF_REPEAT = "text"
"""The one question of a repeat that holds a list of texts (agreements)."""

LABELS: dict[str, tuple[str, str]] = {
    "sex": ("Sexe", "Sex"),
    "age_band": ("Tranche d'âge", "Age band"),
    "group": ("Groupe", "Group"),
    "count": ("Nombre", "Count"),
    TEXT_OF_REPEAT: ("Texte", "Text"),
}
"""Labels of the fields whose schema gives no description."""

RELEVANT: dict[str, str] = {
    "reason": "${outcome} != 'held'",
    "new_starts_at": "${outcome} = 'postponed'",
}
"""When a question is shown (XLSForm `relevant`), for fields that apply to some answers only; the
schema demands each of them when it is shown, so the form requires it then."""
ITEM_RELEVANT: dict[str, str] = {"reason": "${status} = 'dropped'"}


@dataclass(frozen=True)
class Choice:
    name: str
    fr: str
    en: str


@dataclass(frozen=True)
class Question:
    """One field of a schema as a form asks it."""

    name: str
    kind: Kind
    xls_type: str
    """'integer', 'date', 'select_one sex', 'begin_repeat' …"""
    fr: str
    en: str
    required: bool
    constraint: str = ""
    relevant: str = ""
    hint: tuple[str, str] | None = None
    choices: tuple[str, tuple[Choice, ...]] | None = None
    """The choice list this question selects from: its name and its choices."""
    children: tuple[Question, ...] = ()
    keys: tuple[str, ...] = ()
    """For `counts`: the enum's values, each asked as `<name>_<value>`."""


def _labels(name: str, info: FieldInfo) -> tuple[str, str]:
    if name in LABELS:
        return LABELS[name]
    text = info.description or name.replace("_", " ")
    fr, sep, en = text.partition(" / ")
    english = en if sep else fr
    return fr.strip(), english[:1].upper() + english[1:].strip()


def _unwrap(tp: Any) -> tuple[Any, list[Any], bool]:
    """(the type, its Annotated metadata, whether None is allowed)."""
    optional = False
    meta: list[Any] = []
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp, *extra = get_args(tp)
            meta.extend(extra)
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            optional = optional or len(args) < len(get_args(tp))
            tp = args[0]
        else:
            return tp, meta, optional


def _bounds(meta: list[Any]) -> str:
    parts = []
    for item in meta:
        for bound in getattr(item, "metadata", [item]):
            if isinstance(bound, Ge):
                parts.append(f". >= {bound.ge}")
            elif isinstance(bound, Le):
                parts.append(f". <= {bound.le}")
    return " and ".join(parts)


def _enum_choices(enum_type: type[enum.Enum]) -> tuple[Choice, ...]:
    return tuple(
        Choice(str(m.value), *CHOICE_LABELS.get(str(m.value), (str(m.value),) * 2))
        for m in enum_type
    )


LANGUAGE_CHOICES = tuple(Choice(code, fr, en) for code, (en, fr, _o) in LANGUAGES.items())
YES_NO = ("yes_no", (Choice("yes", "Oui", "Yes"), Choice("no", "Non", "No")))


def question(name: str, info: FieldInfo, *, relevant: dict[str, str]) -> Question:
    """The question that asks field `name` of a schema."""
    fr, en = _labels(name, info)
    tp, meta, optional = _unwrap(info.annotation)
    meta = [*meta, *info.metadata]
    # A question shown for some answers only is one the schema demands for them (a session's
    # reason when not held, its new date when postponed, a dropped item's reason): XLSForm asks
    # `required` only while `relevant` holds.
    required = (info.is_required() and not optional) or name in relevant
    common: dict[str, Any] = {
        "fr": fr,
        "en": en,
        "required": required,
        "relevant": relevant.get(name, ""),
    }
    if get_origin(tp) is list:
        item, item_meta, _ = _unwrap(get_args(tp)[0])
        if isinstance(item, type) and issubclass(item, BaseModel):
            children = questions(item, relevant=ITEM_RELEVANT)
            return Question(name, "repeat", "begin_repeat", children=children, **common)
        if isinstance(item, type) and issubclass(item, enum.Enum):
            listed = (name, _enum_choices(item))
            return Question(name, "multiple", f"select_multiple {name}", choices=listed, **common)
        if name == "languages":
            listed = (name, LANGUAGE_CHOICES)
            return Question(name, "multiple", f"select_multiple {name}", choices=listed, **common)
        if _max_length(item_meta) > 200:  # long texts: one a row, a ';' may be in them
            child = Question(TEXT_OF_REPEAT, "value", "text", *LABELS[TEXT_OF_REPEAT], True)
            return Question(name, "texts", "begin_repeat", children=(child,), **common)
        return Question(name, "separated", "text", hint=SEPARATOR_HINT, **common)
    if get_origin(tp) is dict:
        keys = tuple(str(m.value) for m in get_args(tp)[0])
        _value, value_meta, _ = _unwrap(get_args(tp)[1])
        bounds = _bounds(value_meta)
        return Question(name, "counts", "integer", constraint=bounds, keys=keys, **common)
    if get_origin(tp) is Literal:
        listed = (name, tuple(Choice(v, *CHOICE_LABELS.get(v, (v, v))) for v in get_args(tp)))
        return Question(name, "value", f"select_one {name}", choices=listed, **common)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        listed = (tp.__name__.lower(), _enum_choices(tp))
        return Question(name, "value", f"select_one {listed[0]}", choices=listed, **common)
    if tp is bool:
        return Question(name, "yes_no", "select_one yes_no", choices=YES_NO, **common)
    if tp is int:
        return Question(name, "value", "integer", constraint=_bounds(meta), **common)
    if tp is datetime:
        return Question(name, "value", "dateTime", **common)
    if tp is date:
        return Question(name, "value", "date", **common)
    if tp is str:
        return Question(name, "value", "text", **common)
    raise TypeError(f"no field-form question for {name}: {info.annotation}")


def _max_length(meta: list[Any]) -> int:
    for item in meta:
        limit = getattr(item, "max_length", None)
        if isinstance(limit, int):
            return limit
    return 0


def questions(
    schema: type[BaseModel], *, relevant: dict[str, str] | None = None
) -> tuple[Question, ...]:
    """Every field of `schema`, in order, as a question."""
    shown = RELEVANT if relevant is None else relevant
    return tuple(question(name, info, relevant=shown) for name, info in schema.model_fields.items())


CHOICE_LABELS: dict[str, tuple[str, str]] = {
    # participant groups
    "women": ("Femmes", "Women"),
    "youth": ("Jeunes", "Youth"),
    "traditional_leaders": ("Chefs traditionnels", "Traditional leaders"),
    "religious_leaders": ("Leaders religieux", "Religious leaders"),
    "displaced": ("Personnes déplacées", "Displaced people"),
    "returnees": ("Rapatriés", "Returnees"),
    "herders": ("Éleveurs", "Herders"),
    "farmers": ("Agriculteurs", "Farmers"),
    "local_authorities": ("Autorités locales", "Local authorities"),
    "security_forces": ("Forces de sécurité", "Security forces"),
    "civil_society": ("Société civile", "Civil society"),
    "other": ("Autre", "Other"),
    # sex and age bands
    "F": ("Femme", "Female"),
    "M": ("Homme", "Male"),
    "15-24": ("15-24 ans", "15-24 years"),
    "25-59": ("25-59 ans", "25-59 years"),
    "60+": ("60 ans et plus", "60 and over"),
    # session outcomes
    "held": ("Tenu", "Held"),
    "postponed": ("Reporté", "Postponed"),
    "cancelled": ("Annulé", "Cancelled"),
    # tracked items
    "planned": ("Prévue", "Planned"),
    "in_progress": ("En cours", "In progress"),
    "done": ("Faite", "Done"),
    "dropped": ("Abandonnée", "Dropped"),
    # incidents
    "armed_attack": ("Attaques armées", "Armed attacks"),
    "intercommunal_clash": ("Affrontements intercommunautaires", "Intercommunal clashes"),
    "land_dispute": ("Litiges fonciers", "Land disputes"),
    "livestock_theft": ("Vols de bétail", "Livestock thefts"),
    "kidnapping": ("Enlèvements", "Kidnappings"),
    "gender_based_violence": ("Violences basées sur le genre", "Gender-based violence"),
    "explosive_device": ("Engins explosifs", "Explosive devices"),
    "threat": ("Menaces", "Threats"),
}
