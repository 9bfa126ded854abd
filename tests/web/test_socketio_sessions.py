"""Knowing a conversation's id is not enough to listen to it over socket.io.

Real socket.io clients (python-socketio, long-polling) against the real Rasa server: the
customer's own sockets hear the conversation, a stranger's socket that asks for the same
session id hears nothing of it, neither the bot's answers nor an agent's message.
"""

from __future__ import annotations

import queue
import re
import time
import uuid
from typing import Any, Optional

import pytest
import socketio

from service_kit.customer_token import mint
from tests.support import stack as services
from tests.web.conftest import WebStack
from tests.web.test_widget_browser import push_bot_event

pytestmark = pytest.mark.e2e

HEX_SESSION = re.compile(r"[0-9a-f]{32}")
QUIET_SECONDS = 3.0  # how long a socket that must hear nothing is listened to


def token(customer_id: str) -> str:
    return mint(customer_id, secret=services.CHAT_JWT_SECRET)


class Client:
    """One socket.io connection to Rasa, recording what it hears."""

    def __init__(self, rasa_url: str) -> None:
        self.sio = socketio.Client(reconnection=False)
        self.confirmed: queue.Queue[Any] = queue.Queue()
        self.heard: queue.Queue[dict] = queue.Queue()
        self.sio.on("session_confirm", self.confirmed.put)
        self.sio.on("bot_uttered", self.heard.put)
        self.sio.connect(rasa_url, transports=["polling"], wait_timeout=10)
        self.session: Optional[str] = None

    def request(self, session_id: Any, customer_token: Optional[str] = None) -> Any:
        data: dict[str, Any] = {"session_id": session_id}
        if customer_token:
            data["customer_token"] = customer_token
        self.sio.emit("session_request", data)
        self.session = self.confirmed.get(timeout=10)
        return self.session

    def say(self, text: str, customer_token: Optional[str] = None, session: Any = None) -> None:
        metadata = {"customer_token": customer_token} if customer_token else {}
        self.sio.emit(
            "user_uttered",
            {"message": text, "session_id": session or self.session, "metadata": metadata},
        )

    def answers(self, timeout: float = 45) -> list[str]:
        """Texts heard: waiting up to ``timeout`` for the first, then until a second is quiet."""
        texts: list[str] = []
        wait = timeout
        while True:
            try:
                texts.append(self.heard.get(timeout=wait).get("text") or "")
            except queue.Empty:
                return texts
            wait = 1.0

    def close(self) -> None:
        # engine.io's close without waiting for the pending long-poll to come back (the
        # client's own disconnect() waits for it, up to a ping interval)
        self.sio.eio.disconnect(abort=True)


@pytest.fixture
def connect(web_stack: WebStack):
    opened: list[Client] = []

    def factory() -> Client:
        opened.append(Client(web_stack.rasa_url))
        return opened[-1]

    yield factory
    for client in opened:
        client.close()


def new_session() -> str:
    return uuid.uuid4().hex


def test_a_stranger_who_knows_a_customers_session_id_hears_nothing_of_it(connect, web_stack):
    session, u1001 = new_session(), token("u1001")
    customer = connect()
    customer.request(session, u1001)
    customer.say("你好", u1001)
    assert customer.answers()

    stranger = connect()
    assert stranger.request(session) == session  # confirmed, but kept out of the room
    other_customer = connect()
    other_customer.request(session, token("u1002"))

    customer.say("我付款失败了", u1001)
    assert customer.answers()
    agent_says = "您好，我是人工客服小王"
    custom = {"type": "agent_message", "agent_name": "小王", "text": agent_says}
    push_bot_event(
        web_stack, session, {"event": "bot", "text": agent_says, "data": {"custom": custom}}
    )
    assert agent_says in customer.answers(timeout=15)
    assert stranger.answers(timeout=QUIET_SECONDS) == []
    assert other_customer.answers(timeout=QUIET_SECONDS) == []


def test_an_anonymous_visitors_session_is_not_shared_with_a_stranger(connect):
    session = new_session()
    visitor = connect()
    visitor.request(session)
    stranger = connect()
    stranger.request(session)

    visitor.say("你好")
    assert visitor.answers()
    assert stranger.answers(timeout=QUIET_SECONDS) == []


def test_a_second_tab_of_the_same_customer_hears_the_conversation(connect):
    session, u1001 = new_session(), token("u1001")
    first, second = connect(), connect()
    first.request(session, u1001)
    second.request(session, u1001)
    first.say("你好", u1001)
    assert first.answers() and second.answers()


def test_a_stranger_leaves_no_trace_when_the_customer_reconnects(connect):
    session, u1001 = new_session(), token("u1001")
    customer = connect()
    customer.request(session, u1001)
    stranger = connect()
    stranger.request(session)
    customer.close()  # page reload: a new socket for the same conversation

    again = connect()
    assert again.request(session, u1001) == session
    again.say("你好", u1001)
    assert again.answers()
    assert stranger.answers(timeout=QUIET_SECONDS) == []


@pytest.mark.parametrize(
    "asked", ["x" * 129, "a b", "../other", {"$ne": ""}, ["room"], 42, ""], ids=repr
)
def test_a_session_id_that_is_not_a_short_safe_string_gets_a_new_session(connect, asked):
    client = connect()
    confirmed = client.request(asked)
    assert isinstance(confirmed, str) and HEX_SESSION.fullmatch(confirmed), confirmed
    client.say("你好")
    assert client.answers()


def test_a_message_naming_another_session_is_ignored(connect, web_stack):
    victim_session = new_session()
    client = connect()
    client.request(new_session())
    client.say("我付款失败了", session=victim_session)
    time.sleep(QUIET_SECONDS)
    events = web_stack.rasa_tracker(victim_session)["events"]
    assert [e for e in events if e.get("event") == "user"] == []


def test_a_packet_over_the_limit_is_refused_and_the_server_answers_others(connect, web_stack):
    session = new_session()
    client = connect()
    client.request(session)
    client.say("好" * 70_000)  # about 210 kB: over the channel's packet limit
    assert client.answers(timeout=QUIET_SECONDS) == []
    events = web_stack.rasa_tracker(session)["events"]
    assert [e for e in events if e.get("event") == "user"] == []

    other = connect()
    other.request(new_session())
    other.say("你好")
    assert other.answers()
