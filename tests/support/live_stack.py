"""The whole stack a customer reaches — backend, action server, Rasa and the agent desk — and
what a test may ask of it: chat as a (signed-in) customer, reset the demo data, read what was
filed (refunds, disputes, frozen payment methods at the backend; tickets at the desk).

``start_live_stack(workdir)`` starts the four services on free ports as tests/support/stack.py
does; a ``LiveStack`` built from URLs and tokens talks to a stack that is already running
(``make run``: the tokens of .env). The conversation suite (tests/conversations/) and its
benchmark (bench/conversations.py) use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import httpx

from service_kit.customer_token import mint
from tests.support import stack as services
from tests.support.processes import free_port

DESK_SERVICE_TOKEN = "e2e-desk-service-token"  # what services.start_desk gives the desk


@dataclass
class LiveStack:
    """URLs and credentials of a running stack, and the calls the tests make to it."""

    rasa_url: str
    backend_url: str
    desk_url: str
    backend_token: str = services.BACKEND_TOKEN
    backend_admin_token: str = services.BACKEND_ADMIN_TOKEN
    chat_jwt_secret: str = services.CHAT_JWT_SECRET
    desk_user: str = "admin"
    desk_password: str = "e2e-desk-admin-password"
    _desk_token: Optional[str] = field(default=None, repr=False)
    _http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60), repr=False)

    def chat(self, sender: str, message: str, customer_id: Optional[str]) -> list[dict]:
        """One turn over the REST channel, signed in as ``customer_id`` when given."""
        body: dict[str, Any] = {"sender": sender, "message": message}
        if customer_id:
            # as the widget sends it: the customer's signed token on every message
            body["metadata"] = {"customer_token": mint(customer_id, self.chat_jwt_secret)}
        reply = self._http.post(f"{self.rasa_url}/webhooks/rest/webhook", json=body)
        reply.raise_for_status()
        return reply.json()

    def reset_demo_data(self) -> None:
        """Put the demo customers back as backend/demo_data.py describes them."""
        self._http.post(
            f"{self.backend_url}/v1/admin/demo/reset",
            headers={"Authorization": f"Bearer {self.backend_admin_token}"},
        ).raise_for_status()

    def _backend(self, path: str) -> dict:
        reply = self._http.get(
            f"{self.backend_url}{path}",
            headers={"Authorization": f"Bearer {self.backend_token}"},
        )
        reply.raise_for_status()
        return reply.json()

    def refunds(self, customer_id: str) -> list[dict]:
        """The customer's refunds, as the backend lists them."""
        return self._backend(f"/v1/customers/{customer_id}/refunds?limit=100")["items"]

    def disputes(self, customer_id: str) -> list[dict]:
        """The customer's dispute cases."""
        return self._backend(f"/v1/customers/{customer_id}/disputes?limit=100")["items"]

    def payment_methods(self, customer_id: str) -> list[dict]:
        """The customer's payment methods with their status (active / frozen / expired)."""
        return self._backend(f"/v1/customers/{customer_id}/payment-methods")["items"]

    def tickets(self, conversation_id: str, customer_id: Optional[str]) -> list[dict]:
        """The desk's handoff tickets of one conversation, newest first."""
        params: dict[str, Any] = {"limit": 500}
        if customer_id:
            params["customer_id"] = customer_id
        reply = self._http.get(
            f"{self.desk_url}/api/handoffs",
            params=params,
            headers={"Authorization": f"Bearer {self._desk_login()}"},
        )
        if reply.status_code == 401:  # the session expired: sign in again once
            self._desk_token = None
            return self.tickets(conversation_id, customer_id)
        reply.raise_for_status()
        return [t for t in reply.json() if t["conversation_id"] == conversation_id]

    def _desk_login(self) -> str:
        if self._desk_token is None:
            reply = self._http.post(
                f"{self.desk_url}/api/login",
                json={"username": self.desk_user, "password": self.desk_password},
            )
            reply.raise_for_status()
            self._desk_token = reply.json()["token"]
        return self._desk_token

    def close(self) -> None:
        """Closes the HTTP connections."""
        self._http.close()


@contextmanager
def start_live_stack(workdir: Path) -> Iterator[LiveStack]:
    """Backend, action server (handing off to the desk), Rasa and the desk, on free ports."""
    desk_port = free_port()
    with services.start_backend(workdir) as backend:
        with services.start_actions(
            {
                "BACKEND_URL": backend.url,
                "BACKEND_API_TOKEN": services.BACKEND_TOKEN,
                "DESK_URL": f"http://127.0.0.1:{desk_port}",
                "DESK_SERVICE_TOKEN": DESK_SERVICE_TOKEN,
                # a ticket the desk cannot take waits here (and the test sees no ticket)
                "HANDOFF_OUTBOX_DIR": str(workdir / "handoff_outbox"),
            }
        ) as actions:
            with services.start_rasa(workdir, actions.url) as rasa:
                with services.start_desk(
                    workdir,
                    rasa.url,
                    backend.url,
                    port=desk_port,
                    extra_env={"DESK_SERVICE_TOKEN": DESK_SERVICE_TOKEN},
                ) as desk:
                    live = LiveStack(
                        rasa.url,
                        backend.url,
                        desk.url,
                        desk_user=desk.env["DESK_ADMIN_USER"],
                        desk_password=desk.env["DESK_ADMIN_PASSWORD"],
                    )
                    try:
                        yield live
                    finally:
                        live.close()
