"""The socket.io protocol the widget relies on, checked without a browser.

The widget asks for its session with ``session_request`` after each (re)connect and expects
Rasa to answer ``bot_uttered`` into that session's room, under the same conversation id.
"""

from __future__ import annotations

import uuid

import pytest

from tests.web.conftest import WebStack
from tests.web.rasa_socket import ChannelBroken, check_channel

pytestmark = pytest.mark.e2e


def answers(web_stack: WebStack, session: str, message: str) -> list[dict]:
    try:
        return check_channel(web_stack.rasa_url, session, message)
    except ChannelBroken as defect:
        pytest.fail(str(defect), pytrace=False)


def test_rasa_answers_into_the_session_room(web_stack: WebStack):
    got = answers(web_stack, uuid.uuid4().hex, "你好")
    assert any(reply.get("text") for reply in got)


def test_reconnecting_with_the_same_session_id_keeps_the_conversation(web_stack: WebStack):
    session = uuid.uuid4().hex
    for message in ("我付款失败了", "谢谢"):  # two connections, one conversation
        assert answers(web_stack, session, message)
    events = web_stack.rasa_tracker(session)["events"]
    said = [e.get("text") for e in events if e.get("event") == "user"]
    assert said[-2:] == ["我付款失败了", "谢谢"]
