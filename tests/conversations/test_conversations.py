"""Every conversation of tests/conversations/*.yml, played over REST against the real stack.

One test per conversation. A conversation whose ``needs`` are not all built (suite.BUILT) is
skipped with the missing work as the reason; bench/conversations.py plays those too.
"""

from __future__ import annotations

import pytest

from tests.conversations import suite
from tests.support.live_stack import LiveStack

pytestmark = [pytest.mark.e2e, pytest.mark.conversations]

BUILT = suite.built_needs()


def _param(conversation: suite.Conversation) -> object:
    unmet = suite.unmet_needs(conversation, BUILT)
    marks = [pytest.mark.skip(reason=f"needs {', '.join(unmet)} (not built yet)")] if unmet else []
    return pytest.param(conversation, id=conversation.id, marks=marks)


@pytest.mark.parametrize("conversation", [_param(c) for c in suite.load()])
def test_conversation(conversation: suite.Conversation, live: LiveStack) -> None:
    result = suite.play(conversation, live)
    assert result.passed, "\n" + result.transcript()
