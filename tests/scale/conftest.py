"""Fixtures of tests/scale: the production topology of docs/deploy.md, once per module.

PostgreSQL and Redis missing is a failure, not a skip (see tests/scale/prod_stack.py).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from sqlalchemy import create_engine, text

from tests.scale.prod_stack import (
    DATABASES,
    PG_ADMIN_URL,
    REDIS_DB,
    REDIS_HOST,
    REDIS_PORT,
    REPLICAS,
    ProdStack,
    rasa_replica,
    start_nginx,
    wait_for_tables,
)
from tests.support import stack
from tests.support.processes import free_port


@pytest.fixture(scope="module")
def databases() -> Iterator[dict[str, str]]:
    """Private PostgreSQL databases for this run, by purpose; dropped afterwards."""
    admin = create_engine(
        PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means: no usable PostgreSQL
        admin.dispose()
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {error}")
    prefix = f"eepay_scale_{uuid.uuid4().hex[:8]}"
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    urls = {purpose: f"{base}/{prefix}_{purpose}" for purpose in DATABASES}
    with admin.connect() as connection:
        for purpose in DATABASES:
            connection.execute(text(f'CREATE DATABASE "{prefix}_{purpose}"'))
    try:
        yield urls
    finally:
        keep = os.environ.get("SCALE_KEEP_DATABASES") == "1"  # to read them after a failure
        if keep:
            print(f"kept databases: {urls}")
        else:
            with admin.connect() as connection:
                for purpose in DATABASES:
                    connection.execute(
                        text(f'DROP DATABASE IF EXISTS "{prefix}_{purpose}" WITH (FORCE)')
                    )
        admin.dispose()


@pytest.fixture(scope="module")
def redis_db() -> Iterator[int]:
    """The Redis database number dedicated to this test, flushed before and after."""
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}: {error}")
    client.flushdb()
    try:
        yield REDIS_DB
    finally:
        client.flushdb()
        client.close()


@pytest.fixture(scope="module")
def prod_stack(tmp_path_factory, databases: dict[str, str], redis_db: int) -> Iterator[ProdStack]:
    """Backend and desk on PostgreSQL, a two-worker action server, two Rasa replicas on
    endpoints.prod.yml (PostgreSQL tracker store and events, Redis lock store), nginx."""
    if not stack.MODEL.exists():
        pytest.fail(f"{stack.MODEL} missing: run `make train` (make test does)")
    workdir = tmp_path_factory.mktemp("scale")
    started: list = []
    try:
        backend = stack.start_backend(workdir, {"BACKEND_DATABASE_URL": databases["backend"]})
        started.append(backend)
        balancer_port = free_port()
        balancer_url = f"http://127.0.0.1:{balancer_port}"
        desk = stack.start_desk(
            workdir,
            balancer_url,
            backend.url,
            extra_env={
                "DESK_DATABASE_URL": databases["desk"],
                "EVENTS_DATABASE_URL": databases["events"],
            },
        )
        started.append(desk)
        actions = stack.start_actions(
            {
                "ACTION_SERVER_SANIC_WORKERS": "2",
                "BACKEND_URL": backend.url,
                "DESK_URL": desk.url,
                "DESK_SERVICE_TOKEN": desk.env["DESK_SERVICE_TOKEN"],
                "HANDOFF_OUTBOX_DIR": str(workdir / "handoff_outbox"),
            }
        )
        started.append(actions)
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
        }
        ports = [free_port() for _ in range(REPLICAS)]
        replicas = [rasa_replica(i + 1, port, rasa_env) for i, port in enumerate(ports)]
        started.extend(replicas)
        # The first replica creates the tables, then the second starts; both load the model
        # at the same time (a deployment's first start: docs/deploy.md).
        with ThreadPoolExecutor(REPLICAS) as pool:
            first = pool.submit(replicas[0].start)
            wait_for_tables(databases, gave_up=first.done)
            rest = [pool.submit(replica.start) for replica in replicas[1:]]
            for future in [first, *rest]:
                future.result()
        started.append(start_nginx(workdir, balancer_port, ports))
        yield ProdStack(
            balancer_url=balancer_url,
            replica_urls=[f"http://127.0.0.1:{port}" for port in ports],
            databases=databases,
            redis_db=redis_db,
        )
    finally:
        for item in reversed(started):
            item.stop()
