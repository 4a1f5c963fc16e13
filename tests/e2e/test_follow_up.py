"""After the handover (issue 13), on a real Prefect server: the follow-up stage end to end.

One domain (SQLite), one `debates serve`, an aiosmtpd receiver and headless Chromium for the module;
the CLI as a coordinator types it. Diré's cycle is carried through its handover from the CLI, then:
- the sweep, run at chosen moments (`debates sweep --now`), reminds an item's owner (a person of
  the commune's roster, e-mail) before its deadline once, escalates an overdue item to the region's
  coordinator once, and sends nothing for an item dropped while its reminder waited on a retry;
- visit-1 is recorded from the CLI, visit-2 through the Prefect UI's Resume form, which starts from
  each item and its current status; the last visit completes the cycle and its flow run.

Time: deadlines are set from today (Bamako), the sweeps are run at moments after it, and the
steps are recorded in the past (the CLI records "now", and refuses a visit still to come).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from deployments.serve import apply_deployments
from models.audit import AuditEvent
from models.clock import BAMAKO, utcnow
from models.cycle.cycle import Cycle
from models.followup.items import ItemUpdate, TrackedItem
from models.followup.visits import CLOSED_AFTER_LAST_VISIT
from models.reminders.ledger import Notification
from models.stages.follow_up import MonitoringVisit, VisitSubmission
from services.demo import FACILITATORS
from tests.e2e.browser import (
    form_properties,
    form_values,
    needs_chromium,
    open_resume_form,
    shoot,
    submit_resume_form,
)
from tests.e2e.conftest import (
    CliResult,
    Domain,
    Serving,
    forget_other_runs,
    make_domain,
    point_at,
    read_run,
    succeeding,
    wait_for,
    wait_suspended,
    write_input,
)
from tests.flows import inputs
from tests.notifications.receivers import Mailbox, smtp_server

pytestmark = [pytest.mark.prefect, needs_chromium]

DIRE = "ML060205"
MAYOR, FOCAL, YOUTH, COORDINATOR = (
    "maire@example.org",
    "pointfocal@example.org",
    "jeunes@example.org",
    "coord@example.org",
)


@dataclass
class FollowUp:
    domain: Domain
    mailbox: Mailbox
    serving: Serving
    home: Path
    today: date
    """Today in Bamako when the module started: every date of the cycle counts from it."""
    cycle_id: int
    run_id: str

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def moment(self, offset: int, hour: int) -> str:
        """`hour` o'clock in Bamako, `offset` days from today (ISO, for `debates sweep --now`)."""
        day = self.day(offset)
        return datetime(day.year, day.month, day.day, hour, tzinfo=BAMAKO).isoformat()


def _roster(mailbox: Mailbox, youth: str) -> str:
    """Diré's mayor, security focal point and youth lead, each with an e-mail address."""
    rows = [
        "commune,role,name,sex,locale,contacts,since",
        f"Diré,mayor,Hamadoun Touré (fictif),M,fr,{mailbox.url(MAYOR)},2022-01-10",
        f"Diré,security_focal_point,Fatoumata Cissé (fictive),F,fr,{mailbox.url(FOCAL)},",
        f"Diré,youth_lead,Moussa Maïga (fictif),M,fr,{mailbox.url(youth)},",
    ]
    return "\n".join(rows) + "\n"


def _people(mailbox: Mailbox) -> str:
    """The demo's fictional facilitators of Tombouctou, and the region's coordinator (e-mail)."""
    coordinator = (
        "Oumar Coordinateur (fictif),M,fr;son,ML060102,Tombouctou,,0,fr,"
        f"{mailbox.url(COORDINATOR)},coordinator,"
    )
    return FACILITATORS.read_text(encoding="utf-8").rstrip("\n") + "\n" + coordinator + "\n"


def _run(*args: str) -> None:
    from cli.app import run

    code = run(list(args))
    assert code == 0, f"debates {' '.join(args)} exited {code}"


@pytest.fixture(scope="module")
def follow_up(
    prefect_api: str,
    fresh_database: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[FollowUp]:
    forget_other_runs()  # another module's runs would carry cycle ids that mean other cycles here
    home = tmp_path_factory.mktemp("follow-up")
    domain = make_domain(fresh_database("sqlite"), home / "data")
    with smtp_server() as mailbox, pytest.MonkeyPatch.context() as env:
        point_at(env, domain)
        (home / "people.csv").write_text(_people(mailbox), encoding="utf-8")
        _run("facilitators", "import", str(home / "people.csv"))
        # The youth lead's address is refused at first (a typo): its reminder waits on a retry.
        (home / "roster.csv").write_text(_roster(mailbox, f"refuse-{YOUTH}"), encoding="utf-8")
        _run("roster", "import", str(home / "roster.csv"))
        # Registered, not served yet: the cycle's run stays Scheduled while its steps up to the
        # handover are recorded (the first test), then starts and replays to visit-1.
        apply_deployments()
        serving = Serving(domain, home / "serve.log")
        try:
            today = utcnow().astimezone(BAMAKO).date()
            _run("launch", "--commune", "Diré", "--start", str(today - timedelta(days=60)))
            with domain.session() as s:
                cycle = s.scalars(select(Cycle).where(Cycle.commune_pcode == DIRE)).one()
                assert cycle.flow_run_id is not None
                cycle_id, run_id = cycle.id, cycle.flow_run_id
            yield FollowUp(domain, mailbox, serving, home, today, cycle_id, run_id)
        finally:
            serving.stop()


@pytest.fixture
def cli(
    follow_up: FollowUp,
    use_domain: Callable[[Domain], None],
    debates: Callable[..., CliResult],
) -> Callable[..., CliResult]:
    """`debates …` in this process, on the module's domain; a failure shows what it printed."""
    use_domain(follow_up.domain)
    return succeeding(debates)


def _steps_to_handover(f: FollowUp) -> list[tuple[str, dict[str, Any]]]:
    """(step, input) from the baseline to the handover.

    Items: 1. the plan's first action, the mayor's, due in 40 days; 2. its second, the security
    focal point's, due in 5 days; 3. the first session's commitment, the youth lead's, in 10 days.
    """
    sessions = {
        "sessions": [
            {"starts_at": f"{f.day(days)}T09:00:00+00:00", "venue": "Mairie", "language": "son"}
            for days in (-30, -16)
        ]
    }
    first = inputs.minutes(f.day(-29))
    first["commitments"] = [
        {
            "party": "Association des jeunes",
            "action": "Tenir une causerie sur la transhumance",
            "deadline": str(f.day(10)),
        }
    ]
    second = inputs.minutes(f.day(-15)) | {"commitments": []}
    plan = inputs.plan(f.day(-5))
    plan["actions"][0]["deadline"] = str(f.day(40))
    plan["actions"].append(
        {
            "risk": "Attaques sur la route du fleuve",
            "action": "Former les comités de veille",
            "responsible_party": "Point focal sécurité",
            "deadline": str(f.day(5)),
            "resources": "Programme",
            "indicator": "Comités formés",
        }
    )
    return [
        ("baseline", inputs.baseline(f.day(-60))),
        ("schedule", sessions),
        ("session-1", inputs.held()),
        ("minutes-1", first),
        ("session-2", inputs.held()),
        ("minutes-2", second),
        ("plan", plan),
        ("handover", inputs.handover(f.day(-3))),
    ]


def _items(f: FollowUp) -> dict[int, tuple[str, str, int, str | None]]:
    """Each item's (title, status, progress, owner's name) by number."""
    with f.domain.session() as s:
        return {
            i.number: (i.title, i.status, i.progress, i.owner.name if i.owner else None)
            for i in s.scalars(select(TrackedItem).where(TrackedItem.cycle_id == f.cycle_id))
        }


def _ledger(f: FollowUp, number: int) -> list[tuple[str, str]]:
    """(rule, status) of item `number`'s notifications, oldest first."""
    with f.domain.session() as s:
        rows = s.execute(
            select(Notification.rule, Notification.status)
            .join(TrackedItem, TrackedItem.id == Notification.item_id)
            .where(TrackedItem.cycle_id == f.cycle_id, TrackedItem.number == number)
            .order_by(Notification.id)
        )
        return [(rule.split("-", 2)[2], status) for rule, status in rows]


def _subjects(f: FollowUp, to: str) -> list[str]:
    return [str(m["Subject"]) for m in f.mailbox.messages if to in str(m["To"])]


def test_a_cycle_carried_through_its_handover_waits_on_its_first_visit_with_its_items(
    follow_up: FollowUp, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """Recorded from the CLI while nothing serves the run (one flow-run process instead of nine:
    tests/e2e/test_cycle_flow.py resumes the run at each step); once served, the run reads from
    the database where the cycle stands and waits on visit-1."""
    f = follow_up
    for step, data in _steps_to_handover(f):
        done = cli("submit", str(f.cycle_id), step, "--file", write_input(tmp_path, step, data))
        assert "it reads the new state from the database" in done.out, done.out  # Scheduled, Late
    f.serving.start()
    wait_suspended(f.run_id, "visit-1-")

    assert _items(f) == {
        1: ("Baliser les couloirs", "planned", 0, "Hamadoun Touré (fictif)"),
        2: ("Former les comités de veille", "planned", 0, "Fatoumata Cissé (fictive)"),
        3: ("Tenir une causerie sur la transhumance", "planned", 0, "Moussa Maïga (fictif)"),
    }
    shown = json.loads(cli("show", str(f.cycle_id), "--json").out)
    assert shown["waiting_step"] == "visit-1"
    template = cli("submit", str(f.cycle_id), "visit-1", "--template").out
    assert "# 1. Baliser les couloirs · Hamadoun Touré (fictif)" in template
    assert f"échéance / deadline {f.day(5)} · now planned 0%" in template
    filled = yaml.safe_load(template) | {"risk_of_violence": 3, "trust_in_institutions": 3}
    assert [u.item for u in VisitSubmission.model_validate(filled).items] == [1, 2, 3]


def test_a_dropped_items_reminder_waiting_on_a_retry_is_not_sent(
    follow_up: FollowUp, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """Item 3's reminder a week before its deadline fails (the youth lead's address is refused)
    and waits on a retry; the address is mended, visit-1 (CLI) drops the item, and the sweep after
    the retry's time sends it nothing."""
    f = follow_up
    cli("sweep", "--now", f.moment(3, 9))
    assert _ledger(f, 3) == [("before-7d", "failed")]
    (f.home / "roster.csv").write_text(_roster(f.mailbox, YOUTH), encoding="utf-8")
    cli("roster", "import", str(f.home / "roster.csv"))

    visit = inputs.visit(
        f.day(-2),
        [
            {"item": 1, "status": "in_progress", "progress": 30, "note": "Bornes commandées"},
            {"item": 3, "status": "dropped", "progress": 0, "reason": "Association dissoute"},
        ],
    )
    done = cli(
        "submit", str(f.cycle_id), "visit-1", "--file", write_input(tmp_path, "visit-1", visit)
    )
    assert "flow run resumed" in done.out, done.out
    wait_suspended(f.run_id, "visit-2-")
    assert _ledger(f, 3) == [("before-7d", "cancelled")]

    cli("sweep", "--now", f.moment(3, 12))  # past the retry's time (15 minutes)

    assert _ledger(f, 3) == [("before-7d", "cancelled")]
    assert _subjects(f, YOUTH), "the mended address receives nothing: the check proves nothing"
    assert not [s for s in _subjects(f, YOUTH) if "action n° 3 " in s]


def test_an_overdue_item_escalates_to_the_regions_coordinator_once(
    follow_up: FollowUp, cli: Callable[..., CliResult]
) -> None:
    """Item 2 was due in 5 days: 15 and 16 days later, one escalation."""
    f = follow_up
    cli("sweep", "--now", f.moment(20, 9))
    cli("sweep", "--now", f.moment(21, 9))

    escalations = [s for s in _subjects(f, COORDINATOR) if "action n° 2 " in s]
    assert escalations == ["Escalade : action n° 2 en retard — Diré, 15 j"], escalations
    assert Counter(rule for rule, _ in _ledger(f, 2))["escalation"] == 1
    assert not [s for s in _subjects(f, COORDINATOR) if "action n° 1 " in s]


def test_the_item_owner_gets_the_reminder_before_the_deadline_once(
    follow_up: FollowUp, cli: Callable[..., CliResult]
) -> None:
    """Item 1 is due in 40 days: swept twice the week before, the mayor is reminded once."""
    f = follow_up
    cli("sweep", "--now", f.moment(33, 9))
    cli("sweep", "--now", f.moment(33, 15))

    reminders = [s for s in _subjects(f, MAYOR) if s.startswith("Rappel : action n° 1 ")]
    due = f.day(40)
    assert len(reminders) == 1, reminders
    assert reminders[0].startswith("Rappel : action n° 1 du plan de sécurité — Diré, échéance le")
    assert str(due.year) in reminders[0]
    assert _ledger(f, 1) == [("before-7d", "sent")]
    assert Counter(rule for rule, _ in _ledger(f, 2))["escalation"] == 1  # still once


def _fill_in_visit(driver: Any, day: date) -> None:
    """What the coordinator types: the visit's date, item 2 done, risk 2 and trust 4."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    [visited_on] = form_properties(driver, "Visited On")
    visited_on.find_element(By.TAG_NAME, "input").send_keys(f"{day:%m%d%Y}")  # en-US date input
    second = form_properties(driver, "Status")[1]
    Select(second.find_element(By.TAG_NAME, "select")).select_by_value("done")
    for label, rating in (("Risk Of Violence", "2"), ("Trust In Institutions", "4")):
        [field] = form_properties(driver, label)
        field.find_element(By.TAG_NAME, "input").send_keys(rating)


def test_visit_2_through_the_resume_form_completes_the_cycle_and_its_run(
    follow_up: FollowUp, cli: Callable[..., CliResult], prefect_ui: str, browser: Any
) -> None:
    """The Resume form shows each item with its current status (listed in its items field's
    description, and in the entries it starts from); the coordinator types what the visit found
    and submits; the last visit completes the cycle and the same flow run ends Completed."""
    f = follow_up
    wait_suspended(f.run_id, "visit-2-")
    text = " ".join(
        open_resume_form(
            browser,
            prefect_ui,
            f.run_id,
            "tracked items as they stand",
            "Date de la visite / date of the visit",
            "Trust In Institutions",
            shot="follow-up-1-resume-form",
        ).split()
    )
    for row in (
        f"n° 1 · Baliser les couloirs · Hamadoun Touré (fictif) · échéance / deadline {f.day(40)}"
        " · in_progress 30 %",
        f"n° 2 · Former les comités de veille · Fatoumata Cissé (fictive) · échéance / deadline "
        f"{f.day(5)} · planned 0 %",
        f"n° 3 · Tenir une causerie sur la transhumance · Moussa Maïga (fictif) · échéance / "
        f"deadline {f.day(10)} · dropped 0 %",
    ):
        assert row in text, text
    numbers, statuses, progress = form_values(browser, "Item", "Status", "Progress")
    assert list(zip(numbers, statuses, progress, strict=True)) == [
        ("1", "in_progress", "30"),
        ("2", "planned", "0"),
        ("3", "dropped", "0"),
    ]

    _fill_in_visit(browser, f.today)
    shoot(browser, "follow-up-2-filled")
    submit_resume_form(browser, f.run_id)

    final = wait_for(
        lambda: (r := read_run(f.run_id)).state and r.state.is_final() and r,
        timeout=180,
        what="the cycle's flow run to finish after its last visit",
    )
    shoot(browser, "follow-up-3-submitted")
    assert final.state.is_completed(), final.state
    assert _items(f) == {
        1: ("Baliser les couloirs", "in_progress", 30, "Hamadoun Touré (fictif)"),
        2: ("Former les comités de veille", "done", 100, "Fatoumata Cissé (fictive)"),
        3: ("Tenir une causerie sur la transhumance", "dropped", 0, "Moussa Maïga (fictif)"),
    }
    with f.domain.session() as s:
        cycle = s.get(Cycle, f.cycle_id)
        assert cycle is not None
        assert (cycle.status, cycle.close_reason) == ("completed", CLOSED_AFTER_LAST_VISIT)
        visit = s.scalars(select(MonitoringVisit).where(MonitoringVisit.number == 2)).one()
        assert (visit.visited_on, visit.risk_of_violence, visit.trust_in_institutions) == (
            f.today,
            2,
            4,
        )
        timeline = s.execute(
            select(TrackedItem.number, ItemUpdate.status, MonitoringVisit.number)
            .join(ItemUpdate, ItemUpdate.item_id == TrackedItem.id)
            .join(MonitoringVisit, MonitoringVisit.id == ItemUpdate.visit_id)
            .order_by(ItemUpdate.id)
        ).all()
        recorded_by = s.scalars(
            select(AuditEvent.actor)
            .where(AuditEvent.action == "visit.recorded")
            .order_by(AuditEvent.id)
        ).all()
    # Item 3, dropped at visit-1, came back in the form as it stood: no copy in its timeline.
    assert [tuple(row) for row in timeline] == [
        (1, "in_progress", 1),
        (3, "dropped", 1),
        (1, "in_progress", 2),
        (2, "done", 2),
    ]
    assert recorded_by[0] == "coordinatrice-test"  # visit-1, from the CLI
    assert recorded_by[1].startswith("prefect-ui:")  # visit-2, from the Resume form
    shown = json.loads(cli("show", str(f.cycle_id), "--json").out)
    assert shown["status"] == "completed"
