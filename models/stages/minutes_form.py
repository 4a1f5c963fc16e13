"""The minutes as the Prefect UI's Resume form takes them: sensitive grievances counted, never typed.

Prefect's database keeps what its forms take (the run's input, the stage subflow's parameters), so
the form has no place for a sensitive grievance's text. The flow records the minutes with a row
"to record" per sensitive grievance (sensitive, its text a notice), so every count and number is
right; `debates amend CYCLE minutes-N` or the field form's submission of the minutes fills them in.
`debates submit` records the full minutes first, then hands Prefect this shape.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field
from sqlalchemy.orm import Session

from models.stages.answers import grievances_by_reference
from models.stages.minutes import GrievanceIn, GrievanceText, MinutesFields, MinutesSubmission

SENSITIVE_TO_RECORD = (
    "sensible — texte à saisir par debates amend ou le formulaire de terrain / "
    "sensitive — text to record with debates amend or the field form"
)
"""The summary of a sensitive grievance counted in the Prefect UI's form, until its text is
recorded (`debates amend CYCLE minutes-N`, or the field form's submission of the minutes)."""
TO_RECORD = GrievanceIn(theme="sensible / sensitive", summary=SENSITIVE_TO_RECORD, sensitive=True)

MOST_SENSITIVE = 100
"""The most sensitive grievances the form counts for one session (a typo guard)."""


def _count_after_grievances(schema: dict[str, Any]) -> None:
    """The form shows the count right under the grievances it completes."""
    properties = schema["properties"]
    count = properties.pop("sensitive_grievances")
    ordered = {}
    for name, value in properties.items():
        ordered[name] = value
        if name == "grievances":
            ordered["sensitive_grievances"] = count
    schema["properties"] = ordered


class MinutesForm(MinutesFields):
    """Procès-verbal d'une séance (formulaire Prefect) / minutes of one session (the Prefect form).

    Sensitive grievances are counted, never typed: Prefect's database keeps what its forms take."""

    model_config = ConfigDict(json_schema_extra=_count_after_grievances)

    grievances: list[GrievanceText] = Field(
        default_factory=list,
        description="Griefs non sensibles seulement / grievances that are not sensitive only",
    )
    sensitive_grievances: Annotated[int, Field(ge=0, le=MOST_SENSITIVE)] = Field(
        default=0,
        description=(
            "Nombre de griefs sensibles. Leur texte ne se tape jamais ici : saisissez-le avec "
            "« debates amend CYCLE minutes-N --file pv.yaml --reason … » ou le formulaire de "
            "terrain (KoboToolbox / ODK). / Number of sensitive grievances. Their text is never "
            "typed here: record it with `debates amend CYCLE minutes-N --file minutes.yaml "
            "--reason …` or the field form (KoboToolbox / ODK)."
        ),
    )

    def as_submission(self) -> MinutesSubmission:
        """The minutes to record: the grievances typed, then a row "to record" per sensitive one
        (numbered after them: '1.3' is the first to record when two were typed)."""
        typed = [GrievanceIn(theme=g.theme, summary=g.summary) for g in self.grievances]
        fields = {name: getattr(self, name) for name in MinutesFields.model_fields}
        fields["grievances"] = [*typed, *[TO_RECORD] * self.sensitive_grievances]
        return MinutesSubmission.model_validate(fields)


def as_form(submission: MinutesSubmission) -> MinutesForm:
    """What `debates submit` hands to Prefect once the minutes are recorded here in full: the form's
    shape (the run's resume input and Prefect's UI keep it), the sensitive grievances counted.

    Built, not validated: the submission was, and a count beyond the form's typo guard is the
    server's to refuse (the run then catches up at the next reconcile)."""
    fields = {name: getattr(submission, name) for name in MinutesFields.model_fields}
    fields["grievances"] = [
        GrievanceText(theme=g.theme, summary=g.summary)
        for g in submission.grievances
        if not g.sensitive
    ]
    fields["sensitive_grievances"] = sum(g.sensitive for g in submission.grievances)
    return MinutesForm.model_construct(**fields)


def fills_to_record(recorded: MinutesSubmission, new: MinutesSubmission) -> bool:
    """True when `new` is the `recorded` minutes with the text of grievances the form counted
    given (each still sensitive), and nothing else changed: a field form's submission of minutes
    first entered in the Prefect UI, which may fill them in."""
    if len(recorded.grievances) != len(new.grievances) or recorded.model_dump(
        exclude={"grievances"}
    ) != new.model_dump(exclude={"grievances"}):
        return False
    pairs = zip(recorded.grievances, new.grievances, strict=True)
    changed = [(old, given) for old, given in pairs if old != given]
    return bool(changed) and all(
        old.summary == SENSITIVE_TO_RECORD and given.sensitive for old, given in changed
    )


def to_record(session: Session, cycle_id: int) -> list[str]:
    """The cycle's sensitive grievances still to be recorded, by number ('1.3'): what `debates
    show` and the cycle's state artifact tell the coordinator."""
    return [
        reference
        for reference, grievance in grievances_by_reference(session, cycle_id).items()
        if grievance.summary == SENSITIVE_TO_RECORD
    ]
