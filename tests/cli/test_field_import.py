"""`debates import kobo|odk FILE` as a coordinator types it, on SQLite and PostgreSQL, with no
Prefect server (the steps are recorded; the runs catch up at the next reconcile, as with submit):
bad submissions are rejected by name while the others are recorded, a second import changes
nothing, an edited submission becomes an amendment with its audit entry."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.cycle.cycle import Cycle
from models.cycle.launch import launch_cycle
from models.cycle.stepflow import apply_submission
from models.fieldforms.imported import FieldSubmission
from models.geography.places import Commune
from models.policy import CyclePolicy
from models.stages.baseline import BaselineStudy
from models.stages.minutes import AttendanceCount, Grievance, Minutes
from models.stages.minutes_form import SENSITIVE_TO_RECORD, MinutesForm
from tests import kobo_exports as export
from tests.flows import inputs

PAST = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
START = PAST.date()
LATER = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _cycle(session: Session, pcode: str) -> Cycle:
    cycle = launch_cycle(
        session,
        session.get_one(Commune, pcode),
        start_on=START,
        policy=CyclePolicy(),
        actor="coordinator",
        now=PAST,
    )
    session.flush()
    return cycle


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _state(session: Session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(
        _count(session, m)
        for m in (BaselineStudy, Minutes, AttendanceCount, AuditEvent, FieldSubmission)
    )


def _baseline(cycle: int, commune: str, day: str, root: str, **changed: Any) -> export.Submission:
    answers = export.baseline_answers(cycle, commune, day) | changed
    return export.Submission(answers, root, f"{root}-v1", LATER, kobo_id=len(root))


def test_bad_submissions_are_rejected_by_name_the_others_recorded_once_and_an_edit_amends(
    session: Session, debates: Any, tmp_path: Path
) -> None:
    dire, tilemsi = _cycle(session, "ML060205"), _cycle(session, "ML060314")
    day = str(START + timedelta(days=3))
    good = _baseline(dire.id, "ML060205", day, "good")
    unknown = _baseline(9999, "ML060205", day, "unknown")
    bad_date = _baseline(tilemsi.id, "ML060314", "2026-02-30", "bad-date")
    elsewhere = _baseline(tilemsi.id, "ML060205", day, "elsewhere")
    path = export.kobo_xlsx(
        tmp_path / "baseline.xlsx", "Étude de base", [unknown, good, bad_date, elsewhere]
    )

    first = debates("import", "kobo", str(path))
    assert first.code == 1, first.out + first.err
    lines = {line.split()[2]: line for line in first.out.splitlines() if line.startswith("row ")}
    assert "recorded" in lines["good"] and "rejected" not in lines["good"]
    assert (
        "rejected" in lines["unknown"] and "field cycle: there is no cycle 9999" in lines["unknown"]
    )
    assert "rejected" in lines["bad-date"] and "field completed_on" in lines["bad-date"]
    assert f"(cycle {tilemsi.id} baseline)" in lines["bad-date"]
    assert "rejected" in lines["elsewhere"] and "field commune" in lines["elsewhere"]
    assert "1 recorded, 0 already recorded, 0 amended, 3 rejected" in first.out
    assert session.scalars(select(BaselineStudy.cycle_id)).all() == [dire.id]
    before = _state(session)

    again = debates("import", "kobo", str(path))
    assert again.code == 1
    assert "0 recorded, 1 already recorded, 0 amended, 3 rejected" in again.out
    assert _state(session) == before

    edited = export.Submission(
        good.answers | {"summary": "Tensions foncières entre éleveurs et agriculteurs."},
        "good",
        "good-v2",
        LATER + timedelta(hours=2),
        kobo_id=good.kobo_id,
    )
    edit = debates(
        "import", "kobo", str(export.kobo_xlsx(tmp_path / "edit.xlsx", "Étude", [edited]))
    )
    assert edit.code == 0, edit.out
    assert "amended" in edit.out and "summary" in edit.out
    session.expire_all()
    study = session.scalars(select(BaselineStudy)).one()
    assert study.summary.startswith("Tensions foncières")
    amended = session.scalars(select(AuditEvent).where(AuditEvent.action == "step.amended")).one()
    assert amended.cycle_id == dire.id and "kobo" in (amended.reason or "")
    assert amended.actor.startswith("import:kobo:")
    # The first version again (an old export) is no step back: it was imported already.
    old = debates("import", "kobo", str(path))
    assert "0 amended" in old.out and _count(session, BaselineStudy) == 1
    session.expire_all()
    assert session.scalars(select(BaselineStudy)).one().summary.startswith("Tensions foncières")


def _hold_first_session(session: Session, cycle_id: int) -> None:
    """Diré's cycle carried to its first session's minutes, as the CLI would record it."""
    for step, data in (
        ("baseline", inputs.baseline(START)),
        ("schedule", inputs.schedule(START)),
        ("session-1", inputs.held()),
    ):
        apply_submission(session, cycle_id, step, data, actor="awa", now=LATER)


def _odk_minutes(cycle_id: int, held_on: date, version: str) -> export.Submission:
    """ODK Central's submission of Diré's minutes-1 (root id and version `version`)."""
    return export.Submission(
        export.minutes_answers(cycle_id, "ML060205", 1, str(held_on)),
        version,
        version,
        LATER,
        export.minutes_repeats(str(held_on + timedelta(days=30))),
    )


def test_odk_central_minutes_with_their_repeat_files_are_recorded_once(
    session: Session, debates: Any, tmp_path: Path
) -> None:
    cycle = _cycle(session, "ML060205")
    _hold_first_session(session, cycle.id)
    session.flush()
    held_on: date = START + timedelta(days=41)
    minutes = _odk_minutes(cycle.id, held_on, "odk-1")
    path = export.odk_zip(tmp_path / "debates_minutes.zip", "debates_minutes", [minutes])

    first = debates("import", "odk", str(path))
    assert first.code == 0, first.out + first.err
    assert f"cycle {cycle.id} minutes-1): recorded" in first.out
    recorded = session.scalars(select(Minutes)).one()
    assert sorted(a.count for a in recorded.attendance) == [12, 18]
    assert [g.sensitive for g in recorded.grievances] == [True]
    before = _state(session)
    again = debates("import", "odk", str(path))
    assert again.code == 0 and "already recorded" in again.out
    assert _state(session) == before

    # A second version that Central's reviewer rejected is set aside: not imported, no error.
    minutes.version, minutes.review = "odk-1-bis", "rejected"
    minutes.answers |= {"validated_by": "Quelqu'un d'autre"}
    path = export.odk_zip(tmp_path / "reviewed.zip", "debates_minutes", [minutes])
    reviewed = debates("import", "odk", str(path))
    assert reviewed.code == 0, reviewed.out
    assert "set aside — rejected in ODK Central's review" in reviewed.out
    assert _state(session) == before


def test_field_minutes_fill_in_the_sensitive_grievances_the_prefect_form_counted(
    session: Session, debates: Any, tmp_path: Path
) -> None:
    """Minutes entered in the Prefect UI count their sensitive grievances without their text; the
    field form's submission of the same minutes, with that text, amends the rows in place."""
    cycle = _cycle(session, "ML060205")
    _hold_first_session(session, cycle.id)
    held_on: date = START + timedelta(days=41)
    counted = MinutesForm.model_validate(
        inputs.minutes(held_on) | {"grievances": [], "sensitive_grievances": 1}
    )
    apply_submission(
        session, cycle.id, "minutes-1", counted.as_submission(), actor="prefect-ui:x", now=LATER
    )
    session.flush()
    [row] = session.scalars(select(Grievance)).all()
    assert (row.summary, row.sensitive) == (SENSITIVE_TO_RECORD, True)
    minutes = _odk_minutes(cycle.id, held_on, "odk-2")
    path = export.odk_zip(tmp_path / "debates_minutes.zip", "debates_minutes", [minutes])

    result = debates("import", "odk", str(path))
    assert result.code == 0, result.out + result.err
    assert f"cycle {cycle.id} minutes-1): amended" in result.out
    session.expire_all()
    [filled] = session.scalars(select(Grievance)).all()
    assert (filled.id, filled.theme, filled.summary, filled.sensitive) == (
        row.id,
        "foncier",
        "Champs occupés",
        True,
    )
    assert session.scalars(select(FieldSubmission.root_id)).all() == ["odk-2"]
    assert "Champs occupés" not in str(
        session.scalars(select(AuditEvent.after).where(AuditEvent.action == "step.amended")).one()
    )


def test_an_edited_session_outcome_from_the_api_json_is_rejected_saying_what_to_do(
    session: Session, debates: Any, tmp_path: Path
) -> None:
    cycle = _cycle(session, "ML060205")
    for step, data in (("baseline", inputs.baseline(START)), ("schedule", inputs.schedule(START))):
        apply_submission(session, cycle.id, step, data, actor="awa", now=LATER)
    session.flush()
    answers = {"debates_form": "debates_session", "commune": "ML060205", "cycle": cycle.id}
    held = export.Submission(answers | {"session": 1, "outcome": "held"}, "s-1", "s-1", LATER)
    path = tmp_path / "sessions.json"
    path.write_text(json.dumps(export.kobo_json_page([held])), encoding="utf-8")
    first = debates("import", "kobo", str(path))
    assert first.code == 0 and f"(cycle {cycle.id} session-1): recorded" in first.out

    held.version = "s-1-edited"
    held.answers |= {"outcome": "cancelled", "reason": "insécurité"}
    path.write_text(json.dumps(export.kobo_json_page([held])), encoding="utf-8")
    edited = debates("import", "kobo", str(path))
    assert edited.code == 1
    assert "rejected — edited submission: a session's outcome is not corrected" in edited.out


def test_a_second_submission_for_a_recorded_step_never_amends_it_and_one_odd_row_blocks_nothing(
    session: Session, debates: Any, tmp_path: Path
) -> None:
    dire = _cycle(session, "ML060205")
    day = str(START + timedelta(days=3))
    first = _baseline(dire.id, "ML060205", day, "first")
    same = _baseline(dire.id, "ML060205", day, "same")
    other = _baseline(dire.id, "ML060205", day, "other", summary="Une autre étude.")
    answers = export.baseline_answers(dire.id, "ML060205", day) | {"cycle": "9" * 20}
    huge = export.Submission(answers, "huge", "huge-v1", LATER, kobo_id=4)
    path = tmp_path / "baselines.json"
    path.write_text(json.dumps(export.kobo_json_page([huge, first, same, other])), "utf-8")

    result = debates("import", "kobo", str(path))
    assert result.code == 1, result.out + result.err
    listed = result.out.splitlines()
    lines = {line.split()[2]: line for line in listed if line.startswith("submission ")}
    assert "recorded" in lines["first"] and "rejected" not in lines["first"]
    assert "already recorded" in lines["same"] and "same answers" in lines["same"]
    assert "rejected" in lines["other"] and "differs in summary" in lines["other"]
    assert f"debates amend {dire.id} baseline" in lines["other"]
    assert "rejected" in lines["huge"] and "field cycle" in lines["huge"]
    marked = session.scalars(select(FieldSubmission.root_id)).all()
    assert marked == ["first"]  # only the submission that recorded the step is its source

    # An edit of the rejected duplicate is rejected again: it never amends the record.
    edited = export.Submission(
        other.answers, "other", "other-v2", LATER + timedelta(hours=1), kobo_id=other.kobo_id
    )
    path.write_text(json.dumps(export.kobo_json_page([edited])), "utf-8")
    before = _state(session)
    again = debates("import", "kobo", str(path))
    assert again.code == 1 and "differs in summary" in again.out
    assert _state(session) == before
    session.expire_all()
    assert session.scalars(select(BaselineStudy.summary)).one() == first.answers["summary"]
