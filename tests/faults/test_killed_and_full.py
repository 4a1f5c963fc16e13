"""The serving process killed outright while a stage's tasks run (fault 1 of issue 12), and the
data folder's disk full while documents are written (fault 5).

One cycle, served by a real `debates serve` whose documents live on a 2 MB tmpfs (mounted when
this process may mount, as root in CI's container; the disk-full half is skipped otherwise).
Messages go to a real local webhook, which counts them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from prefect.flow_runs import resume_flow_run
from sqlalchemy import func, select

from deployments.serve import IN_FLIGHT, PUT_BACK, apply_deployments
from models.clock import BAMAKO, utcnow
from models.cycle.cycle import Cycle
from models.cycle.document import Document
from models.stages.minutes import Minutes
from models.stages.sessions import DebateSession
from tests.e2e.conftest import (
    CliResult,
    Domain,
    Serving,
    make_domain,
    read_run,
    wait_for,
    wait_suspended,
)
from tests.e2e.test_prefect_down import PrefectServer
from tests.faults.conftest import state_names
from tests.flows import inputs
from tests.notifications.receivers import Webhook, webhook

pytestmark = pytest.mark.prefect

START = date(2026, 3, 2)
DIRE, BER = "ML060205", "ML060102"
HEADER = "name,sex,languages,home_commune,regions,affiliations,max_cycles,locale,contacts,role"


def _people(hook: Webhook) -> str:
    rows = [
        HEADER,
        f"Oumar Coordinateur (fictif),M,fr;son,ML060102,Tombouctou,,0,fr,{hook.url('coord')},"
        "coordinator",
        f"Aminata Démo (fictive),F,son;fr;bm,ML060106,Tombouctou,,4,fr,{hook.url('aminata')},"
        "facilitator",
        f"Ibrahim Exemple (fictif),M,son;taq;fr,ML060205,Tombouctou,,4,fr,{hook.url('ibrahim')},"
        "facilitator",
    ]
    return "\n".join(rows) + "\n"


@pytest.fixture
def documents_disk(tmp_path: Path) -> Iterator[Path | None]:
    """A 2 MB tmpfs where the serving process writes documents; None when mounting is refused."""
    target = tmp_path / "data" / "documents"
    target.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(target)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        yield None
        return
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def _count(domain: Domain, model: type, *where: object) -> int:
    with domain.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _fill(disk: Path) -> Path:
    """Fill the disk to the last byte; the filler, to remove."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (65536, 1):  # then the last bytes a 64 KiB write could not take
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError:
                    break
    finally:
        os.close(fd)
    return filler


def test_a_killed_serving_process_and_a_full_disk_record_each_step_once_and_send_once(
    prefect_server: PrefectServer,
    fresh_database,  # type: ignore[no-untyped-def]
    documents_disk: Path | None,
    use_domain: Callable[[Domain], None],
    debates: Callable[..., CliResult],
    tmp_path: Path,
) -> None:
    api = prefect_server.api_url
    domain = make_domain(fresh_database("sqlite"), tmp_path / "data")
    use_domain(domain)
    apply_deployments()  # cycles launched, their steps recorded, before anything serves
    today = utcnow().astimezone(BAMAKO).date()
    soon = today - timedelta(days=20)  # Diré's sessions are 20 and 34 days ahead: invited
    with webhook() as hook:
        people = tmp_path / "people.csv"
        people.write_text(_people(hook), encoding="utf-8")
        assert debates("facilitators", "import", str(people)).code == 0
        assert debates("launch", "--commune", DIRE, "--start", str(soon)).code == 0
        assert debates("launch", "--commune", BER, "--start", str(START)).code == 0
        dire, ber = _cycle(domain, DIRE), _cycle(domain, BER)
        assert dire.flow_run_id is not None and ber.flow_run_id is not None
        run_id = dire.flow_run_id
        assert (
            debates(
                "submit", str(dire.id), "baseline", "--file", _file(tmp_path, "baseline", soon)
            ).code
            == 0
        )
        for step in ("baseline", "schedule", "session-1"):
            assert (
                debates("submit", str(ber.id), step, "--file", _file(tmp_path, step, START)).code
                == 0
            )
        serving = Serving(domain, tmp_path / "serve-0.log")
        serving.start()
        try:
            wait_suspended(run_id, "schedule-")
            wait_suspended(ber.flow_run_id, "minutes-1-")

            # Fault 1: the Resume form's schedule; the serving process and its flow-run process
            # are killed (SIGKILL) while the scheduling stage's tasks run.
            resume_flow_run(run_id, run_input=inputs.schedule(soon))  # type: ignore[arg-type]
            wait_for(
                lambda: f"scheduling-{dire.id}" in serving.log.read_text(errors="replace"),
                timeout=120,
                what="the scheduling stage to begin",
            )
            assert serving.process is not None
            os.killpg(serving.process.pid, signal.SIGKILL)
            serving.process.wait(10)
            serving.process = None
            killed_in = read_run(run_id).state
            assert killed_in is not None and killed_in.is_running(), killed_in
            assert list((domain.data_dir / IN_FLIGHT).iterdir())  # what it ran, for the next one

            # Served again: the run is put back and carries on from its step.
            serving = Serving(domain, tmp_path / "serve-1.log")
            serving.start()
            wait_suspended(run_id, "session-1-")
            history = state_names(api, run_id)
            assert PUT_BACK in history
            assert not {"Cancelled", "Crashed", "Failed"} & set(history), history
            assert _count(domain, DebateSession, DebateSession.cycle_id == dire.id) == 2
            received = Counter((m["_path"], m["message"]) for m in hook.received)
            assert received, "the invitations went nowhere"
            assert set(received.values()) == {1}, received.most_common(3)
            documents = _count(domain, Document, Document.cycle_id == dire.id)
            on_disk = list((domain.data_dir / "documents" / f"cycle-{dire.id}").glob("*"))
            assert documents == len(on_disk)

            # Fault 5: the disk is full when the minutes' documents are written.
            if documents_disk is None:
                pytest.skip("mounting a small tmpfs is refused here (not root)")
            filler = _fill(documents_disk)
            resume_flow_run(ber.flow_run_id, run_input=inputs.for_form("minutes-1", START))  # type: ignore[arg-type]
            wait_for(
                lambda: "No space left on device" in serving.log.read_text(errors="replace"),
                timeout=120,
                what="a document write to meet the full disk",
            )
            assert _count(domain, Minutes, Minutes.cycle_id == ber.id) == 1  # the step stands
            filler.unlink()
            wait_suspended(ber.flow_run_id, "session-2-")
            assert _count(domain, Minutes, Minutes.cycle_id == ber.id) == 1
            written = sorted(
                p.name for p in (documents_disk / f"cycle-{ber.id}").glob("minutes-1.*")
            )
            assert written == ["minutes-1.fr.html", "minutes-1.fr.md"], written
            assert "Failed" not in state_names(api, ber.flow_run_id)
        finally:
            serving.stop()
    shutil.rmtree(domain.data_dir / IN_FLIGHT, ignore_errors=True)


def _file(tmp_path: Path, step: str, start: date) -> str:
    path = tmp_path / f"{step}-{start}.json"
    path.write_text(json.dumps(inputs.for_step(step, start)), encoding="utf-8")
    return str(path)


def _cycle(domain: Domain, pcode: str) -> Cycle:
    with domain.session() as s:
        cycle = s.scalars(select(Cycle).where(Cycle.area_pcode == pcode)).one()
        s.expunge(cycle)
        return cycle
