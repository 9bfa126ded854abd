"""Start the project's real services as subprocesses for end-to-end tests.

Each service runs exactly as in production (same command line as the Procfile), on a free
port, with its output captured in ``results/logs/<name>.log`` so a failing test can be read
after the fact.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
# The Rasa server as the Procfiles start it: the `rasa` command through addons/rasa_launcher.py
# (run from ROOT), e.g. RASA_SERVER + ["run", "--model", ...].
RASA_SERVER = [str(VENV_BIN / "python"), "-m", "addons.rasa_launcher"]
LOG_DIR = ROOT / "results" / "logs"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServiceProcess:
    """A service subprocess with a readiness check and a log file."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        ready_url: str,
        env: dict[str, str] | None = None,
        ready: Callable[[httpx.Response], bool] = lambda r: r.status_code < 500,
        timeout: float = 120.0,
    ) -> None:
        self.name = name
        self.command = list(command)
        self.ready_url = ready_url
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.ready = ready
        self.timeout = timeout
        self.process: subprocess.Popen | None = None
        self.log_path = LOG_DIR / f"{name}.log"

    def start(self) -> ServiceProcess:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        log.write(f"\n===== {' '.join(self.command)}\n".encode())
        log.flush()
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early; see {self.log_path}\n{self.tail()}")
            try:
                if self.ready(httpx.get(self.ready_url, timeout=2)):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{self.name} not ready after {self.timeout}s\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
