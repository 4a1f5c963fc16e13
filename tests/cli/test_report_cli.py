"""`debates report` in its five formats and `debates funder`, as a manager types them, on SQLite
and PostgreSQL: the same figures in each format, files where asked, bad input refused in one line
with nothing written; a funder set at launch, changed, audited and reported on."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.clock import utcnow
from models.cycle.cycle import Cycle
from models.cycle.launch import LaunchRequest
from services.launch import record_launches
from tests.models.report_data import seed


def test_every_format_says_the_same(debates, session: Session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seed(session)
    session.commit()
    as_json = debates("report", "--period", "2026Q1", "--format", "json")
    assert as_json.code == 0, as_json.err
    tables = json.loads(as_json.out)["tables"]
    area = tables["sessions"][0]
    assert (area["pcode"], area["participants"], area["below_target"]) == ("ML", 70, 1)
    table = debates("report", "--period", "2026Q1")
    assert table.code == 0
    assert "Mali (ML)" in table.out and "Tombouctou (ML06)" in table.out
    assert "median_women_share" in table.out
    rows = list(
        csv.DictReader(io.StringIO(debates("report", "--period", "2026Q1", "--format", "csv").out))
    )
    launched = {r["org_unit"]: int(r["value"]) for r in rows if r["indicator"] == "cycles.launched"}
    assert launched == {r["pcode"]: r["launched"] for r in tables["cycles"]}
    out = tmp_path / "r.xlsx"
    written = debates("report", "--period", "2026Q1", "--format", "xlsx", "--out", str(out))
    assert written.code == 0 and out.stat().st_size > 4000
    html = debates("report", "--period", "2026Q1", "--format", "html", "--lang", "en")
    assert html.code == 0
    saved = Path(html.out.split("Report written to ", 1)[1].strip())
    assert saved.name == "debates-results-2026Q1-ml.html" and saved.parent.name == "reports"
    assert "Programme results: Mali" in saved.read_text(encoding="utf-8")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # input checks, no query
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026Q5"], "--period: '2026Q5' is not a period"),
        (["--period", "2026Q1", "--from", "2026-01-01", "--to", "2026-02-01"], "not both"),
        (["--from", "2026-01-01"], "--from and --to go together"),
        (["--from", "2026-03-01", "--to", "2026-01-01"], "--to: 2026-01-01 is before --from"),
        (["--region", "Tombouctou", "--cercle", "Goundam"], "--region or --cercle"),
        (["--region", "Tombuctu"], "Unknown region 'Tombuctu'"),
        (["--lang", "de"], "--lang: 'de'"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(  # type: ignore[no-untyped-def]
    debates, db_url: str, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "r.html"
    result = debates("report", *args, "--format", "html", "--out", str(out))
    assert result.code == 1
    assert message in result.err and result.err.startswith("Error:")
    assert not out.exists()


def test_a_funder_set_at_launch_changed_and_reported_on(debates, session: Session) -> None:  # type: ignore[no-untyped-def]
    today = utcnow().date()
    report = record_launches(
        LaunchRequest(communes=["Diré", "Tonka"], start_on=today, funder="Union européenne"),
        who="coordinatrice",
    )
    dire, tonka = (run.cycle_id for run in report.launched)
    assert session.scalar(select(Cycle.funder).where(Cycle.id == dire)) == "Union européenne"
    changed = debates("funder", str(tonka), "--set", "  PNUD-PBF ")
    assert changed.code == 0 and "1 cycle(s) tagged 'PNUD-PBF'" in changed.out
    again = debates("funder", str(tonka), "--set", "PNUD-PBF")
    assert "Nothing changed" in again.out
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "cycle.funder"))
    assert event is not None and event.cycle_id == tonka
    period = f"{today.year}"
    for funder, launched in (("union européenne", 1), ("PNUD-PBF", 1), ("AFD", 0)):
        result = debates("report", "--period", period, "--funder", funder, "--format", "json")
        made = json.loads(result.out)
        assert made["report"]["funder"] == funder
        assert made["tables"]["cycles"][0]["launched"] == launched, funder
    assert debates("funder", str(dire), "--clear").code == 0
    assert session.scalar(select(Cycle.funder).where(Cycle.id == dire)) is None


def test_funder_refuses_what_it_cannot_do_and_changes_nothing(debates, session: Session) -> None:  # type: ignore[no-untyped-def]
    seed(session)
    session.commit()
    known = session.scalar(select(Cycle.id).order_by(Cycle.id))
    for args, message in (
        ([str(known)], "give --set NAME, or --clear"),
        ([str(known), "--set", "UE", "--clear"], "give --set NAME, or --clear"),
        ([str(known), "9999", "--set", "AFD"], "No cycle with id 9999"),
        ([str(known), "--set", "x" * 121], "give at most 120"),
    ):
        result = debates("funder", *args)
        assert result.code == 1 and message in result.err, (args, result.err)
    assert session.scalar(select(Cycle.funder).where(Cycle.id == known)) == "UE"
