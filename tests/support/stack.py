"""Start the project's services for end-to-end tests, each as the Procfile starts it.

Every service gets a free port and a workdir-local SQLite database unless told otherwise, so
tests never touch a developer's running instance or its data. Use the functions as context
managers (``with start_backend(...) as backend:``) or call ``.start()``/``.stop()``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.processes import RASA_SERVER, ROOT, VENV_BIN, ServiceProcess, free_port

# EEPAY_TEST_MODEL: test another trained model (e.g. one trained into a scratch folder while
# models/ is in use) without touching the one `make train` keeps.
MODEL = Path(os.environ.get("EEPAY_TEST_MODEL") or ROOT / "models" / "eepay.tar.gz")
RASA_TOKEN = "e2e-rasa-token"
BACKEND_TOKEN = "e2e-backend-token"  # the action server's (BACKEND_API_TOKEN)
# one backend token per caller (backend/core/access.py); the operator's resets the demo data
BACKEND_ADMIN_TOKEN = "e2e-backend-admin-token"
BACKEND_DESK_TOKEN = "e2e-backend-desk-token"
BACKEND_WECHAT_TOKEN = "e2e-backend-wechat-token"
ACTION_SERVER_TOKEN = "e2e-action-server-token"
CHAT_JWT_SECRET = "e2e-chat-jwt-secret-0123456789abcdef"


@dataclass
class Service:
    """A started service: its base URL, its process, and the settings it was given."""

    url: str
    process: ServiceProcess
    env: dict[str, str] = field(default_factory=dict)

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.stop()

    def stop(self) -> None:
        self.process.stop()


def common_env() -> dict[str, str]:
    """Settings every service of one test stack shares."""
    return {
        "RASA_TOKEN": RASA_TOKEN,
        "BACKEND_API_TOKEN": BACKEND_TOKEN,
        "BACKEND_ADMIN_TOKEN": BACKEND_ADMIN_TOKEN,
        "BACKEND_DESK_TOKEN": BACKEND_DESK_TOKEN,
        "BACKEND_WECHAT_TOKEN": BACKEND_WECHAT_TOKEN,
        "CHAT_JWT_SECRET": CHAT_JWT_SECRET,
        # the Rasa server sends it (endpoints.yml), the action server asks for it
        "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }


def reset_demo_data(backend: Service) -> None:
    """Put the backend's demo customers back as backend/README.md describes them."""
    httpx.post(
        f"{backend.url}/v1/admin/demo/reset",
        headers={"Authorization": f"Bearer {BACKEND_ADMIN_TOKEN}"},
        timeout=30,
    ).raise_for_status()


def backend_get(backend: Service, path: str) -> dict:
    """What the backend's API answers to ``GET path``, as the action server would read it."""
    reply = httpx.get(
        f"{backend.url}{path}", headers={"Authorization": f"Bearer {BACKEND_TOKEN}"}, timeout=10
    )
    reply.raise_for_status()
    return reply.json()


def start_backend(workdir: Path, extra_env: dict[str, str] | None = None) -> Service:
    """The payment backend sandbox with fresh demo data (test endpoints enabled)."""
    port = free_port()
    env = {
        **common_env(),
        "BACKEND_PORT": str(port),
        "BACKEND_DATABASE_URL": f"sqlite:///{workdir / 'backend.db'}",
        "BACKEND_ENABLE_TEST_ENDPOINTS": "1",
        "BACKEND_ARGON2_TIME_COST": "1",
        "BACKEND_ARGON2_MEMORY_COST_KIB": "8192",
        **(extra_env or {}),
    }
    process = ServiceProcess(
        "backend",
        [str(VENV_BIN / "python"), "-m", "backend"],
        ready_url=f"http://127.0.0.1:{port}/healthz",
        ready=lambda r: r.status_code == 200,
        env=env,
    ).start()
    return Service(f"http://127.0.0.1:{port}", process, env)


def start_actions(extra_env: dict[str, str] | None = None) -> Service:
    """The action server (``python -m actions.server``, which asks for ACTION_SERVER_TOKEN)."""
    port = free_port()
    env = {**common_env(), **(extra_env or {})}
    process = ServiceProcess(
        "actions",
        [
            str(VENV_BIN / "python"),
            "-m",
            "actions.server",
            "--actions",
            "actions",
            "--port",
            str(port),
        ],
        ready_url=f"http://127.0.0.1:{port}/health",
        ready=lambda r: r.status_code == 200,
        env=env,
    ).start()
    return Service(f"http://127.0.0.1:{port}", process, env)


def start_rasa(
    workdir: Path,
    action_url: str,
    credentials: Path | None = None,
    extra_env: dict[str, str] | None = None,
    endpoints_extra: str = "",
) -> Service:
    """The Rasa server with the project's model, endpoints and channels.

    ``action_url`` is the action server's base URL; the tracker store is a SQLite file in
    ``workdir`` (``env["RASA_DATABASE_URL"]``) unless ``extra_env`` says otherwise.
    """
    if not MODEL.exists():
        raise RuntimeError(f"{MODEL} missing: run `make train` (make test does)")
    port = free_port()
    endpoints = workdir / f"endpoints-{port}.yml"
    endpoints.write_text(
        (ROOT / "endpoints.yml")
        .read_text()
        .replace("http://127.0.0.1:5055/webhook", f"{action_url}/webhook")
        + endpoints_extra
    )
    env = {
        **common_env(),
        "RASA_DATABASE_URL": f"sqlite:///{workdir / 'rasa.db'}",
        # never the developer's var/events.db
        "EVENTS_DATABASE_URL": f"sqlite:///{workdir / 'events.db'}",
        **(extra_env or {}),
    }
    process = ServiceProcess(
        "rasa",
        [
            *RASA_SERVER,
            "run",
            "--model",
            str(MODEL),
            "--enable-api",
            "--auth-token",
            RASA_TOKEN,
            "--cors",
            "*",
            "--port",
            str(port),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(credentials or ROOT / "credentials.yml"),
        ],  # fmt: skip
        ready_url=f"http://127.0.0.1:{port}/status?token={RASA_TOKEN}",
        ready=lambda r: r.status_code == 200,
        env=env,
        timeout=300,
    ).start()
    return Service(f"http://127.0.0.1:{port}", process, env)


def chat(rasa: Service, sender: str, message: str, metadata: dict | None = None) -> list[dict]:
    """One customer turn over the REST channel; the bot's replies."""
    body: dict = {"sender": sender, "message": message}
    if metadata is not None:
        body["metadata"] = metadata
    reply = httpx.post(f"{rasa.url}/webhooks/rest/webhook", json=body, timeout=60)
    reply.raise_for_status()
    return reply.json()


def tracker(rasa: Service, sender: str) -> dict:
    """The conversation's tracker through Rasa's HTTP API."""
    reply = httpx.get(
        f"{rasa.url}/conversations/{sender}/tracker", params={"token": RASA_TOKEN}, timeout=10
    )
    reply.raise_for_status()
    return reply.json()


def start_desk(
    workdir: Path,
    rasa_url: str,
    backend_url: str,
    port: int | None = None,
    extra_env: dict[str, str] | None = None,
) -> Service:
    """The agent desk (``python -m desk``) with its own SQLite database in ``workdir``.

    ``port`` may be chosen up front (``free_port()``) so the action server can be given
    ``DESK_URL`` before the desk starts. ``env`` carries ``DESK_SERVICE_TOKEN`` and the
    supervisor's ``DESK_ADMIN_USER`` / ``DESK_ADMIN_PASSWORD``.
    """
    port = port or free_port()
    env = {
        **common_env(),
        "DESK_PORT": str(port),
        "DESK_DATABASE_URL": f"sqlite:///{workdir / 'desk.db'}",
        "DESK_EVENTS_DATABASE_URL": f"sqlite:///{workdir / 'events.db'}",
        "DESK_SERVICE_TOKEN": "e2e-desk-service-token",
        "DESK_ADMIN_USER": "admin",
        "DESK_ADMIN_PASSWORD": "e2e-desk-admin-password",
        "DESK_WORKING_HOURS": "00:00-24:00",
        "DESK_SYNC_INTERVAL_SECONDS": "1",
        "DESK_POLL_INTERVAL_SECONDS": "1",
        "DESK_ARGON2_TIME_COST": "1",
        "DESK_ARGON2_MEMORY_COST_KIB": "8192",
        "DESK_ARGON2_PARALLELISM": "1",
        "RASA_URL": rasa_url,
        "BACKEND_URL": backend_url,
        **(extra_env or {}),
    }
    process = ServiceProcess(
        "desk",
        [str(VENV_BIN / "python"), "-m", "desk"],
        ready_url=f"http://127.0.0.1:{port}/healthz",
        ready=lambda r: r.status_code == 200,
        env=env,
    ).start()
    return Service(f"http://127.0.0.1:{port}", process, env)
