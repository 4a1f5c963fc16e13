"""Deadlines that follow the field (issue 15), on a real Prefect server with a real serving process,
real receivers (aiosmtpd for the coordinator's e-mail, an HTTP webhook for the manager and the
facilitators) and the CLI as a coordinator types it.

One domain and one `debates serve` per backend (the server is the e2e session's), and two cycles
launched together (their runs start side by side):
- Ber, launched 90 days ago and left alone: the sweep chases the baseline only, once per level; the
  baseline recorded late moves the later deadlines and the run goes on to the schedule.
- Diré, launched 38 days ago, its baseline late too, carried through its first minutes, amended,
  paused for insecurity, swept 30 days on, resumed, swept again; its history lists all of it, newest
  first, on the CLI and on the server.

Time: the sweep takes `--now`. Resume reads the clock (a coordinator resumes "now"), so the 30 days
of the pause pass by moving the clock `services.pause` reads, at the edge; nothing else is faked,
and the resume is the last thing the CLI records, so the audit trail stays in the order it happened.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from models.audit import AuditEvent
from models.clock import BAMAKO, utcnow
from models.cycle.cycle import Cycle, Step
from models.cycle.document import Document
from models.cycle.pause import CyclePause
from models.cycle.plan import plan_cycle
from models.policy import CyclePolicy
from models.reminders.ledger import Notification
from orchestrator.artifacts import latest_artifact
from tests.e2e.conftest import (
    CliResult,
    Domain,
    Serving,
    forget_other_runs,
    make_domain,
    point_at,
    read_run,
    succeeding,
    wait_suspended,
    write_input,
)
from tests.flows import inputs
from tests.notifications.receivers import Mailbox, Webhook, smtp_server, webhook

pytestmark = pytest.mark.prefect

BER_DAYS, DIRE_DAYS = 90, 38
"""How long ago each cycle was launched."""
CHASING = ("before-", "due-today", "overdue-", "escalation-")
"""Ledger rules that chase a step (reminders and escalations), as opposed to notices."""


@dataclass
class Field:
    domain: Domain
    mailbox: Mailbox
    hook: Webhook
    serving: Serving
    today: date
    """Today in Bamako when the module started: the launch dates count back from it."""
    ber: tuple[int, str]
    """Ber's cycle id and flow run id."""
    dire: tuple[int, str]


PEOPLE_HEADER = (
    "name,sex,languages,home_commune,regions,affiliations,max_cycles,locale,contacts,role"
)


def _people(mailbox: Mailbox, hook: Webhook) -> str:
    """The coordinator of Tombouctou with an e-mail address, a manager on a webhook, and four
    fictional facilitators of Tombouctou, each on their own webhook path."""
    facilitators = [
        ("Aminata Démo (fictive)", "F", "son;fr;bm", "ML060106"),
        ("Ibrahim Exemple (fictif)", "M", "son;taq;fr", "ML060205"),
        ("Mariam Essai (fictive)", "F", "taq;ar;fr", "ML060301"),
        ("Hamadoun Test (fictif)", "M", "ff;son;fr", "ML060401"),
    ]
    rows = [
        PEOPLE_HEADER,
        "Oumar Coordinateur (fictif),M,fr;son,ML060102,Tombouctou,,0,fr,"
        f"{mailbox.url('oumar@example.org')},coordinator",
        f"Fatoumata Gestionnaire (fictive),F,fr,ML060102,,,0,fr,{hook.url('manager')},manager",
        *(
            f"{name},{sex},{languages},{home},Tombouctou,,4,fr,{hook.url(f'facilitator-{n}')},"
            "facilitator"
            for n, (name, sex, languages, home) in enumerate(facilitators)
        ),
    ]
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def field(
    request: pytest.FixtureRequest,
    prefect_api: str,
    fresh_database,  # type: ignore[no-untyped-def]
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Field]:
    from cli.app import run

    forget_other_runs()  # from an earlier backend, or another module: cycle ids of other databases
    home = tmp_path_factory.mktemp("field")
    domain = make_domain(fresh_database(request.param), home / "data")
    with smtp_server() as mailbox, webhook() as hook, pytest.MonkeyPatch.context() as env:
        point_at(env, domain)
        people = home / "people.csv"
        people.write_text(_people(mailbox, hook), encoding="utf-8")
        assert run(["facilitators", "import", str(people)]) == 0
        serving = Serving(domain, home / "serve.log")
        serving.start()
        try:
            today = utcnow().astimezone(BAMAKO).date()
            for commune, days_ago in (("Ber", BER_DAYS), ("Diré", DIRE_DAYS)):
                start = str(today - timedelta(days=days_ago))
                assert run(["launch", "--commune", commune, "--start", start]) == 0
            cycles = _cycle_ids(domain, "ML060102"), _cycle_ids(domain, "ML060205")
            yield Field(domain, mailbox, hook, serving, today, *cycles)
        finally:
            serving.stop()


@pytest.fixture
def cli(
    field: Field,
    use_domain: Callable[[Domain], None],
    debates: Callable[..., CliResult],
) -> Callable[..., CliResult]:
    """`debates …` in this process, on the module's domain; a failure shows what it printed."""
    use_domain(field.domain)
    return succeeding(debates)


def _cycle_ids(domain: Domain, pcode: str) -> tuple[int, str]:
    with domain.session() as s:
        cycle = s.scalars(select(Cycle).where(Cycle.commune_pcode == pcode)).one()
        assert cycle.flow_run_id is not None
        return cycle.id, cycle.flow_run_id


def _dues(cli: Callable[..., CliResult], cycle_id: int) -> dict[str, tuple[str, datetime]]:
    """Each step's (status, due date), as `debates show --json` gives them."""
    shown = json.loads(cli("show", str(cycle_id), "--json").out)
    return {s["name"]: (s["status"], datetime.fromisoformat(s["due_at"])) for s in shown["steps"]}


def _told(domain: Domain, cycle_id: int, since_id: int = 0) -> Counter[tuple[str, str]]:
    """(step, rule) of the cycle's ledger rows after `since_id` (claimed, sent or failed)."""
    with domain.session() as s:
        rows = s.execute(
            select(Step.name, Notification.rule)
            .join(Step, Step.id == Notification.step_id)
            .where(Step.cycle_id == cycle_id, Notification.id > since_id)
        )
        return Counter((name, rule) for name, rule in rows)


def _last_notification(domain: Domain) -> int:
    with domain.session() as s:
        return max(s.scalars(select(Notification.id)), default=0)


def _heard(field: Field) -> tuple[int, int]:
    """How many messages each receiver holds: (e-mails, webhook posts)."""
    return len(field.mailbox.messages), len(field.hook.received)


def _said_since(field: Field, heard: tuple[int, int]) -> list[str]:
    """Subject and body of every message received since `heard`."""
    mails = [
        f"{m['Subject']}\n{m.get_body(('plain', 'html')).get_content()}"  # type: ignore[union-attr]
        for m in field.mailbox.messages[heard[0] :]
    ]
    posts = [f"{p['title']}\n{p['message']}" for p in field.hook.received[heard[1] :]]
    return mails + posts


def _moment(day: date, hour: int) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=BAMAKO).isoformat()


def test_a_cycle_left_90_days_is_chased_once_per_level_about_its_baseline_then_replanned(
    field: Field, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    start = field.today - timedelta(days=BER_DAYS)
    ber, run_id = field.ber
    wait_suspended(run_id, "baseline-")
    planned = _dues(cli, ber)
    heard = _heard(field)

    now = utcnow()
    swept = cli("sweep", "--now", now.isoformat())

    assert "steps newly overdue" in swept.out
    told = _told(field.domain, ber)
    chasing = Counter({key: n for key, n in told.items() if key[1].startswith(CHASING)})
    assert {step for step, _rule in chasing} == {"baseline"}, told
    owner = [rule for _step, rule in chasing if not rule.startswith("escalation-")]
    assert len(owner) <= 1, told
    assert chasing[("baseline", "escalation-coordinator")] == 1
    assert chasing[("baseline", "escalation-manager")] == 1
    said = [text for text in _said_since(field, heard) if re.search(r"\bBer\b", text)]
    subjects = [text.split("\n", 1)[0] for text in said]
    assert sum(s.startswith("Escalade :") for s in subjects) == 1, subjects
    assert sum(s.startswith("Escalade (gestionnaire)") for s in subjects) == 1, subjects
    assert sum(s.startswith("En retard") for s in subjects) <= 1, subjects
    later_titles = ("Tenir le débat", "Procès-verbal du débat", "Remettre le plan", "Rédiger")
    assert not [t for t in said if any(title in t for title in later_titles)], said
    # How far the cycle has slipped: 69 days past the baseline's due date (launch + 21), counted
    # in started days, so 70 once the day's due hour has passed.
    late = math.ceil((now - planned["baseline"][1]) / timedelta(days=1))
    assert late in (69, 70)
    assert f"{late} j de retard" in " ".join(subjects)
    after_sweep = _dues(cli, ber)
    assert after_sweep["baseline"][0] == "overdue"
    assert all(
        status != "overdue" for name, (status, _) in after_sweep.items() if name != "baseline"
    )

    done = cli(
        "submit",
        str(ber),
        "baseline",
        "--file",
        write_input(tmp_path, "baseline", inputs.baseline(start)),
    )

    assert "flow run resumed" in done.out
    wait_suspended(run_id, "schedule-")  # the run resumed on the server and waits at the next step
    with field.domain.session() as s:
        completed = s.scalars(
            select(Step.completed_at).where(Step.cycle_id == ber, Step.name == "baseline")
        ).one()
    assert completed is not None
    done_on = completed.astimezone(BAMAKO).date()
    # Re-planned from the day it was done, by the policy's durations: the plan of a cycle whose
    # baseline falls due that day.
    expected = {p.name: p.due_at for p in plan_cycle(done_on - timedelta(days=21), CyclePolicy())}
    replanned = _dues(cli, ber)
    for name, (_status, due) in replanned.items():
        if name != "baseline":
            assert due == expected[name], name
            assert due > planned[name][1], name
    assert replanned["schedule"][1].astimezone(BAMAKO).date() == done_on + timedelta(days=7)
    assert replanned["schedule"][0] in ("pending", "active")


def test_pause_resume_amend_and_history_on_a_real_server(
    field: Field, cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = field.today - timedelta(days=DIRE_DAYS)
    dire, run_id = field.dire
    wait_suspended(run_id, "baseline-")

    # Carried through its first minutes from the CLI; the run resumes each time.
    sessions = {
        "sessions": [
            {
                "starts_at": f"{field.today - timedelta(days=2)}T09:00:00+00:00",
                "venue": "Mairie",
                "language": "son",
            },
            {
                "starts_at": f"{field.today + timedelta(days=10)}T09:00:00+00:00",
                "venue": "Mairie",
                "language": "son",
            },
        ]
    }
    for step, data, next_key in [
        ("baseline", inputs.baseline(start), "schedule-"),
        ("schedule", sessions, "session-1-"),
        ("session-1", inputs.held(), "minutes-1-"),
        ("minutes-1", inputs.minutes(field.today), "session-2-"),
    ]:
        result = cli("submit", str(dire), step, "--file", write_input(tmp_path, step, data))
        assert "flow run resumed" in result.out, result.out
        wait_suspended(run_id, next_key)

    # 3. Amend the minutes: a new revision of the document, the old one kept, the run untouched.
    with field.domain.session() as s:
        before_docs = {
            (d.revision, d.language, d.format): d.path
            for d in s.scalars(
                select(Document).where(
                    Document.cycle_id == dire,
                    Document.kind == "minutes",
                    Document.session_number == 1,
                )
            )
        }
    assert before_docs and {rev for rev, _, _ in before_docs} == {0}
    run_before = read_run(run_id).state
    assert run_before is not None

    amended = cli(
        "amend",
        str(dire),
        "minutes-1",
        "--set",
        "validated_by=Maire de Diré",
        "--reason",
        "erreur de saisie",
    )

    assert "validated_by: Secrétaire général de mairie → Maire de Diré" in amended.out
    with field.domain.session() as s:
        after_docs = {
            (d.revision, d.language, d.format): d.path
            for d in s.scalars(
                select(Document).where(
                    Document.cycle_id == dire,
                    Document.kind == "minutes",
                    Document.session_number == 1,
                )
            )
        }
    assert {rev for rev, _, _ in after_docs} == {0, 1}
    assert {k: v for k, v in after_docs.items() if k[0] == 0} == before_docs  # the old one kept
    assert {(lang, fmt) for rev, lang, fmt in after_docs if rev == 1} == {
        (lang, fmt) for _rev, lang, fmt in before_docs
    }
    for (revision, _language, _format), path in after_docs.items():
        text = (field.domain.data_dir / path).read_text(encoding="utf-8")
        assert ("Maire de Diré" in text) == (revision == 1), (revision, path)
        assert ("Secrétaire général de mairie" in text) == (revision == 0), (revision, path)
        assert (f"document: {path}" in amended.out) == (revision == 1), path
    run_after = read_run(run_id).state
    assert run_after is not None
    assert (run_after.id, run_after.type, run_after.state_details.pause_key) == (
        run_before.id,
        run_before.type,
        run_before.state_details.pause_key,
    )

    # 1. Pause for insecurity, then sweep 30 days on: nothing for Diré, no overdue flag.
    plan_before = _dues(cli, dire)
    open_before = {n: due for n, (status, due) in plan_before.items() if status not in ("done",)}
    assert set(open_before) == {"session-2", "minutes-2", "plan", "handover"}
    paused = cli("pause", str(dire), "--reason", "insécurité")
    assert f"Paused 1 cycle(s): {dire}." in paused.out
    with field.domain.session() as s:
        since = s.scalars(select(CyclePause.started_at).where(CyclePause.cycle_id == dire)).one()
    thirty_days_on = since + timedelta(days=30)
    heard, last = _heard(field), _last_notification(field.domain)

    cli("sweep", "--now", thirty_days_on.isoformat())

    assert _told(field.domain, dire, last) == Counter()
    said = _said_since(field, heard)
    assert said, "the sweep sent nothing at all: Ber, not paused, is overdue on its schedule"
    assert not [t for t in said if "Diré" in t], said
    assert all(status != "overdue" for status, _ in _dues(cli, dire).values())
    shown = json.loads(cli("show", str(dire), "--json").out)
    assert shown["paused"]["reason"] == "insécurité"
    state = latest_artifact("cycle-dire-ml060205-1-state")  # the UI shows it, though the run sleeps
    assert state is not None and "en pause : insécurité" in str(state.data)

    # 2. Resume 30 days after the pause: every open deadline moves by 30 days; reminders again.
    monkeypatch.setattr("services.pause.utcnow", lambda: thirty_days_on)
    resumed = cli("resume", str(dire))
    monkeypatch.undo()
    assert f"Cycle {dire} resumed" in resumed.out and "by 30 day(s)" in resumed.out
    plan_after = _dues(cli, dire)
    for name, (status, due) in plan_before.items():
        moved = timedelta(days=30) if name in open_before else timedelta(0)
        assert plan_after[name][1] - due == moved, name
        assert plan_after[name][0] == status or name in open_before
    heard, last = _heard(field), _last_notification(field.domain)
    new_due = plan_after["session-2"][1].astimezone(BAMAKO).date()

    cli("sweep", "--now", _moment(new_due - timedelta(days=1), 9))

    again = _told(field.domain, dire, last)
    assert again and {step for step, _ in again} == {"session-2"}, again
    assert [t for t in _said_since(field, heard) if "Diré" in t]

    # 4. The history: all of it, newest first, who and through what.
    entries = json.loads(cli("history", str(dire), "--json").out)
    stamps = [e["at"] for e in entries]
    assert stamps == sorted(stamps, reverse=True)
    actions = [e["action"] for e in entries]
    order = [
        "cycle.resumed",
        "cycle.paused",
        "step.amended",
        "minutes.recorded",
        "session.held",
        "session.scheduled",
        "baseline.recorded",
        "cycle.launched",
    ]
    positions = [actions.index(a) for a in order]
    assert positions == sorted(positions), actions
    assert actions.count("step.resumed") == len(open_before)
    by_action = {e["action"]: e for e in entries}
    assert by_action["step.amended"]["actor"] == "coordinatrice-test"
    assert by_action["step.amended"]["channel"] == "ligne de commande"
    assert by_action["step.amended"]["reason"] == "erreur de saisie"
    assert by_action["step.amended"]["changes"] == {
        "validated_by": ["Secrétaire général de mairie", "Maire de Diré"]
    }
    assert by_action["cycle.paused"]["reason"] == "insécurité"
    assert {e["channel"] for e in entries} >= {"ligne de commande", "exécution Prefect"}
    table = " ".join(cli("history", str(dire)).out.split())
    assert table.index("cycle repris") < table.index("cycle mis en pause")
    assert table.index("cycle mis en pause") < table.index("étape minutes-1 corrigée")
    assert table.index("étape minutes-1 corrigée") < table.index("cycle lancé")

    # The history artifact on the server says the same, newest first.
    artifact = latest_artifact("cycle-dire-ml060205-1-history")
    assert artifact is not None
    markdown = str(artifact.data)
    newest = entries[0]
    assert newest["action"] == "cycle.resumed"
    first_row = next(line for line in markdown.splitlines() if line.startswith("| 2"))
    assert first_row.startswith(f"| {newest['at'][:16].replace('T', ' ')} | coordinatrice-test |")
    for words in ("cycle repris", "cycle mis en pause", "étape minutes-1 corrigée", "cycle lancé"):
        assert words in markdown, words
    assert markdown.index("cycle repris") < markdown.index("cycle lancé")
    with field.domain.session() as s:
        audited = s.scalars(select(AuditEvent.id).where(AuditEvent.cycle_id == dire)).all()
    assert len(entries) == len(audited)
