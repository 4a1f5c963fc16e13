"""A paused cycle, as its suspended flow run shows it: a tag and a banner over the description.

A Prefect 3 flow run has no description of its own; what the UI shows for a suspended run is its
state ("Suspended") and, on the Resume form, the description the run suspended with (a flow run
input under the key `suspended-<pause key>-description`). So a pause adds the tag `en-pause` (the
runs list and the run's page show it) and puts the pause's line above that description; a resume
takes both away. Neither the state nor its pause key changes: the run resumes with its keyset as
before. The database is the record of the pause; this is only what the UI shows of it.
"""

from __future__ import annotations

import json
import logging
from uuid import UUID

import httpx
from prefect import get_client
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.objects import FlowRun
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError
from prefect.input import keyset_from_paused_state

PAUSED_TAG = "en-pause"
MARK = "⏸"
SEPARATOR = "\n\n---\n\n"
"""Between the pause's line and the description the run suspended with."""

log = logging.getLogger("debates.orchestrator")


def without_banner(description: str) -> str:
    """The description as the run suspended with it: the pause's line, when there is one, removed."""
    head, separator, rest = description.partition(SEPARATOR)
    return rest if separator and head.startswith(f"**{MARK}") else description


def with_banner(description: str, banner: str) -> str:
    return f"**{MARK} {banner}**{SEPARATOR}{without_banner(description)}"


def _description_key(flow_run: FlowRun) -> str | None:
    state = flow_run.state
    if state is None or not state.is_paused():
        return None
    return keyset_from_paused_state(state)["description"]


def _rewrite_description(client: SyncPrefectClient, flow_run: FlowRun, banner: str | None) -> None:
    key = _description_key(flow_run)
    if key is None:
        return
    try:
        current = str(json.loads(client.read_flow_run_input(flow_run.id, key)))
    except ObjectNotFound:
        current = ""
    wanted = without_banner(current) if banner is None else with_banner(current, banner)
    if wanted == current:
        return
    # Flow run inputs cannot be updated in place: the key is written again.
    if current:
        client.delete_flow_run_input(flow_run.id, key)
    if wanted:
        client.create_flow_run_input(flow_run.id, key, json.dumps(wanted))


def _show(flow_run_id: str, banner: str | None) -> bool:
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(UUID(flow_run_id))
        _rewrite_description(client, flow_run, banner)
        tags = [t for t in flow_run.tags if t != PAUSED_TAG]
        if banner is not None:
            tags.append(PAUSED_TAG)
        if sorted(tags) != sorted(flow_run.tags):
            client.update_flow_run(flow_run.id, tags=tags)
    return True


def show_pause(flow_run_id: str | None, banner: str | None) -> bool:
    """Tag the cycle's flow run `en-pause` and put `banner` over its suspension's description;
    with `banner` None, take both away. False (logged) when the run cannot be reached: the pause
    holds in the database all the same, and the cycle's artifacts show it."""
    if not flow_run_id:
        return False
    try:
        return _show(flow_run_id, banner)
    except (ObjectNotFound, PrefectHTTPStatusError, httpx.HTTPError) as exc:
        log.warning("flow run %s does not show the pause: %s", flow_run_id, exc)
        return False
