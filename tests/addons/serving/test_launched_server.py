"""The Rasa server started as ``make run`` starts it (honcho: the Procfile's command with the
settings of .env, made from .env.example) is patched before its agent exists.

Observed from outside, in the server's log: the launcher's line naming the installed patches,
and the tracker store's line saying it was told it is the sole writer, which only the agent
(``addons.serving.sole_writer``) tells it. The development endpoints have an in-memory lock
store, so the store must have been told it is the only writer.
"""

from __future__ import annotations

import shlex
import uuid
from pathlib import Path

import pytest
from honcho.environ import parse

from tests.support.processes import ROOT, ServiceProcess, free_port

pytestmark = pytest.mark.e2e

MODEL = ROOT / "models" / "eepay.tar.gz"


def development_settings() -> dict[str, str]:
    """The settings ``make run`` gives every process: .env.example, read as honcho reads .env."""
    return dict(parse((ROOT / ".env.example").read_text()))


def procfile_rasa_command(port: int, token: str) -> list[str]:
    """The Procfile's ``rasa`` command, on ``port``, with ``$RASA_TOKEN`` given."""
    line = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("rasa:")
    )
    command = shlex.split(line.split(":", 1)[1].replace("$RASA_TOKEN", token))
    command[command.index("--port") + 1] = str(port)
    return command


def test_the_server_started_like_make_run_is_patched_and_its_store_is_sole_writer(
    tmp_path: Path,
) -> None:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} missing: run `make train`", pytrace=False)
    port = free_port()
    settings = development_settings()
    token = settings["RASA_TOKEN"]
    server = ServiceProcess(
        f"rasa-launch-{uuid.uuid4().hex[:8]}",
        procfile_rasa_command(port, token),
        ready_url=f"http://127.0.0.1:{port}/status?token={token}",
        ready=lambda response: response.status_code == 200,
        env={
            **settings,
            "RASA_PATCHES": "on",  # also in the suite's unpatched run
            # never the developer's var/ databases
            "RASA_DATABASE_URL": f"sqlite:///{tmp_path / 'rasa.db'}",
            "EVENTS_DATABASE_URL": f"sqlite:///{tmp_path / 'events.db'}",
            "TF_CPP_MIN_LOG_LEVEL": "3",
        },
        timeout=300,
    )
    with server:
        log = server.log_path.read_text(errors="replace")
    assert "addons.serving" in log and "patched: " in log and "sole_writer" in log
    assert "Tracker store: sole writer (in-memory lock store)" in log, server.tail()
    server.log_path.unlink()  # kept only when the test fails
