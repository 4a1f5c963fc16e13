"""Minutes through the Prefect UI's Resume form, on a real Prefect server (issue 17): the form counts
sensitive grievances and never takes their text, so Prefect's database never holds it.

One domain (SQLite), one `debates serve`, headless Chromium for the form. Diré's cycle is carried to
its first minutes from the CLI; the Resume form shows the count field (screenshot in
test-output/ui/); the minutes are given as that form sends them, two sensitive grievances counted;
they are recorded as two sensitive rows to record, which `debates show`, the cycle's state
artifact and the minutes subflow's log name; `debates amend` fills them in place; the second
minutes go through `debates submit` with a sensitive grievance. Every run parameter and input
Prefect holds is read back at the end: none of the sensitive words typed in the CLI's files is
there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from prefect import get_client
from prefect.flow_runs import resume_flow_run
from sqlalchemy import select

from deployments.serve import apply_deployments
from models.clock import BAMAKO, utcnow
from models.cycle.cycle import Cycle
from models.people.facilitator_file import import_facilitators
from models.stages.minutes import Grievance, Minutes
from models.stages.minutes_form import SENSITIVE_TO_RECORD
from orchestrator.artifacts import latest_artifact
from services.demo import FACILITATORS
from tests.e2e.browser import (
    form_properties,
    form_property,
    needs_chromium,
    open_resume_form,
    shoot,
)
from tests.e2e.conftest import (
    CliResult,
    Domain,
    Serving,
    forget_other_runs,
    held_by_prefect,
    make_domain,
    point_at,
    succeeding,
    wait_for,
    wait_suspended,
    write_input,
)
from tests.e2e.test_cycle_flow import _description
from tests.flows import inputs

pytestmark = [pytest.mark.prefect, needs_chromium]

DIRE = "ML060205"
STATE_KEY = "cycle-dire-ml060205-1-state"
SECRETS = [
    {"theme": "exactions de 2013", "summary": "Un nom cité", "sensitive": True},
    {"theme": "foncier", "summary": "Champs occupés", "sensitive": True},
]
SENSITIVE_WORDS = ("exactions de 2013", "Un nom cité", "Champs occupés")


@dataclass
class Minuted:
    domain: Domain
    today: date
    cycle_id: int
    run_id: str

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)


@pytest.fixture(scope="module")
def minuted(
    prefect_api: str,
    fresh_database: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Minuted]:
    """Diré's cycle recorded from the CLI up to its first session, its run waiting on minutes-1."""
    from cli.app import run

    forget_other_runs()
    home = tmp_path_factory.mktemp("sensitive-minutes")
    domain = make_domain(fresh_database("sqlite"), home / "data")
    with domain.session() as s, s.begin():
        import_facilitators(s, FACILITATORS, now=utcnow())
    with pytest.MonkeyPatch.context() as env:
        point_at(env, domain)
        apply_deployments()  # registered, not served yet: the first steps are recorded meanwhile
        serving = Serving(domain, home / "serve.log")
        try:
            today = utcnow().astimezone(BAMAKO).date()
            assert run(["launch", "--commune", "Diré", "--start", str(today - timedelta(60))]) == 0
            with domain.session() as s:
                cycle = s.scalars(select(Cycle).where(Cycle.commune_pcode == DIRE)).one()
                assert cycle.flow_run_id is not None
                found = Minuted(domain, today, cycle.id, cycle.flow_run_id)
            sessions = {
                "sessions": [
                    {"starts_at": f"{found.day(d)}T09:00:00+00:00", "venue": "Mairie"}
                    | {"language": "son"}
                    for d in (-30, -16)
                ]
            }
            for step, data in (
                ("baseline", inputs.baseline(found.day(-60))),
                ("schedule", sessions),
                ("session-1", inputs.held()),
            ):
                path = write_input(home, step, data)
                assert run(["submit", str(found.cycle_id), step, "--file", path]) == 0
            serving.start()
            wait_suspended(found.run_id, "minutes-1-")
            yield found
        finally:
            serving.stop()


@pytest.fixture
def cli(
    minuted: Minuted,
    use_domain: Callable[[Domain], None],
    debates: Callable[..., CliResult],
) -> Callable[..., CliResult]:
    use_domain(minuted.domain)
    return succeeding(debates)


def _grievances(m: Minuted, session_number: int) -> list[tuple[int, str, str, bool]]:
    with m.domain.session() as s:
        rows = s.scalars(
            select(Grievance)
            .join(Minutes, Minutes.id == Grievance.minutes_id)
            .where(Minutes.cycle_id == m.cycle_id, Minutes.session_number == session_number)
            .order_by(Grievance.id)
        )
        return [(g.id, g.theme, g.summary, g.sensitive) for g in rows]


def _logged() -> str:
    """Every log line the Prefect server holds, as one text."""
    with get_client(sync_client=True) as client:
        return "\n".join(log.message for log in client.read_logs(limit=200))


def test_the_minutes_resume_form_counts_sensitive_grievances_and_prefect_never_holds_their_text(
    minuted: Minuted, cli: Callable[..., CliResult], prefect_ui: str, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    m = minuted
    assert "Griefs sensibles / sensitive grievances" in _description(m.run_id)
    text = " ".join(
        open_resume_form(
            browser,
            prefect_ui,
            m.run_id,
            "Sensitive Grievances",
            "Leur texte ne se tape jamais ici",
            "Griefs non sensibles seulement / grievances that are not sensitive only",
            shot="minutes-1-resume-form",
        ).split()
    )
    assert "debates amend CYCLE minutes-N --file minutes.yaml" in text
    count = form_property(browser, "Sensitive Grievances")
    assert count.find_element(By.TAG_NAME, "input").get_attribute("value") == "0"
    # A grievance added in the form has a theme and a summary, and nothing to mark it sensitive.
    grievances = form_property(browser, "Grievances")
    grievances.find_element(By.XPATH, ".//button[normalize-space(.)='Add item']").click()
    wait_for(lambda: form_properties(browser, "Theme"), timeout=30, what="a grievance's fields")
    assert form_properties(browser, "Summary")
    assert not form_properties(browser, "Sensitive") + form_properties(
        browser, "Sensitive (Optional)"
    )
    shoot(browser, "minutes-1-resume-form-grievance")

    # The minutes as the form sends them: one grievance typed, two sensitive ones counted.
    first = inputs.minutes_form(m.day(-29), sensitive=2)
    resume_flow_run(m.run_id, run_input=first)  # type: ignore[arg-type]
    wait_suspended(m.run_id, "session-2-")
    recorded = _grievances(m, 1)
    assert [row[1:] for row in recorded] == [
        ("eau", "Puits du quartier partagé", False),
        ("sensible / sensitive", SENSITIVE_TO_RECORD, True),
        ("sensible / sensitive", SENSITIVE_TO_RECORD, True),
    ]
    shown = cli("show", str(m.cycle_id))
    assert "2 sensitive grievance(s) to record (1.2, 1.3)" in " ".join(shown.out.split())
    assert json.loads(cli("show", str(m.cycle_id), "--json").out)["sensitive_to_record"] == [
        "1.2",
        "1.3",
    ]
    state = latest_artifact(STATE_KEY)
    assert state is not None and "2 grief(s) sensible(s) à saisir** (1.2, 1.3)" in str(state.data)
    wait_for(
        lambda: "2 sensitive grievance(s) to record (1.2, 1.3)" in _logged(),
        timeout=60,
        what="the minutes subflow's log line on the grievances to record",
    )

    # Their text, recorded with `debates amend`, fills the same rows ('1.2' stays '1.2').
    full = inputs.minutes(m.day(-29)) | {"grievances": [first["grievances"][0], *SECRETS]}
    amended = cli(
        "amend",
        str(m.cycle_id),
        "minutes-1",
        "--file",
        write_input(tmp_path, "minutes-1", full),
        "--reason",
        "griefs sensibles saisis",
    )
    assert "grievances.1.summary" in amended.out, amended.out
    filled = _grievances(m, 1)
    assert [row[0] for row in filled] == [row[0] for row in recorded]
    assert [row[1:] for row in filled[1:]] == [
        ("exactions de 2013", "Un nom cité", True),
        ("foncier", "Champs occupés", True),
    ]
    assert "sensitive grievance(s) to record" not in cli("show", str(m.cycle_id)).out
    state = latest_artifact(STATE_KEY)
    assert state is not None and "à saisir" not in str(state.data)

    # The second minutes through the CLI, a sensitive grievance in full: the run goes on.
    cli("submit", str(m.cycle_id), "session-2", "--set", "outcome=held")
    wait_suspended(m.run_id, "minutes-2-")
    second = inputs.minutes(m.day(-15)) | {"commitments": []}
    done = cli(
        "submit", str(m.cycle_id), "minutes-2", "--file", write_input(tmp_path, "m2", second)
    )
    assert "flow run resumed" in done.out, done.out
    wait_suspended(m.run_id, "plan-")
    assert [row[1:] for row in _grievances(m, 2)] == [("foncier", "Champs occupés", True)]
    assert _grievances(m, 1) == filled  # the run's replays changed nothing recorded

    held = held_by_prefect()
    assert '"sensitive_grievances": 2' in held  # minutes-1, from the form
    assert '"sensitive_grievances": 1' in held  # minutes-2, handed over by `debates submit`
    for words in SENSITIVE_WORDS:
        assert words not in held, words
