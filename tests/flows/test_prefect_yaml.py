"""prefect.yaml (workers on a process pool) runs the same deployments as `debates serve`: same names,
entrypoints, tags, descriptions and schedules, so the day the work moves to workers nothing is lost;
and every field of their Run forms in the UI has a description."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from deployments.serve import deployments

ROOT = Path(__file__).resolve().parents[2]


def _served() -> dict[str, dict[str, Any]]:
    return {
        d.name: {
            "entrypoint": d.entrypoint,
            "tags": sorted(d.tags),
            "description": d.description,
            "schedules": [
                {"cron": s.schedule.cron, "timezone": s.schedule.timezone}  # type: ignore[union-attr]
                for s in d.schedules
            ],
        }
        for d in deployments()
    }


def _declared() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    return {
        d["name"]: {
            "entrypoint": d["entrypoint"],
            "tags": sorted(d["tags"]),
            "description": d["description"],
            "schedules": [
                {"cron": s["cron"], "timezone": s["timezone"]} for s in d.get("schedules", [])
            ],
        }
        for d in config["deployments"]
    }


def test_prefect_yaml_declares_exactly_the_served_deployments() -> None:
    assert _declared() == _served()
    assert {
        "debate-cycle",
        "launch-cycles",
        "reminder-sweep",
        "cycle-admin",
        "field-import",
        "programme-report",
    } <= set(_served())
    report = _served()["programme-report"]
    assert report["schedules"] == [{"cron": "0 7 * * 1", "timezone": "Africa/Bamako"}]


def _described(schema: dict[str, Any]) -> dict[str, bool]:
    return {name: bool(prop.get("description")) for name, prop in schema["properties"].items()}


def test_every_run_form_field_says_what_it_is() -> None:
    """The UI's Run form shows these descriptions under each field (French / English)."""
    for deployment in deployments():
        schema = deployment._parameter_openapi_schema.model_dump()
        assert all(_described(schema).values()), (deployment.name, _described(schema))
        for definition in schema.get("definitions", {}).values():
            if "enum" in definition:
                continue  # a select of values (cycle-admin's action): the field describes it
            assert all(_described(definition).values()), (deployment.name, definition["title"])


def test_the_clients_deployment_names_are_the_served_ones() -> None:
    """orchestrator/names.py is how the CLI and the tasks find a deployment on the server."""
    from orchestrator import names

    served = {f"{d.flow_name}/{d.name}" for d in deployments()}
    assert {
        names.DEBATE_CYCLE,
        names.LAUNCH_CYCLES,
        names.REMINDER_SWEEP,
        names.CYCLE_ADMIN,
        names.FIELD_IMPORT,
        names.PROGRAMME_REPORT,
    } == served


def test_every_deployment_is_on_the_pool_the_workers_start_on() -> None:
    """deployments/pool.py creates the pool and starts the workers; a run's output does not go
    through its worker, so a worker killed outright does not take its runs in flight with it
    (tests/e2e/test_workers.py)."""
    from deployments.pool import POOL

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    pools = [d["work_pool"] for d in config["deployments"]]
    assert {p["name"] for p in pools} == {POOL}
    assert all(p["job_variables"]["stream_output"] is False for p in pools)
