"""The test stack's backend process as the client tests drive it: its URL and test endpoints."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from tests.support.stack import BACKEND_ADMIN_TOKEN, BACKEND_TOKEN

TOKEN = BACKEND_TOKEN  # the action server's: what the client under test sends


@dataclass(frozen=True)
class LiveBackend:
    """A ``python -m backend`` process with its test endpoints (faults, clock) enabled."""

    url: str

    def client(self) -> httpx.Client:
        """A synchronous HTTP client of the backend with the operator's token (test controls)."""
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {BACKEND_ADMIN_TOKEN}"},
            timeout=30,
        )

    def clear_test_state(self) -> None:
        """No faults injected and the wall clock (demo data is reset by the actions' fixture)."""
        with self.client() as http:
            assert http.delete("/v1/_test/faults").status_code == 204
            assert http.delete("/v1/_test/clock").status_code == 204
