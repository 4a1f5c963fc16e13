"""Pull new submissions from the KoboToolbox API v2: `/api/v2/assets/<uid>/data/?format=json`,
page by page (at most 1,000 each, following `next`), those submitted after the asset's last pull
(`query={"_submission_time": {"$gt": …}}`).

The token goes in the Authorization header only, and only to the configured server (a `next` page
on another scheme, host or port is not followed): no URL, log line or error message carries it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import SecretStr

from models.errors import DomainError

PAGE_SIZE = 1000
"""The most the API returns in a page (since 2026)."""


class KoboUnreachable(DomainError):
    """The KoboToolbox server did not answer, or failed (5xx): worth trying again."""


class KoboRefused(DomainError):
    """The KoboToolbox server refused the request (a wrong token or asset id): trying again
    changes nothing."""


def first_page_url(server: str, asset_uid: str, since: datetime | None, limit: int) -> str:
    params: dict[str, str] = {
        "format": "json",
        "limit": str(limit),
        "sort": '{"_submission_time": 1}',
    }
    if since is not None:
        # Kobo stores _submission_time in UTC without its zone.
        moment = since.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
        params["query"] = json.dumps({"_submission_time": {"$gt": moment}})
    base = f"{server.rstrip('/')}/api/v2/assets/{asset_uid}/data/"
    return str(httpx.URL(base, params=params))


def _origin(url: str) -> str:
    parts = httpx.URL(url)
    return f"{parts.scheme}://{parts.host}:{parts.port or ''}"


def pages(
    server: str,
    asset_uid: str,
    token: SecretStr,
    since: datetime | None,
    *,
    limit: int = PAGE_SIZE,
    timeout: float = 60,
) -> Iterator[list[dict[str, Any]]]:
    """Each page's `results`, in order, until a page has no `next`."""
    headers = {"Authorization": f"Token {token.get_secret_value()}", "Accept": "application/json"}
    url: str | None = first_page_url(server, asset_uid, since, min(limit, PAGE_SIZE))
    with httpx.Client(headers=headers, timeout=timeout) as client:
        while url:
            try:
                response = client.get(url)
            except httpx.HTTPError as exc:
                raise KoboUnreachable(
                    f"KoboToolbox at {server} did not answer ({type(exc).__name__})"
                ) from None
            if response.status_code >= 500:
                raise KoboUnreachable(
                    f"KoboToolbox at {server} answered {response.status_code}; the next pull "
                    "tries again"
                )
            if response.status_code != 200:
                raise KoboRefused(
                    f"KoboToolbox at {server} answered {response.status_code} for asset "
                    f"{asset_uid}; check the asset id and the token (DEBATES_KOBO_TOKEN)"
                )
            page = response.json()
            yield list(page.get("results") or [])
            url = page.get("next")
            if url and _origin(url) != _origin(server):
                # The token goes to the configured server only, whatever a page says.
                raise KoboRefused(
                    f"KoboToolbox at {server} gave a next page on another server "
                    f"({_origin(url)}); not followed, so the token stays with {_origin(server)}"
                )
