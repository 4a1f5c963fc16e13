"""Field forms end to end, on a real Prefect server: Kobo XLSX exports of a baseline and of minutes
(with their attendance repeat sheet) resume the cycles' waiting flow runs, a second import changes
nothing and an edited submission becomes an amendment (SQLite, a served domain); and the
`field-import` flow pulls the KoboToolbox API v2 page by page, since its last pull, reports as an
artifact and never shows its token (PostgreSQL). The import paths themselves are also run on both
backends in tests/cli/test_field_import.py."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import pytest
from prefect import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    LogFilter,
    LogFilterFlowRunId,
)
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flows.field_import import field_import
from models.audit import AuditEvent
from models.clock import utcnow
from models.cycle.cycle import Cycle
from models.cycle.launch import launch_cycle
from models.cycle.stepflow import apply_submission
from models.fieldforms.imported import FieldPull, FieldSubmission
from models.geography.places import Commune
from models.people.facilitator_file import import_facilitators
from models.policy import CyclePolicy
from models.settings import get_settings
from models.stages.baseline import BaselineStudy
from models.stages.minutes import AttendanceCount, Minutes
from services.demo import FACILITATORS
from tests import kobo_exports as export
from tests.e2e.conftest import (
    CliResult,
    Domain,
    Serving,
    forget_other_runs,
    make_domain,
    read_run,
    wait_for,
    wait_suspended,
)
from tests.flows import inputs

pytestmark = pytest.mark.prefect

START = date(2026, 3, 2)
SUBMITTED = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)
TOKEN = "kobo-token-5f2c9e-never-shown"


def _state(domain: Domain) -> tuple[int, ...]:
    with domain.session() as s:
        return tuple(
            int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (BaselineStudy, Minutes, AttendanceCount, AuditEvent, FieldSubmission)
        )


def _launched(session: Session, pcode: str) -> int:
    cycle = launch_cycle(
        session,
        session.get_one(Commune, pcode),
        start_on=START,
        policy=CyclePolicy(),
        actor="coordinator",
        now=utcnow(),
    )
    session.flush()
    return cycle.id


def _run_of(domain: Domain, cycle_id: int) -> str:
    def started() -> str | None:
        with domain.session() as s:
            return s.get_one(Cycle, cycle_id).flow_run_id

    return str(wait_for(started, timeout=60, what=f"a flow run for cycle {cycle_id}"))


def _pause_key(run_id: str) -> str:
    state = read_run(run_id).state
    assert state is not None and state.is_paused()
    return str(state.state_details.pause_key)


def test_kobo_exports_resume_the_waiting_runs_once_and_an_edit_is_an_amendment(
    prefect_api: str,
    fresh_database: Callable[[str], str],
    use_domain: Callable[[Domain], None],
    serving: Callable[[Domain], Serving],
    debates: Callable[..., CliResult],
    tmp_path: Path,
) -> None:
    domain = make_domain(fresh_database("sqlite"), tmp_path / "data")
    with domain.session() as s, s.begin():
        import_facilitators(s, FACILITATORS, now=utcnow())
        dire, tilemsi = (_launched(s, pcode) for pcode in ("ML060205", "ML060314"))
        # Tilemsi is at its first minutes already: the run reconcile starts replays to them.
        for step, data in (
            ("baseline", inputs.baseline(START)),
            ("schedule", inputs.schedule(START)),
            ("session-1", inputs.held()),
        ):
            apply_submission(s, tilemsi, step, data, actor="awa", now=utcnow())
    use_domain(domain)
    forget_other_runs()  # runs other modules left on the shared server are not this domain's
    serving(domain)  # reconciles first: a flow run for each cycle, which has none yet
    dire_run, tilemsi_run = _run_of(domain, dire), _run_of(domain, tilemsi)
    wait_suspended(dire_run, "baseline-")
    wait_suspended(tilemsi_run, "minutes-1-")

    day = str(START + timedelta(days=2))
    baseline = export.Submission(
        export.baseline_answers(dire, "ML060205", day), "b-dire", "b-dire-1", SUBMITTED
    )
    unknown = export.Submission(
        export.baseline_answers(404, "ML060205", day), "b-unknown", "b-unknown-1", SUBMITTED
    )
    bad_date = export.Submission(
        export.baseline_answers(dire, "ML060205", "2026-13-01"), "b-bad", "b-bad-1", SUBMITTED
    )
    baselines = export.kobo_xlsx(
        tmp_path / "baseline.xlsx", "Étude de base - Baseline", [unknown, baseline, bad_date]
    )
    held_on = START + timedelta(days=41)
    minutes = export.Submission(
        export.minutes_answers(tilemsi, "ML060314", 1, str(held_on)),
        "m-tilemsi",
        "m-tilemsi-1",
        SUBMITTED,
        export.minutes_repeats(str(held_on + timedelta(days=30))),
    )
    minutes_file = export.kobo_xlsx(tmp_path / "minutes.xlsx", "Procès-verbal", [minutes])

    first = debates("import", "kobo", str(baselines))
    assert first.code == 1
    assert "b-unknown (cycle 404 baseline): rejected — field cycle" in first.out
    assert f"b-bad (cycle {dire} baseline): rejected — field completed_on" in first.out
    assert f"b-dire (cycle {dire} baseline): recorded — flow run resumed" in first.out
    assert debates("import", "kobo", str(minutes_file)).code == 0
    wait_suspended(dire_run, "schedule-")
    wait_suspended(tilemsi_run, "session-2-")
    with domain.session() as s:
        recorded = s.scalars(select(Minutes).where(Minutes.cycle_id == tilemsi)).one()
        assert sorted((a.sex, a.count) for a in recorded.attendance) == [("F", 12), ("M", 18)]
    keys, before = (_pause_key(dire_run), _pause_key(tilemsi_run)), _state(domain)

    again = [debates("import", "kobo", str(p)) for p in (baselines, minutes_file)]
    assert [r.code for r in again] == [1, 0]
    assert "1 already recorded" in again[0].out and "1 already recorded" in again[1].out
    assert _state(domain) == before
    assert (_pause_key(dire_run), _pause_key(tilemsi_run)) == keys  # no run was touched

    edited = export.Submission(
        minutes.answers | {"validated_by": "Maire de Tilemsi"},
        "m-tilemsi",
        "m-tilemsi-2",
        SUBMITTED + timedelta(days=1),
        minutes.repeats,
    )
    edit = debates("import", "kobo", str(export.kobo_xlsx(tmp_path / "e.xlsx", "PV", [edited])))
    assert edit.code == 0 and "amended — validated_by" in edit.out
    with domain.session() as s:
        assert s.scalars(select(Minutes.validated_by)).one() == "Maire de Tilemsi"
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "step.amended")).one()
        assert event.cycle_id == tilemsi and event.after == {"validated_by": "Maire de Tilemsi"}
    assert _pause_key(tilemsi_run) == keys[1]  # an amendment leaves the run where it waits


class KoboStandIn:
    """A local HTTP server in the shape of KoboToolbox's API v2 data endpoint; it stands in for
    the real service, which cannot be reached from here. It pages `submissions` `page_size` at a
    time whatever `limit` asks (as a server at its own maximum would), filters on the `query`'s
    `_submission_time` `$gt`, and answers 401 without the token."""

    def __init__(self, submissions: list[export.Submission], page_size: int) -> None:
        self.submissions, self.page_size = submissions, page_size
        self.requests: list[dict[str, Any]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                stand_in.requests.append(
                    {"path": url.path, "query": query, "auth": self.headers.get("Authorization")}
                )
                if self.headers.get("Authorization") != f"Token {TOKEN}":
                    self.send_response(401)
                    self.end_headers()
                    return
                since = json.loads(query.get("query", "{}")).get("_submission_time", {}).get("$gt")
                chosen = [
                    s
                    for s in stand_in.submissions
                    if since is None or s.submitted.strftime("%Y-%m-%dT%H:%M:%S") > since
                ]
                start = int(query.get("start", 0))
                page = chosen[start : start + stand_in.page_size]
                more = start + stand_in.page_size < len(chosen)
                base = f"http://127.0.0.1:{self.server.server_address[1]}{url.path}"
                next_url = f"{base}?format=json&start={start + stand_in.page_size}" + (
                    f"&query={query['query']}" if "query" in query else ""
                )
                body = export.kobo_json_page(
                    page, next_url=next_url if more else None, count=len(chosen)
                )
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def kobo() -> Iterator[Callable[[list[export.Submission], int], KoboStandIn]]:
    made: list[KoboStandIn] = []

    def start(submissions: list[export.Submission], page_size: int) -> KoboStandIn:
        made.append(KoboStandIn(submissions, page_size))
        return made[-1]

    yield start
    for server in made:
        server.close()


def _artifacts_and_logs(flow_run_id: UUID) -> tuple[dict[str, str], str]:
    """The run's artifacts and its log, once its last line ('Finished in state …') has arrived
    (the log worker sends in batches)."""
    wait_for(lambda: "Finished in state" in _read(flow_run_id)[1], timeout=30, what="the logs")
    return _read(flow_run_id)


def _read(flow_run_id: UUID) -> tuple[dict[str, str], str]:
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
        )
    shown = {str(a.key): f"{a.data} {a.description}" for a in artifacts}
    return shown, "\n".join(log.message for log in logs)


def test_field_import_pulls_new_kobo_submissions_page_by_page_since_its_last_pull(
    prefect_api: str,
    fresh_database: Callable[[str], str],
    use_domain: Callable[[Domain], None],
    kobo: Callable[[list[export.Submission], int], KoboStandIn],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    domain = make_domain(fresh_database("postgresql"), tmp_path / "data")
    with domain.session() as s, s.begin():
        ids = [_launched(s, pcode) for pcode in ("ML060205", "ML060314")]
    day = str(START + timedelta(days=2))
    pulled = [
        export.Submission(
            export.baseline_answers(ids[0], "ML060205", day), "p-1", "p-1", SUBMITTED, kobo_id=1
        ),
        export.Submission(
            export.baseline_answers(ids[1], "ML060314", "hier"), "p-2", "p-2", SUBMITTED, kobo_id=2
        ),
        export.Submission(
            export.baseline_answers(ids[1], "ML060314", day),
            "p-3",
            "p-3",
            SUBMITTED + timedelta(hours=1),
            kobo_id=3,
        ),
    ]
    server = kobo(pulled, 2)
    use_domain(domain)
    monkeypatch.setenv("DEBATES_KOBO_URL", server.url)
    monkeypatch.setenv("DEBATES_KOBO_ASSETS", "aTerrainBase1")
    monkeypatch.setenv("DEBATES_KOBO_TOKEN", TOKEN)
    get_settings.cache_clear()

    state = field_import(return_state=True)  # type: ignore[call-overload]
    assert state.is_completed(), state.message
    result = state.result()
    assert result["rejected"] == 1 and result["reports"][0]["counts"]["recorded"] == 2
    first_pages = [r["query"] for r in server.requests]
    assert [r["path"] for r in server.requests] == ["/api/v2/assets/aTerrainBase1/data/"] * 2
    assert first_pages[0]["limit"] == "1000" and "query" not in first_pages[0]
    assert first_pages[1]["start"] == "2" and all(
        r["auth"] == f"Token {TOKEN}" for r in server.requests
    )
    with domain.session() as s:
        assert sorted(s.scalars(select(BaselineStudy.cycle_id))) == ids
        mark = s.get_one(FieldPull, "aTerrainBase1").pulled_until
        assert mark == SUBMITTED + timedelta(hours=1)
    shown, logs = _artifacts_and_logs(state.state_details.flow_run_id)
    assert "field-import" in shown and "field completed_on" in shown["field-import"]
    assert "p-1" in shown["field-import"] and "recorded" in shown["field-import"]
    assert "field-import-progress" in shown
    assert all(TOKEN not in text for text in [*shown.values(), logs])

    # The next hour: only what was submitted after the mark is asked for; nothing new comes.
    server.requests.clear()
    again = field_import(return_state=True)  # type: ignore[call-overload]
    assert again.is_completed() and again.result()["reports"][0]["submissions"] == []
    (request,) = server.requests
    assert json.loads(request["query"]["query"]) == {
        "_submission_time": {"$gt": "2026-04-20T10:00:00"}
    }
    # The token is checked: a wrong one fails the pull with the status, not the token.
    monkeypatch.setenv("DEBATES_KOBO_TOKEN", "wrong")
    get_settings.cache_clear()
    refused = field_import(return_state=True)  # type: ignore[call-overload]
    assert refused.is_failed() and "answered 401" in str(refused.message) + _failure(refused)


def _failure(state: Any) -> str:
    try:
        state.result()
    except Exception as exc:
        return str(exc)
    return ""


def test_field_import_without_kobo_settings_does_nothing_and_says_so(
    prefect_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DEBATES_KOBO_URL", "DEBATES_KOBO_ASSETS", "DEBATES_KOBO_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    state = field_import(return_state=True)  # type: ignore[call-overload]
    assert state.is_completed() and state.result()["assets"] == 0
    shown, logs = _artifacts_and_logs(state.state_details.flow_run_id)
    assert "DEBATES_KOBO_TOKEN" in shown["field-import"] and "DEBATES_KOBO_TOKEN" in logs


def test_a_next_page_on_another_server_is_not_followed_with_the_token() -> None:
    """The stand-in's first page points `next` at another host (127.0.0.2): the token must not
    go there."""
    from services.kobo_pull import KoboRefused, pages

    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.headers.get("Authorization") or "")
            port = self.server.server_address[1]
            body = json.dumps(
                {"count": 2, "next": f"http://127.0.0.2:{port}/api/v2/x", "results": [{}]}
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        got = pages(url, "aTerrainBase1", SecretStr(TOKEN), None)
        assert next(got) == [{}]
        with pytest.raises(KoboRefused, match=r"another server .*127\.0\.0\.2.*not followed"):
            next(got)
    finally:
        server.shutdown()
        server.server_close()
    assert asked == [f"Token {TOKEN}"]
