"""Fixtures of tests/scale: the production topology of docs/deploy.md, started once for the
whole directory (each test module names its own conversations).

PostgreSQL and Redis missing is a failure, not a skip (see tests/scale/prod_stack.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.scale.prod_stack import (
    REDIS_DB,
    ProdStack,
    TopologyUnavailable,
    flushed_redis_db,
    private_databases,
    production_topology,
)
from tests.support import stack


@pytest.fixture(scope="session")
def databases() -> Iterator[dict[str, str]]:
    """Private PostgreSQL databases for this run, by purpose; dropped afterwards."""
    try:
        with private_databases() as urls:
            yield urls
    except TopologyUnavailable as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def redis_db() -> Iterator[int]:
    """The Redis database number dedicated to this test, flushed before and after."""
    try:
        with flushed_redis_db(REDIS_DB) as db:
            yield db
    except TopologyUnavailable as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def prod_stack(tmp_path_factory, databases: dict[str, str], redis_db: int) -> Iterator[ProdStack]:
    """Backend and desk on PostgreSQL, a two-worker action server, two Rasa replicas on
    endpoints.prod.yml (PostgreSQL tracker store and events, Redis lock store), nginx."""
    if not stack.MODEL.exists():
        pytest.fail(f"{stack.MODEL} missing: run `make train` (make test does)")
    workdir = tmp_path_factory.mktemp("scale")
    with production_topology(workdir, databases, redis_db) as topology:
        yield topology
