"""One live stack for the whole conversation suite: backend, action server, Rasa and desk.

Started once (the Rasa server takes most of a minute to load the model); each conversation
resets the backend's demo data and talks as a new sender, so none sees another's refunds,
disputes, frozen cards or tickets.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.live_stack import LiveStack, start_live_stack


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    with start_live_stack(tmp_path_factory.mktemp("conversations")) as stack:
        yield stack
