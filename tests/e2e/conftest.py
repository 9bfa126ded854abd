"""The real stack for end-to-end tests: Rasa server and action server as subprocesses.

Started once per test session on free ports, with a tracker store in a temporary SQLite file
that the tests read directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.processes import ROOT, VENV_BIN, ServiceProcess, free_port

MODEL = ROOT / "models" / "eepay.tar.gz"
RASA_TOKEN = "e2e-rasa-token"


@dataclass
class Stack:
    rasa_url: str
    token: str
    tracker_db: Path

    def chat(self, sender: str, message: str, metadata: dict | None = None) -> list[dict]:
        body = {"sender": sender, "message": message}
        if metadata is not None:
            body["metadata"] = metadata
        reply = httpx.post(f"{self.rasa_url}/webhooks/rest/webhook", json=body, timeout=30)
        reply.raise_for_status()
        return reply.json()

    def tracker(self, sender: str) -> dict:
        reply = httpx.get(
            f"{self.rasa_url}/conversations/{sender}/tracker",
            params={"token": self.token},
            timeout=10,
        )
        reply.raise_for_status()
        return reply.json()


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} missing: run `make train` (make test does)")
    workdir = tmp_path_factory.mktemp("stack")
    tracker_db = workdir / "rasa.db"
    env = {"RASA_DATABASE_URL": f"sqlite:///{tracker_db}", "RASA_TOKEN": RASA_TOKEN}
    action_port, rasa_port = free_port(), free_port()

    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        (ROOT / "endpoints.yml")
        .read_text()
        .replace("http://127.0.0.1:5055/webhook", f"http://127.0.0.1:{action_port}/webhook")
    )
    actions = ServiceProcess(
        "actions",
        [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(action_port)],
        ready_url=f"http://127.0.0.1:{action_port}/health",
        env=env,
    )
    rasa = ServiceProcess(
        "rasa",
        [
            str(VENV_BIN / "rasa"), "run", "--model", str(MODEL), "--enable-api",
            "--auth-token", RASA_TOKEN, "--cors", "*", "--port", str(rasa_port),
            "--endpoints", str(endpoints), "--credentials", str(ROOT / "credentials.yml"),
        ],  # fmt: skip
        ready_url=f"http://127.0.0.1:{rasa_port}/status?token={RASA_TOKEN}",
        ready=lambda r: r.status_code == 200,
        env=env,
        timeout=240,
    )
    with actions, rasa:
        yield Stack(f"http://127.0.0.1:{rasa_port}", RASA_TOKEN, tracker_db)
