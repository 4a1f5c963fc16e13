"""The `field-import` flow's tasks: where the last pull of an asset ended, a pull (I/O, retried),
the import of what it brought (services/field_import.py), and the report as an artifact."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import get_run_logger, task
from prefect.runtime import flow_run

from models.db import session_scope
from models.fieldforms.exports import kobo_json
from models.fieldforms.imported import Source, mark_pulled, pulled_until
from models.settings import get_settings
from orchestrator.artifacts import publish_markdown, publish_progress
from services import kobo_pull
from services.field_import import Outcome, import_records, pull_mark
from tasks.options import DB_TASK

REPORT_KEY = "field-import"
PROGRESS_KEY = "field-import-progress"


NOT_CONFIGURED = (
    "KoboToolbox n'est pas configuré / is not configured: set DEBATES_KOBO_URL, "
    "DEBATES_KOBO_ASSETS and DEBATES_KOBO_TOKEN where the deployment is served"
)


@task(name="kobo-assets", persist_result=False)
def kobo_assets() -> list[str]:
    """The configured assets; none when KoboToolbox is not configured (an installation that
    does not use it: the hourly run then does nothing, and says why)."""
    settings = get_settings()
    if not (settings.kobo_url and settings.kobo_assets and settings.kobo_token):
        get_run_logger().warning(NOT_CONFIGURED)
        return []
    return list(settings.kobo_assets)


@task(name="last-pull", **DB_TASK)
def last_pull(asset_uid: str) -> datetime | None:
    with session_scope(readonly=True) as session:
        return pulled_until(session, asset_uid)


def _worth_retrying(task: Any, task_run: Any, state: Any) -> bool:
    """A server that did not answer, not one that refused the token or the asset."""
    try:
        state.result()
    except kobo_pull.KoboRefused:
        return False
    except Exception:
        return True
    return False


@task(
    name="pull-kobo-asset",
    persist_result=False,
    retries=3,
    retry_delay_seconds=[2, 5, 15],
    retry_condition_fn=_worth_retrying,
)
def pull_asset(asset_uid: str, since: datetime | None) -> list[dict[str, Any]]:
    """Every submission of the asset submitted after `since` (all of them without it)."""
    settings = get_settings()
    assert settings.kobo_url is not None and settings.kobo_token is not None
    found: list[dict[str, Any]] = []
    for page in kobo_pull.pages(settings.kobo_url, asset_uid, settings.kobo_token, since):
        found.extend(page)
    return found


@task(name="import-kobo-submissions", **DB_TASK)
def import_pulled(
    asset_uid: str, submissions: list[dict[str, Any]], position: int, assets: int
) -> dict[str, Any]:
    """Record what a pull brought, then move the asset's mark (services.field_import.pull_mark:
    a submission rejected in the last days holds it, so it is pulled again until recorded)."""

    def progress(done: int, total: int) -> None:
        if done != total and done % max(1, total // 20):  # every 5 %: two API calls each
            return
        share = (position + done / max(total, 1)) / assets
        publish_progress(PROGRESS_KEY, 100 * share, f"{asset_uid}: {done}/{total}")

    records = kobo_json(submissions)
    report = import_records(
        records, Source.KOBO, who=f"import:kobo:{flow_run.name}", progress=progress
    )
    until = pull_mark(records, report, now=report_time())
    if until is not None:
        with session_scope() as session:
            mark_pulled(session, asset_uid, until, now=report_time())
    return {"asset": asset_uid} | report.as_data()


def report_time() -> datetime:
    from models.clock import utcnow

    return utcnow()


def _markdown(reports: list[dict[str, Any]]) -> str:
    lines = ["# Import des formulaires de terrain / field-form import", ""]
    if not reports:
        lines.append(NOT_CONFIGURED)
    for report in reports:
        counts = ", ".join(f"{n} {o}" for o, n in report["counts"].items())
        lines += [f"## {report['asset']}: {counts}", ""]
        if not report["submissions"]:
            lines += ["Rien de nouveau / nothing new.", ""]
            continue
        lines += ["| soumission | cycle | étape | résultat | détail |", "|---|---|---|---|---|"]
        for line in report["submissions"]:
            detail = str(line["detail"]).replace("|", "/")
            lines.append(
                f"| {line['where']} `{line['root_id']}` | {line['cycle'] or ''} | "
                f"{line['step'] or ''} | {line['outcome']} | {detail} |"
            )
        lines.append("")
    return "\n".join(lines)


@task(name="publish-field-import", persist_result=False)
def publish_report(reports: list[dict[str, Any]]) -> int:
    """The report as the `field-import` artifact; the number of rejected submissions."""
    rejected = sum(int(r["counts"][Outcome.REJECTED.value]) for r in reports)
    total = sum(len(r["submissions"]) for r in reports)
    publish_markdown(
        REPORT_KEY,
        _markdown(reports),
        description=f"Formulaires de terrain : {total} soumission(s), {rejected} rejetée(s) / "
        f"field forms: {total} submission(s), {rejected} rejected",
    )
    publish_progress(PROGRESS_KEY, 100, "done")
    return rejected
