"""`field-import`: pull the new submissions of the field forms from KoboToolbox, hourly, record
each as `debates submit` would, and publish what became of each (the `field-import` artifact)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow

from tasks.field_import import import_pulled, kobo_assets, last_pull, publish_report, pull_asset


@flow(name="field-import", persist_result=False)
def field_import(since: datetime | None = None) -> dict[str, Any]:
    """Pull and record the submissions of each KoboToolbox asset made since its last pull.

    Args:
        since: Reprendre depuis ce moment (ISO, avec fuseau) au lieu du dernier import /
            pull what was submitted after this moment instead of since the last pull.
    """
    assets = kobo_assets()
    reports = []
    for position, asset in enumerate(assets):
        start = since if since is not None else last_pull(asset)
        submissions = pull_asset(asset, start)
        reports.append(import_pulled(asset, submissions, position, len(assets)))
    rejected = publish_report(reports)
    return {"assets": len(assets), "rejected": rejected, "reports": reports}
