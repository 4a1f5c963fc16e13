"""The report's figures for the small programme of tests/models/report_data.py, counted by hand,
on SQLite and PostgreSQL: the first quarter of 2026, an empty month, one funder, one region."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from models.errors import InvalidInput
from models.report.scope import ReportRequest, parse_period
from models.report.tables import Report, build_report
from tests.models.report_data import NOW, TODAY, seed


def report(session: Session, **request: Any) -> Report:
    seed(session)
    return build_report(session, ReportRequest(**request), today=TODAY, now=NOW)


def row(made: Report, table: str, pcode: str, **keys: str) -> dict[str, Any]:
    found = [
        r
        for r in made.tables[table]
        if r["pcode"] == pcode and all(r[k] == v for k, v in keys.items())
    ]
    assert len(found) == 1, (table, pcode, keys, found)
    return {k: v for k, v in found[0].items() if k not in ("level", "pcode", "name")}


def test_the_first_quarter_counted_by_hand(session: Session) -> None:
    made = report(session, period="2026Q1")
    # A launched 5 Jan and B 1 Feb (D is April's, C 2025's); A's plan handed over 10 Feb; C
    # cancelled 15 Jan; A closed after its visit 20 Mar.
    assert row(made, "cycles", "ML") == {
        "launched": 2,
        "completed": 1,
        "cancelled": 1,
        "closed_after_follow_up": 1,
        "plans_handed_over": 1,
    }
    # Sessions A1, A2 (postponed once), B1 held, B2 cancelled; C1 was in December.
    # 40 + 20 + 10 = 70 people in 3 sessions; women 12 + 0 + 5 = 17 (24.3 %); shares per session
    # 30 %, 0 %, 50 %: one below 30 % (A2, no woman), median 30 %; youth 6 + 8 = 14 (20 %).
    # A's baseline named herders (absent from A1 and A2), women and youth (absent from A2).
    assert row(made, "sessions", "ML") == {
        "scheduled": 4,
        "held": 3,
        "postponed": 1,
        "cancelled": 1,
        "with_minutes": 3,
        "participants": 70,
        "mean_per_session": 23.3,
        "women": 17,
        "women_share": 24.3,
        "below_target": 1,
        "median_women_share": 30.0,
        "youth": 14,
        "youth_share": 20.0,
        "missing_group": 2,
    }
    assert row(made, "participation", "ML", sex="F", age_band="25-59", group="women") == {
        "sex": "F",
        "age_band": "25-59",
        "group": "women",
        "participants": 11,
    }
    assert sum(r["participants"] for r in made.tables["participation"] if r["pcode"] == "ML") == 70
    assert {
        r["group"]: r["sessions"] for r in made.tables["absent_groups"] if r["pcode"] == "ML"
    } == {
        "herders": 2,
        "women": 1,
        "youth": 1,
    }
    # A's items due in the quarter: two plan actions done (one by its deadline), a commitment
    # dropped, one still open after its 30 March deadline (the 1 May one is not due).
    assert row(made, "follow_up", "ML", source="plan_action") == {
        "source": "plan_action",
        "due": 2,
        "done": 2,
        "on_time": 1,
        "overdue": 0,
        "dropped": 0,
    }
    assert row(made, "follow_up", "ML", source="commitment") == {
        "source": "commitment",
        "due": 2,
        "done": 0,
        "on_time": 0,
        "overdue": 1,
        "dropped": 1,
    }
    # Baselines: A from its start 5 Jan 00:00 to 10 Jan 12:00 (5.5 d), B 1 Feb to 9 Feb 12:00
    # (8.5 d): median 7. A's facilitation ends 1 Feb, 12 days after its scheduling (20 Jan).
    assert row(made, "stages", "ML", stage="baseline") == {
        "stage": "baseline",
        "finished": 2,
        "median_days": 7.0,
    }
    assert row(made, "stages", "ML", stage="facilitation")["median_days"] == 12.0
    assert row(made, "stages", "ML", stage="follow_up")["median_days"] == 38.0
    # 11 steps due: A's schedule and visit done late, B's schedule still open past due.
    assert row(made, "steps", "ML") == {"steps_due": 11, "steps_overdue": 3, "overdue_share": 27.3}
    # Only A is rated at its baseline and visited: risk 4 -> 2, trust 2 -> 4.
    assert row(made, "ratings", "ML") == {
        "cycles_measured": 1,
        "baseline_risk": 4.0,
        "last_risk": 2.0,
        "risk_change": -2.0,
        "baseline_trust": 2.0,
        "last_trust": 4.0,
        "trust_change": 2.0,
    }
    assert row(made, "cycles_by_stage", "ML", stage="scheduling")["cycles"] == 1


def test_by_region_and_cercle_a_session_with_no_women_pulls_the_median_down(
    session: Session,
) -> None:
    made = report(session, period="2026Q1")
    dire = row(made, "sessions", "ML0602")
    # Diré's two sessions: 12 women of 40 (30 %) and none of 20 (0 %): median 15 %.
    assert (dire["participants"], dire["women"], dire["below_target"]) == (60, 12, 1)
    assert (dire["women_share"], dire["median_women_share"]) == (20.0, 15.0)
    assert row(made, "sessions", "ML0603")["median_women_share"] == 50.0
    assert row(made, "cycles", "ML07") == {
        "launched": 0,
        "completed": 0,
        "cancelled": 1,
        "closed_after_follow_up": 0,
        "plans_handed_over": 0,
    }
    assert row(made, "ratings", "ML0603")["risk_change"] is None
    assert [r["pcode"] for r in made.tables["cycles"]] == [
        "ML",
        "ML06",
        "ML07",
        "ML0602",
        "ML0603",
        "ML0701",
    ]


def test_an_empty_period_counts_nothing_and_measures_nothing(session: Session) -> None:
    made = report(session, period="2025-06")
    assert made.scope.period.code == "202506"
    assert [r["pcode"] for r in made.tables["sessions"] if r["level"] == "area"] == ["ML"]
    sessions = row(made, "sessions", "ML")
    assert sessions["held"] == sessions["participants"] == sessions["below_target"] == 0
    assert sessions["women_share"] is None and sessions["median_women_share"] is None
    assert set(row(made, "cycles", "ML").values()) == {0}
    assert made.tables["participation"] == [] and made.tables["absent_groups"] == []
    assert row(made, "ratings", "ML")["cycles_measured"] == 0
    assert row(made, "ratings", "ML")["trust_change"] is None  # shown as "not yet measured"


def test_one_funder_whatever_its_case_and_one_region(session: Session) -> None:
    made = report(session, period="2026Q1", funder="Ue")
    # A ("UE") and C ("ue"); B has no funder.
    assert row(made, "cycles", "ML")["launched"] == 1
    assert row(made, "cycles", "ML")["cancelled"] == 1
    assert row(made, "sessions", "ML")["participants"] == 60
    request = ReportRequest(start="2026-01-01", end="2026-03-31", region="Tombouctou")
    made = build_report(session, request, today=TODAY, now=NOW)
    assert made.scope.pcode == "ML06" and made.scope.period.code == "2026-01-01..2026-03-31"
    assert {r["level"] for r in made.tables["cycles"]} == {"area", "cercle"}
    assert row(made, "cycles", "ML06")["cancelled"] == 0  # C is Gao's


@pytest.mark.parametrize(
    ("text", "first", "last", "code"),
    [
        ("2026Q1", "2026-01-01", "2026-03-31", "2026Q1"),
        ("2024q4", "2024-10-01", "2024-12-31", "2024Q4"),
        ("2026-02", "2026-02-01", "2026-02-28", "202602"),
        ("2028-02", "2028-02-01", "2028-02-29", "202802"),
        ("2025", "2025-01-01", "2025-12-31", "2025"),
    ],
)
def test_periods_are_read_as_dhis2_writes_them(text: str, first: str, last: str, code: str) -> None:
    period = parse_period(text)
    assert (period.first.isoformat(), period.last.isoformat(), period.code) == (first, last, code)


@pytest.mark.parametrize("text", ["2026Q5", "2026-13", "Q1", "mars"])
def test_a_period_that_is_none_of_the_forms_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"--period.*quarter"):
        parse_period(text)
