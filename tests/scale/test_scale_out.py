"""Two Rasa replicas on the production configuration keep every conversation whole.

Eighteen customers talk at the same time. Each conversation's turns are spread over replica 1,
replica 2 and the nginx balancer in front of them, and some turns are sent in pairs, at the
same moment, to both replicas. Afterwards every tracker (read from both replicas), the tracker
store's and the event broker's PostgreSQL tables are checked: every user turn is there exactly
once, in the order it was sent (a pair in either order, but never interleaved with the other
turn's answer), and every turn was answered.
"""

from __future__ import annotations

import asyncio
import itertools
import queue
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Optional

import httpx
import pytest
import redis
import socketio
from sqlalchemy import create_engine, text

from channels.guard import FAILURE_REPLY
from desk.clients.rasa import RasaClient
from service_kit import customer_token
from tests.scale.prod_stack import REDIS_HOST, REDIS_PORT, ProdStack
from tests.support import stack

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.e2e, pytest.mark.timeout(280)]

TURN_KEY = "scale_turn"  # metadata key that names each sent turn

# (customer, scripted rounds): a round is one message, or a pair sent to both replicas at the
# same moment. Every message is answered and none hands the conversation to a person.
SCRIPTS: list[tuple[Optional[str], list[tuple[str, ...]]]] = [
    (
        "u1001",
        [
            ("你好", "你是机器人吗"),
            ("我付款失败了",),
            ("解决了",),
            ("客服电话多少", "怎么绑定银行卡"),
            ("谢谢",),
        ],
    ),
    (
        "u1005",
        [("退款到哪了", "你好"), ("怎么绑定银行卡",), ("退款到哪了", "客服电话多少"), ("谢谢",)],
    ),
    (
        "u1002",
        [("付款提示超过限额",), ("好的",), ("今天天气怎么样", "你好"), ("客服电话多少", "谢谢")],
    ),
    ("u1003", [("你好", "你是机器人吗"), ("转账失败了",), ("嗯嗯",), ("怎么绑定银行卡", "谢谢")]),
    (None, [("你好", "怎么付款"), ("客服电话多少", "今天天气怎么样"), ("谢谢",)]),
    (None, [("你是机器人吗", "客服电话多少"), ("退款到哪了",), ("谢谢", "你好")]),
]
COPIES = 3  # each script is played by this many customers at once


@dataclass
class Sent:
    """One user turn as sent: where to, and what came back."""

    turn_id: str
    text: str
    entry: str  # replica-1 | replica-2 | balancer
    round_index: int
    reply: list[dict[str, Any]] = field(default_factory=list)
    replica_header: str = ""


@dataclass
class Conversation:
    sender: str
    customer: Optional[str]
    rounds: list[tuple[str, ...]]
    sent: list[Sent] = field(default_factory=list)


def build_conversations() -> list[Conversation]:
    """Each script played COPIES times, by different senders."""
    run = int(time.time())
    conversations = []
    for copy, (index, (customer, rounds)) in itertools.product(range(COPIES), enumerate(SCRIPTS)):
        sender = f"scale-{run}-{copy}-{index}"
        conversations.append(Conversation(sender, customer, rounds))
    return conversations


async def play(
    client: httpx.AsyncClient, conversation: Conversation, entries: dict[str, str], offset: int
) -> None:
    """Sends the conversation's rounds in order; a pair goes to both replicas at once."""
    metadata_base: dict[str, Any] = {}
    if conversation.customer:
        token = customer_token.mint(conversation.customer, secret=stack.CHAT_JWT_SECRET)
        metadata_base["customer_token"] = token
    rotation = itertools.cycle(["replica-1", "replica-2", "balancer"])
    for _ in range(offset):
        next(rotation)
    number = itertools.count(1)

    async def send(item: Sent) -> None:
        body = {
            "sender": conversation.sender,
            "message": item.text,
            "metadata": {**metadata_base, TURN_KEY: item.turn_id},
        }
        response = await client.post(f"{entries[item.entry]}/webhooks/rest/webhook", json=body)
        response.raise_for_status()
        item.reply = response.json()
        item.replica_header = response.headers.get("X-Eepay-Replica", "")

    for round_index, texts in enumerate(conversation.rounds):
        if len(texts) == 1:
            items = [
                Sent(f"{conversation.sender}#{next(number)}", texts[0], next(rotation), round_index)
            ]
        else:
            pair_entries = (
                ["replica-1", "replica-2"] if round_index % 2 else ["replica-2", "replica-1"]
            )
            items = [
                Sent(f"{conversation.sender}#{next(number)}", text_, entry, round_index)
                for text_, entry in zip(texts, pair_entries, strict=True)
            ]
        conversation.sent.extend(items)
        await asyncio.gather(*(send(item) for item in items))


class LockWatcher:
    """Polls the test's Redis database for Rasa's conversation locks while the load runs."""

    def __init__(self, db: int) -> None:
        self.client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db)
        self.seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.seen.update(key.decode() for key in self.client.scan_iter("lock:*"))
            self._stop.wait(0.01)

    def __enter__(self) -> LockWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.client.close()


def user_turns(events: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(turn id, number of bot messages until the next user message) for each user event."""
    turns: list[list] = []
    for event in events:
        if event.get("event") == "user":
            turns.append([(event.get("metadata") or {}).get(TURN_KEY, "?"), 0])
        elif event.get("event") == "bot" and turns:
            turns[-1][1] += 1
    return [(turn_id, answers) for turn_id, answers in turns]


def check_order(conversation: Conversation, stored: list[str]) -> None:
    """Stored turn ids follow the rounds; the two turns of a pair may come in either order."""
    position = 0
    for round_index in range(len(conversation.rounds)):
        expected = {s.turn_id for s in conversation.sent if s.round_index == round_index}
        got = set(stored[position : position + len(expected)])
        assert got == expected, (
            f"{conversation.sender}: round {round_index} expected {sorted(expected)} at "
            f"positions {position}.., tracker has {stored}"
        )
        position += len(expected)


def test_two_replicas_keep_interleaved_conversations_whole(prod_stack: ProdStack) -> None:
    entries = {
        "replica-1": prod_stack.replica_urls[0],
        "replica-2": prod_stack.replica_urls[1],
        "balancer": prod_stack.balancer_url,
    }
    conversations = build_conversations()

    async def run_all() -> None:
        async with httpx.AsyncClient(timeout=120) as client:
            await asyncio.gather(
                *(play(client, c, entries, offset=i) for i, c in enumerate(conversations))
            )

    with LockWatcher(prod_stack.redis_db) as locks:
        asyncio.run(run_all())

    # the Redis lock store was used (Rasa's locks are named lock:<conversation id>)
    assert locks.seen, "no conversation lock ever appeared in Redis: is the lock store redis?"
    # the balancer spread its share over both replicas ...
    through_balancer = {
        s.replica_header for c in conversations for s in c.sent if s.entry == "balancer"
    }
    assert len(through_balancer) == 2, f"balancer used only {through_balancer}"
    # ... by conversation (test_the_balancer_keeps_each_conversation_on_one_replica)
    for conversation in conversations:
        through = {s.replica_header for s in conversation.sent if s.entry == "balancer"}
        assert len(through) <= 1, f"{conversation.sender} went to {through}"

    all_sent = [s for c in conversations for s in c.sent]
    unanswered = [s for s in all_sent if not any(m.get("text") for m in s.reply)]
    assert not unanswered, f"turns without an answer: {[(s.turn_id, s.text) for s in unanswered]}"
    failed = [
        s.turn_id for s in all_sent if any(FAILURE_REPLY in (m.get("text") or "") for m in s.reply)
    ]
    assert not failed, f"handling failed (the guard apologised) for {failed}"

    with httpx.Client(timeout=30) as client:
        for conversation in conversations:
            trackers = [
                client.get(
                    f"{url}/conversations/{conversation.sender}/tracker",
                    params={"token": stack.RASA_TOKEN, "include_events": "ALL"},
                ).json()
                for url in prod_stack.replica_urls
            ]
            # both replicas read the same conversation from PostgreSQL
            assert trackers[0]["events"] == trackers[1]["events"], conversation.sender
            turns = user_turns(trackers[0]["events"])
            stored = [turn_id for turn_id, _ in turns]
            sent_ids = [s.turn_id for s in conversation.sent]
            counts = Counter(stored)
            assert not [t for t, n in counts.items() if n > 1], f"duplicated turns: {counts}"
            assert sorted(stored) == sorted(sent_ids), (
                f"{conversation.sender}: sent {sent_ids}, tracker has {stored}"
            )
            check_order(conversation, stored)
            silent = [turn_id for turn_id, answers in turns if answers == 0]
            assert not silent, f"{conversation.sender}: turns not answered in the tracker: {silent}"
            assert not trackers[0].get("paused"), f"{conversation.sender} was handed off"

    # the PostgreSQL tables hold each user turn once: tracker store and event broker alike
    expected = Counter({c.sender: len(c.sent) for c in conversations})
    for purpose in ("rasa", "events"):
        engine = create_engine(prod_stack.databases[purpose])
        try:
            with engine.connect() as connection:
                if purpose == "rasa":
                    rows = connection.execute(
                        text(
                            "SELECT sender_id, count(*) FROM events "
                            "WHERE type_name = 'user' GROUP BY sender_id"
                        )
                    )
                else:
                    rows = connection.execute(
                        text(
                            "SELECT sender_id, count(*) FROM events "
                            "WHERE data::json->>'event' = 'user' GROUP BY sender_id"
                        )
                    )
                stored_counts = Counter({sender: n for sender, n in rows if sender in expected})
        finally:
            engine.dispose()
        assert stored_counts == expected, f"{purpose} database: {stored_counts} != {expected}"


def test_an_agent_reply_sent_through_one_replica_reaches_a_widget_on_the_other(
    prod_stack: ProdStack,
) -> None:
    """The widget's socket lives on replica 1; the desk's reply lands on replica 2. Through the
    socket.io Redis manager (``REDIS_URL``) replica 2's emit is delivered by replica 1."""
    session = f"sio-{uuid.uuid4().hex[:12]}"
    client = socketio.Client(reconnection=False)
    confirmed: queue.Queue[object] = queue.Queue()
    answers: queue.Queue[dict] = queue.Queue()
    client.on("session_confirm", confirmed.put)
    client.on("bot_uttered", answers.put)
    client.connect(prod_stack.replica_urls[0], transports=["polling"], wait_timeout=10)
    try:
        client.emit("session_request", {"session_id": session})
        assert confirmed.get(timeout=10) == session
        client.emit("user_uttered", {"message": "你好", "session_id": session, "metadata": {}})
        assert answers.get(timeout=45).get("text"), "replica 1 did not answer its own socket"
        while not answers.empty():
            answers.get_nowait()

        desk_side = RasaClient(prod_stack.replica_urls[1], stack.RASA_TOKEN)
        try:
            desk_side.send_agent_message(session, "您好，我是人工客服小王", "小王")
        finally:
            desk_side.close()
        delivered = answers.get(timeout=15)
    finally:
        client.disconnect()
    assert delivered.get("text") == "您好，我是人工客服小王"
    assert delivered.get("metadata") == {"sender": "agent", "agent_name": "小王"}


def test_the_balancer_keeps_each_conversation_on_one_replica(prod_stack: ProdStack) -> None:
    """REST turns are routed by their sender: the replica that handled a conversation's last
    turn still holds its tracker. Conversations spread over both replicas."""
    run = int(time.time() * 1000)
    replicas_of: dict[str, set[str]] = {}
    with httpx.Client(timeout=60) as client:
        for turn in range(3):
            for index in range(13):  # odd: a round robin would alternate them
                sender = f"affinity-{run}-{index}"
                response = client.post(
                    f"{prod_stack.balancer_url}/webhooks/rest/webhook",
                    json={"sender": sender, "message": ["你好", "谢谢", "我付款失败了"][turn]},
                )
                response.raise_for_status()
                assert response.json(), f"{sender} got no answer"
                replicas_of.setdefault(sender, set()).add(response.headers["X-Eepay-Replica"])
    assert all(len(replicas) == 1 for replicas in replicas_of.values()), replicas_of
    assert len(set().union(*replicas_of.values())) == 2, "every conversation on one replica"
