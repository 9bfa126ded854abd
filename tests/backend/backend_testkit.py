"""Helpers shared by the backend tests (imported as ``backend_testkit``)."""

from __future__ import annotations

import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import select

from backend.core.settings import Settings
from backend.db import Database
from backend.models import OutboxMessage

TOKEN = "test-backend-token-0123"  # the action server's (BACKEND_API_TOKEN)
# The sandbox operator's (BACKEND_ADMIN_TOKEN): the API tests drive every route with it.
ADMIN_TOKEN = "test-backend-admin-token-0123"
DESK_TOKEN = "test-backend-desk-token-0123"  # BACKEND_DESK_TOKEN
WECHAT_TOKEN = "test-backend-wechat-token-0123"  # BACKEND_WECHAT_TOKEN
# Cheap argon2 parameters keep the suite fast; production uses the RFC 9106 defaults.
FAST_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_cost_kib": 1024, "argon2_parallelism": 1}
PINNED_SETTINGS = {
    "reset_page_url": "http://127.0.0.1:8100/security/reset",
    "max_body_bytes": 65536,
    "code_ttl_seconds": 600,
    "code_max_attempts": 5,
    "code_min_interval_seconds": 60,
    "code_daily_limit": 10,
    "reset_token_ttl_seconds": 900,
    "login_max_failures": 5,
    "refund_review_working_days": 3,
    "duplicate_window_minutes": 10,
    "duplicate_lookback_days": 30,
}


def make_settings(database_url: str, **overrides) -> Settings:
    """Settings of an in-process app under test."""
    values = {
        "database_url": database_url,
        "api_token": TOKEN,
        "admin_token": ADMIN_TOKEN,
        "enable_test_endpoints": True,
        "log_level": "WARNING",
        # Pinned so that a developer's environment cannot change what the tests expect.
        **PINNED_SETTINGS,
        **FAST_ARGON2,
    }
    values.update(overrides)
    return Settings(**values)


def assert_error(response, status: int, code: str) -> dict:
    """The response is the JSON error shape with this status and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body


def latest_code(db: Database, customer_id: str) -> str:
    """The newest code sent to a customer, read from the outbox table (as the demo does)."""
    with db.session() as session:
        message = (
            session.execute(
                select(OutboxMessage)
                .where(OutboxMessage.customer_id == customer_id)
                .order_by(OutboxMessage.id.desc())
            )
            .scalars()
            .first()
        )
        assert message is not None, f"no code was sent to {customer_id}"
        return message.code


# --- a real server process -------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningServer:
    """A ``python -m backend`` process serving one of the test databases."""

    url: str
    database_url: str
    process: subprocess.Popen
    log_path: Path

    def client(self, **kwargs) -> httpx.Client:
        """A synchronous HTTP client of the server with the operator's token."""
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=30,
            **kwargs,
        )

    def reset(self) -> None:
        """Fresh demo data, no faults, wall clock."""
        with self.client() as http:
            assert http.post("/v1/admin/demo/reset").status_code == 200
            assert http.delete("/v1/_test/faults").status_code == 204
            assert http.delete("/v1/_test/clock").status_code == 204
