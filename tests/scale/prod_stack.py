"""Pieces of the production topology of docs/deploy.md for tests/scale.

PostgreSQL (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379) are part of the supported
platform: when either is missing the tests FAIL, they do not skip. Every run gets private
databases (``eepay_scale_<random>_{rasa,events,backend,desk}``, dropped afterwards) and a Redis
database number of its own (``SCALE_REDIS_DB``, default 11), flushed before and after.
nginx comes from Debian (``apt-get install -y --no-install-recommends nginx gettext-base``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest
import redis
from sqlalchemy import create_engine, text

from tests.support import stack
from tests.support.processes import RASA_SERVER, ROOT, ServiceProcess, free_port

PG_ADMIN_URL = os.environ.get("SCALE_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379
REDIS_DB = int(os.environ.get("SCALE_REDIS_DB", "11"))
DATABASES = ("rasa", "events", "backend", "desk")
REPLICAS = 2
NGINX_VARIABLES = (
    "LB_LISTEN",
    "LB_INTERNAL_LISTEN",
    "LB_RATE_PER_IP",
    "LB_BURST_PER_IP",
    "RASA_REPLICA_1",
    "RASA_REPLICA_2",
)
# nginx's per-address limits as Procfile.prod renders them by default
PRODUCTION_LIMITS = {"LB_RATE_PER_IP": "10r/s", "LB_BURST_PER_IP": "40"}
# The tests and the load benchmark send a whole population of customers from 127.0.0.1, so the
# topology they drive lifts the per-address limit (test_public_surface.py checks the real one
# on a second balancer).
POPULATION_LIMITS = {"LB_RATE_PER_IP": "100000r/s", "LB_BURST_PER_IP": "100000"}
# the production endpoints under test (another file only to try a change of them)
ENDPOINTS = Path(os.environ.get("SCALE_ENDPOINTS_FILE") or ROOT / "endpoints.prod.yml")


@dataclass
class ProdStack:
    """Two Rasa replicas behind nginx, with everything they share."""

    balancer_url: str  # the public side: channels only
    internal_url: str  # Rasa's HTTP API for the desk (nginx's internal listener)
    replica_urls: list[str]
    desk: stack.Service
    databases: dict[str, str]
    redis_db: int
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    replicas_ready_seconds: float = 0.0  # spawning the first replica to all serving
    replica_start_seconds: list[float] = field(default_factory=list)  # each, spawn to serving

    def pids(self) -> dict[str, int]:
        """Process ids by service name ("rasa-1", "rasa-2", "actions", "nginx", ...)."""
        return {
            name: process.process.pid
            for name, process in self.processes.items()
            if process.process is not None
        }

    def replica_pids(self) -> list[int]:
        """The Rasa replicas' process ids."""
        return [pid for name, pid in self.pids().items() if name.startswith("rasa-")]


class TopologyUnavailable(RuntimeError):
    """PostgreSQL or Redis cannot be reached (a failure in tests/scale, see the docstring)."""


@contextmanager
def private_databases() -> Iterator[dict[str, str]]:
    """Private PostgreSQL databases for one run, by purpose (``DATABASES``); dropped afterwards
    unless SCALE_KEEP_DATABASES=1 (to read them after a failure)."""
    admin = create_engine(
        PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means: no usable PostgreSQL
        admin.dispose()
        raise TopologyUnavailable(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {error}"
        ) from error
    prefix = f"eepay_scale_{uuid.uuid4().hex[:8]}"
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    urls = {purpose: f"{base}/{prefix}_{purpose}" for purpose in DATABASES}
    with admin.connect() as connection:
        for purpose in DATABASES:
            connection.execute(text(f'CREATE DATABASE "{prefix}_{purpose}"'))
    try:
        yield urls
    finally:
        if os.environ.get("SCALE_KEEP_DATABASES") == "1":
            print(f"kept databases: {urls}")
        else:
            with admin.connect() as connection:
                for purpose in DATABASES:
                    connection.execute(
                        text(f'DROP DATABASE IF EXISTS "{prefix}_{purpose}" WITH (FORCE)')
                    )
        admin.dispose()


@contextmanager
def flushed_redis_db(db: int = REDIS_DB) -> Iterator[int]:
    """Redis database ``db``, flushed before and after."""
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        raise TopologyUnavailable(
            f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}: {error}"
        ) from error
    client.flushdb()
    try:
        yield db
    finally:
        client.flushdb()
        client.close()


@contextmanager
def production_topology(
    workdir: Path,
    databases: dict[str, str],
    redis_db: int,
    model: Optional[Path] = None,
    action_workers: int = 2,
) -> Iterator[ProdStack]:
    """Backend and desk on PostgreSQL, an action server with ``action_workers`` Sanic workers,
    ``REPLICAS`` Rasa replicas on endpoints.prod.yml (PostgreSQL tracker store and events, Redis
    lock store) and nginx in front, as Procfile.prod starts them; stopped afterwards."""
    started: dict[str, ServiceProcess] = {}
    try:
        backend = stack.start_backend(workdir, {"BACKEND_DATABASE_URL": databases["backend"]})
        started["backend"] = backend.process
        balancer_port, internal_port = free_port(), free_port()
        balancer_url = f"http://127.0.0.1:{balancer_port}"
        internal_url = f"http://127.0.0.1:{internal_port}"
        desk = stack.start_desk(  # on the internal listener, as Procfile.prod starts it
            workdir,
            internal_url,
            backend.url,
            extra_env={
                "DESK_DATABASE_URL": databases["desk"],
                "EVENTS_DATABASE_URL": databases["events"],
            },
        )
        started["desk"] = desk.process
        actions = stack.start_actions(
            {
                "ACTION_SERVER_SANIC_WORKERS": str(action_workers),
                "BACKEND_URL": backend.url,
                "DESK_URL": desk.url,
                "DESK_SERVICE_TOKEN": desk.env["DESK_SERVICE_TOKEN"],
                "HANDOFF_OUTBOX_DIR": str(workdir / "handoff_outbox"),
            }
        )
        started["actions"] = actions.process
        rasa_env = {
            **stack.common_env(),
            "RASA_DATABASE_URL": databases["rasa"],
            "EVENTS_DATABASE_URL": databases["events"],
            "REDIS_HOST": REDIS_HOST,
            "REDIS_PORT": str(REDIS_PORT),
            "REDIS_LOCK_DB": str(redis_db),
            "REDIS_PASSWORD": "",
            "REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db}",
            "ACTION_ENDPOINT_URL": f"{actions.url}/webhook",
            "RASA_REPLICAS": str(REPLICAS),
        }
        ports = [free_port() for _ in range(REPLICAS)]
        replicas = [rasa_replica(i + 1, port, rasa_env, model) for i, port in enumerate(ports)]
        for index, replica in enumerate(replicas, start=1):
            started[f"rasa-{index}"] = replica

        # The first replica creates the tables, then the others start; all load the model at
        # the same time (a deployment's first start: docs/deploy.md).
        def timed_start(replica: ServiceProcess) -> float:
            began = time.monotonic()
            replica.start()
            return time.monotonic() - began

        spawned = time.monotonic()
        with ThreadPoolExecutor(REPLICAS) as pool:
            first = pool.submit(timed_start, replicas[0])
            wait_for_tables(databases, gave_up=first.done)
            rest = [pool.submit(timed_start, replica) for replica in replicas[1:]]
            start_seconds = [future.result() for future in [first, *rest]]
        ready_seconds = time.monotonic() - spawned
        started["nginx"] = start_nginx(workdir, balancer_port, internal_port, ports)
        yield ProdStack(
            balancer_url=balancer_url,
            internal_url=internal_url,
            desk=desk,
            replica_urls=[f"http://127.0.0.1:{port}" for port in ports],
            databases=databases,
            redis_db=redis_db,
            processes=dict(started),
            replicas_ready_seconds=ready_seconds,
            replica_start_seconds=start_seconds,
        )
    finally:
        for process in reversed(list(started.values())):
            process.stop()


def render_nginx_conf(values: dict[str, str]) -> str:
    """nginx.prod.conf with its ``${...}`` names filled in by envsubst, as Procfile.prod does."""
    envsubst = shutil.which("envsubst")
    if envsubst is None:
        pytest.fail("envsubst missing: apt-get install -y --no-install-recommends gettext-base")
    names = " ".join(f"${{{name}}}" for name in NGINX_VARIABLES)
    return subprocess.run(
        [envsubst, names],
        input=(ROOT / "nginx.prod.conf").read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **values},
    ).stdout


def start_nginx(
    workdir: Path,
    listen_port: int,
    internal_port: int,
    replica_ports: list[int],
    limits: Optional[dict[str, str]] = None,
    name: str = "nginx",
) -> ServiceProcess:
    """nginx from Debian's package with the rendered production configuration, in
    ``workdir/name``; per-address ``limits`` default to :data:`POPULATION_LIMITS`."""
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        pytest.fail("nginx missing: apt-get install -y --no-install-recommends nginx gettext-base")
    prefix = workdir / name
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    values = {
        "LB_LISTEN": f"127.0.0.1:{listen_port}",
        "LB_INTERNAL_LISTEN": f"127.0.0.1:{internal_port}",
        **(limits or POPULATION_LIMITS),
        **{f"RASA_REPLICA_{i + 1}": f"127.0.0.1:{port}" for i, port in enumerate(replica_ports)},
    }
    (prefix / "nginx.conf").write_text(render_nginx_conf(values), encoding="utf-8")
    return ServiceProcess(
        f"scale-{name}",
        [nginx, "-p", f"{prefix}/", "-c", "nginx.conf", "-e", "stderr", "-g", "daemon off;"],
        ready_url=f"http://127.0.0.1:{listen_port}/lb-health",
        ready=lambda r: r.status_code == 200,
    ).start()


def rasa_replica(
    index: int, port: int, env: dict[str, str], model: Optional[Path] = None
) -> ServiceProcess:
    """One Rasa replica, started as Procfile.prod starts rasa1/rasa2."""
    return ServiceProcess(
        f"scale-rasa-{index}",
        [
            *RASA_SERVER,
            "run",
            "--model",
            str(model or stack.MODEL),
            "--enable-api",
            "--auth-token",
            stack.RASA_TOKEN,
            "--cors",
            "*",
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
            "--endpoints",
            str(ENDPOINTS),
            "--credentials",
            str(ROOT / "credentials.yml"),
        ],
        ready_url=f"http://127.0.0.1:{port}/status?token={stack.RASA_TOKEN}",
        ready=lambda r: r.status_code == 200,
        env=env,
        timeout=300,
    )


def wait_for_tables(
    databases: dict[str, str], gave_up: Callable[[], bool], timeout: float = 180.0
) -> None:
    """Waits until the first replica has created the tracker store's and the event broker's
    tables. Replicas that start together on empty databases race to create them and Rasa's
    SQL event broker does not survive losing that race (docs/deploy.md, first start).
    Returns early when ``gave_up()`` (the replica is up, or it failed: its start says why)."""
    engines = [create_engine(databases[purpose]) for purpose in ("rasa", "events")]
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not gave_up():
            found = 0
            for engine in engines:
                with engine.connect() as connection:
                    found += bool(
                        connection.execute(text("SELECT to_regclass('public.events')")).scalar()
                    )
            if found == len(engines):
                return
            time.sleep(0.2)
    finally:
        for engine in engines:
            engine.dispose()
