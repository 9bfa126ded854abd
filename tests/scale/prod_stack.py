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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support import stack
from tests.support.processes import ROOT, VENV_BIN, ServiceProcess

PG_ADMIN_URL = os.environ.get("SCALE_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379
REDIS_DB = int(os.environ.get("SCALE_REDIS_DB", "11"))
DATABASES = ("rasa", "events", "backend", "desk")
REPLICAS = 2
NGINX_VARIABLES = ("LB_LISTEN", "RASA_REPLICA_1", "RASA_REPLICA_2")
# the production endpoints under test (another file only to try a change of them)
ENDPOINTS = Path(os.environ.get("SCALE_ENDPOINTS_FILE") or ROOT / "endpoints.prod.yml")


@dataclass
class ProdStack:
    """Two Rasa replicas behind nginx, with everything they share."""

    balancer_url: str
    replica_urls: list[str]
    databases: dict[str, str]
    redis_db: int
    processes: list[ServiceProcess] = field(default_factory=list)


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


def start_nginx(workdir: Path, listen_port: int, replica_ports: list[int]) -> ServiceProcess:
    """nginx from Debian's package with the rendered production configuration."""
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        pytest.fail("nginx missing: apt-get install -y --no-install-recommends nginx gettext-base")
    prefix = workdir / "nginx"
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    values = {
        "LB_LISTEN": f"127.0.0.1:{listen_port}",
        **{f"RASA_REPLICA_{i + 1}": f"127.0.0.1:{port}" for i, port in enumerate(replica_ports)},
    }
    (prefix / "nginx.conf").write_text(render_nginx_conf(values), encoding="utf-8")
    return ServiceProcess(
        "scale-nginx",
        [nginx, "-p", f"{prefix}/", "-c", "nginx.conf", "-e", "stderr", "-g", "daemon off;"],
        ready_url=f"http://127.0.0.1:{listen_port}/lb-health",
        ready=lambda r: r.status_code == 200,
    ).start()


def rasa_replica(index: int, port: int, env: dict[str, str]) -> ServiceProcess:
    """One Rasa replica, started as Procfile.prod starts rasa1/rasa2."""
    return ServiceProcess(
        f"scale-rasa-{index}",
        [
            str(VENV_BIN / "rasa"),
            "run",
            "--model",
            str(stack.MODEL),
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
