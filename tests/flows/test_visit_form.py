"""A visit's Resume form (flows/waiting.form_for): it starts from each tracked item as it stands and
lists them in the description of its `items` field, the part of the form the Prefect UI shows."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flows.waiting import form_for
from models.cycle.stepflow import WaitingStep
from models.followup.items import ItemState

ITEMS = (
    ItemState(1, "Baliser les couloirs", "Hamadoun Touré", date(2027, 1, 10), "in_progress", 30),
    ItemState(2, "Former les comités", None, date(2026, 12, 6), "planned", 0),
    ItemState(
        3, "Tenir une causerie", "Moussa Maïga", date(2026, 12, 11), "dropped", 0, "Dissoute"
    ),
)


def _step(items: tuple[ItemState, ...]) -> WaitingStep:
    return WaitingStep(
        cycle_id=1,
        cycle_label="Diré #1",
        name="visit-2",
        stage="follow_up",
        title="Visite de suivi n° 2",
        owner_role="coordinator",
        facilitator=None,
        due_at=datetime(2027, 5, 28, 18, tzinfo=UTC),
        revision=0,
        items=items,
    )


def test_a_visits_form_lists_each_item_with_its_current_status_and_starts_from_them() -> None:
    form = form_for(_step(ITEMS))
    items = form.model_json_schema()["properties"]["items"]
    listing = items["description"]
    assert "**n° 1** · Baliser les couloirs · Hamadoun Touré · échéance / deadline 2027-01-10" in (
        listing
    )
    assert "**in_progress 30 %**" in listing
    assert "Former les comités · responsable à désigner / owner not set" in listing
    assert "**dropped 0 %**" in listing
    assert items["default"] == [
        {"item": 1, "status": "in_progress", "progress": 30},
        {"item": 2, "status": "planned", "progress": 0},
        {"item": 3, "status": "dropped", "progress": 0, "reason": "Dissoute"},
    ]


def test_the_form_sent_as_it_starts_is_valid_input() -> None:
    form = form_for(_step(ITEMS))
    sent = form.model_validate(
        {"visited_on": "2027-05-20", "risk_of_violence": 2, "trust_in_institutions": 4}
    )
    data = sent.model_dump(mode="json")
    assert [(u["item"], u["status"], u["reason"]) for u in data["items"]] == [
        (1, "in_progress", None),
        (2, "planned", None),
        (3, "dropped", "Dissoute"),
    ]


def test_other_steps_keep_their_plain_form() -> None:
    form = form_for(_step(()))
    assert "items" in form.model_fields  # a visit of a cycle without items: the plain form
    assert form.model_fields["items"].description == (
        "Actions et engagements suivis / tracked items, as found at the visit"
    )
