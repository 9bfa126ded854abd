"""The processes a load run measures: eepay's stack (as the Procfile starts it, on free ports and
a throw-away SQLite workdir) and the baseline bot (`rasa init --no-prompt`, served with
`rasa run`), each Rasa server timed from process start to its first answered message.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import httpx

from bench.loadtest import procinfo
from tests.scale import prod_stack
from tests.scale.prod_stack import ProdStack
from tests.support import stack
from tests.support.processes import RASA_SERVER, ROOT, VENV_BIN, ServiceProcess, free_port

RASA = str(VENV_BIN / "rasa")
QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "RASA_TELEMETRY_ENABLED": "false",
}


class RasaProcess(ServiceProcess):
    """A ``rasa run`` process whose readiness is its first answered REST message.

    ``cold_start_seconds`` runs from just before the process is spawned to the first 200 answer
    with at least one bot message; the webhook is polled every 0.1 s once the port is open.
    """

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        port: int,
        first_message: str,
        env: Optional[dict[str, str]] = None,
        cwd: Path = ROOT,
        timeout: float = 300.0,
    ) -> None:
        super().__init__(name, command, f"http://127.0.0.1:{port}/", env=env, timeout=timeout)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.first_message = first_message
        self.cwd = cwd
        self.cold_start_seconds = 0.0
        self.first_reply: list[dict[str, Any]] = []

    def start(self) -> RasaProcess:
        """Spawns the server and waits for its first answer."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        log.write(f"\n===== {' '.join(self.command)}\n".encode())
        log.flush()
        spawned = time.monotonic()
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready()
        self.cold_start_seconds = time.monotonic() - spawned
        return self

    def wait_ready(self) -> None:
        """Polls the REST webhook until the bot answers."""
        deadline = time.monotonic() + self.timeout
        body = {"sender": f"cold-start-{self.port}", "message": self.first_message}
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited early; see {self.log_path}\n{self.tail()}"
                    )
                try:
                    answer = client.post(f"{self.url}/webhooks/rest/webhook", json=body)
                    if answer.status_code == 200 and answer.json():
                        self.first_reply = answer.json()
                        return
                except (httpx.HTTPError, ValueError):
                    pass
                time.sleep(0.1)
        raise TimeoutError(f"{self.name} not answering after {self.timeout}s\n{self.tail()}")

    @property
    def pid(self) -> int:
        """The ``rasa run`` process id."""
        assert self.process is not None
        return self.process.pid


@dataclass
class EepayStack:
    """eepay's services started for a load run."""

    rasa: RasaProcess
    services: dict[str, stack.Service] = field(default_factory=dict)
    workdir: Optional[Path] = None

    @property
    def url(self) -> str:
        """The Rasa server's base URL."""
        return self.rasa.url

    def pids(self) -> dict[str, int]:
        """Process ids by service name (Rasa first)."""
        found = {"rasa": self.rasa.pid}
        for name, service in self.services.items():
            if service.process.process is not None:
                found[name] = service.process.process.pid
        return found


@contextmanager
def eepay_stack(workdir: Path, model: Path, with_desk: bool = True) -> Iterator[EepayStack]:
    """Backend, desk, action server and Rasa server, each as the Procfile starts it, on free
    ports, every database a SQLite file in ``workdir`` (tests/support/stack.py)."""
    with ExitStack() as stop:
        backend = stop.enter_context(stack.start_backend(workdir))
        services = {"backend": backend}
        rasa_port = free_port()
        desk_env: dict[str, str] = {}
        if with_desk:
            desk = stop.enter_context(
                stack.start_desk(
                    workdir,
                    f"http://127.0.0.1:{rasa_port}",
                    backend.url,
                    extra_env={"EVENTS_DATABASE_URL": f"sqlite:///{workdir / 'events.db'}"},
                )
            )
            services["desk"] = desk
            desk_env = {"DESK_URL": desk.url, "DESK_SERVICE_TOKEN": desk.env["DESK_SERVICE_TOKEN"]}
        else:
            desk_env = {"DESK_URL": f"http://127.0.0.1:{free_port()}"}
        actions = stop.enter_context(
            stack.start_actions(
                {
                    "BACKEND_URL": backend.url,
                    "HANDOFF_OUTBOX_DIR": str(workdir / "handoff_outbox"),
                    **desk_env,
                }
            )
        )
        services["actions"] = actions
        endpoints = workdir / "endpoints.yml"
        endpoints.write_text(
            (ROOT / "endpoints.yml")
            .read_text(encoding="utf-8")
            .replace("http://127.0.0.1:5055/webhook", f"{actions.url}/webhook"),
            encoding="utf-8",
        )
        env = {
            **stack.common_env(),
            **QUIET_ENV,
            "RASA_DATABASE_URL": f"sqlite:///{workdir / 'rasa.db'}",
            "EVENTS_DATABASE_URL": f"sqlite:///{workdir / 'events.db'}",
        }
        rasa = RasaProcess(
            "bench-rasa",
            [
                *RASA_SERVER,
                "run",
                "--model",
                str(model),
                "--enable-api",
                "--auth-token",
                stack.RASA_TOKEN,
                "--cors",
                "*",
                "--port",
                str(rasa_port),
                "--endpoints",
                str(endpoints),
                "--credentials",
                str(ROOT / "credentials.yml"),
            ],
            rasa_port,
            first_message="你好",
            env=env,
        )
        stop.callback(rasa.stop)
        rasa.start()
        yield EepayStack(rasa, services, workdir)


def first_answer(url: str, message: str, timeout: float = 60.0) -> list[dict[str, Any]]:
    """The bot's first non-empty REST answer to ``message`` (retried until ``timeout``)."""
    deadline = time.monotonic() + timeout
    body = {"sender": f"first-answer-{time.monotonic_ns()}", "message": message}
    with httpx.Client(timeout=30) as client:
        while True:
            try:
                answer = client.post(f"{url}/webhooks/rest/webhook", json=body)
                if answer.status_code == 200 and answer.json():
                    return answer.json()
            except (httpx.HTTPError, ValueError):
                if time.monotonic() > deadline:
                    raise
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} gave no answer to {message!r} in {timeout} s")
            time.sleep(0.1)


REPLICAS_REDIS_DB = 12  # the load run's own Redis database (tests/scale use 11)


@contextmanager
def eepay_replicas(workdir: Path, model: Path) -> Iterator[ProdStack]:
    """The production topology of docs/deploy.md (tests/scale/prod_stack.py): two Rasa replicas
    behind nginx, PostgreSQL tracker store, events, backend and desk in private databases
    (dropped afterwards), the Redis lock store, a two-worker action server."""
    with ExitStack() as stop:
        databases = stop.enter_context(prod_stack.private_databases())
        redis_db = stop.enter_context(prod_stack.flushed_redis_db(REPLICAS_REDIS_DB))
        yield stop.enter_context(
            prod_stack.production_topology(workdir, databases, redis_db, model=model)
        )


@dataclass
class BaselineBot:
    """The `rasa init --no-prompt` project and its trained model."""

    directory: Path
    model: Path
    build_seconds: float
    reused: bool

    @property
    def model_bytes(self) -> int:
        """Size of the model archive."""
        return self.model.stat().st_size


def build_baseline(directory: Path, reuse: bool = False) -> BaselineBot:
    """Runs ``rasa init --no-prompt`` (which also trains, with Rasa's default config) in
    ``directory``. With ``reuse``, a bot already built there by an earlier run is taken as is."""
    stamp = directory / "bench-build.json"
    if reuse and stamp.exists():
        info = json.loads(stamp.read_text())
        model = Path(info["model"])
        if model.exists():
            return BaselineBot(directory, model, float(info["build_seconds"]), reused=True)
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    log = ROOT / "results" / "logs" / "bench-baseline-init.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **QUIET_ENV, "RASA_CACHE_DIRECTORY": str(directory / ".rasa" / "cache")}
    started = time.monotonic()
    with log.open("ab") as out:
        subprocess.run(
            [RASA, "init", "--no-prompt", "--init-dir", str(directory)],
            cwd=directory,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
        )
    seconds = time.monotonic() - started
    models = sorted((directory / "models").glob("*.tar.gz"))
    if not models:
        raise RuntimeError(f"rasa init trained no model; see {log}")
    stamp.write_text(json.dumps({"model": str(models[-1]), "build_seconds": seconds}))
    return BaselineBot(directory, models[-1], seconds, reused=False)


@contextmanager
def baseline_server(bot: BaselineBot) -> Iterator[RasaProcess]:
    """``rasa run`` of the baseline bot (its own endpoints and credentials: REST channel,
    in-memory tracker and lock stores) on a free port."""
    port = free_port()
    rasa = RasaProcess(
        "bench-baseline-rasa",
        [
            RASA,
            "run",
            "--model",
            str(bot.model),
            "--port",
            str(port),
            "--endpoints",
            str(bot.directory / "endpoints.yml"),
            "--credentials",
            str(bot.directory / "credentials.yml"),
        ],
        port,
        first_message="hello",
        env=dict(QUIET_ENV),
        cwd=bot.directory,
    )
    try:
        rasa.start()
        yield rasa
    finally:
        rasa.stop()


@dataclass
class TrainTiming:
    seconds: float
    model_bytes: int


def time_training(out_dir: Path) -> TrainTiming:
    """``rasa train`` of this project into ``out_dir`` with an empty training cache (so nothing
    is reused from earlier trainings); models/ is never touched."""
    out_dir.mkdir(parents=True, exist_ok=True)
    log = ROOT / "results" / "logs" / "bench-train.log"
    env = {**os.environ, **QUIET_ENV, "RASA_CACHE_DIRECTORY": str(out_dir / "cache")}
    started = time.monotonic()
    with log.open("ab") as out:
        subprocess.run(
            [
                RASA,
                "train",
                "--config",
                "config.yml",
                "--domain",
                "domain.yml",
                "--data",
                "data",
                "--out",
                str(out_dir),
                "--fixed-model-name",
                "bench-timing",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
        )
    seconds = time.monotonic() - started
    return TrainTiming(seconds, (out_dir / "bench-timing.tar.gz").stat().st_size)


def memory_after_load(pid: int) -> int:
    """RSS of the Rasa process tree now (call right after its first answer)."""
    return procinfo.tree_rss([pid])
