"""Client of the payment backend's customer profile (``GET /v1/customers/{id}``), with the
desk's own read-only token (``BACKEND_DESK_TOKEN``; backend/core/access.py).

The desk only needs who the customer is on the queue: the name and the phone number the
backend already masks. The answer is cached in the desk database (see services/customers.py).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Optional
from urllib.parse import quote

import httpx

from desk.core.metrics import observe_upstream

logger = logging.getLogger("desk.directory")

CUSTOMER_ID_RE = re.compile(r"^u\d{4,12}$")


class DirectoryUnavailable(Exception):
    """The backend could not be reached or answered with an error."""


@dataclass(frozen=True)
class CustomerProfile:
    """The part of a customer profile the desk shows."""

    id: str
    name: Optional[str]
    phone_masked: Optional[str]


class CustomerDirectory:
    """Synchronous client of the backend's customer endpoint; safe to share between threads."""

    def __init__(
        self,
        base_url: str,
        api_token: str,
        *,
        timeout_seconds: float = 3.0,
        transport: Optional[httpx.BaseTransport] = None,
    ) -> None:
        headers = {"User-Agent": "eepay-desk"}
        if api_token:  # without the desk's own token the backend answers 401: no profile
            headers["Authorization"] = f"Bearer {api_token}"
        else:
            logger.warning("BACKEND_DESK_TOKEN is not set: the queue shows no customer names")
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout_seconds, connect=min(1.0, timeout_seconds)),
            transport=transport,
            headers=headers,
        )

    def fetch(self, customer_id: str) -> Optional[CustomerProfile]:
        """The customer's profile; None when the backend does not know the id."""
        if not CUSTOMER_ID_RE.match(customer_id):
            return None
        started = time.perf_counter()
        try:
            response = self._http.get(f"/v1/customers/{quote(customer_id, safe='')}")
        except httpx.HTTPError as error:
            observe_upstream("backend", "customer", started, failed=True)
            raise DirectoryUnavailable(type(error).__name__) from error
        observe_upstream("backend", "customer", started, failed=response.status_code >= 500)
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise DirectoryUnavailable(f"status {response.status_code}")
        try:
            body = response.json()
        except ValueError as error:
            raise DirectoryUnavailable("not JSON") from error
        return CustomerProfile(
            id=customer_id,
            name=body.get("name") if isinstance(body.get("name"), str) else None,
            phone_masked=body.get("phone_masked")
            if isinstance(body.get("phone_masked"), str)
            else None,
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()
