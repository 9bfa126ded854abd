"""Fixtures of the client tests: the actions suite's backend process, free of faults."""

from __future__ import annotations

import pytest

from tests.actions.clients.live_backend import LiveBackend
from tests.support import stack


@pytest.fixture
def live(backend: stack.Service) -> LiveBackend:
    """The backend with fresh demo data (reset by ``action_env``), no faults, wall clock."""
    server = LiveBackend(backend.url)
    server.clear_test_state()
    return server
