"""Rasa's events table, and generated conversations whose true figures the tests know.

``EventsDatabase`` fills the ``events`` table with
``addons.stores.event_broker.SQLEventBroker``, the broker Rasa runs (endpoints.yml), from
real ``rasa.shared.core.events`` objects: each row is
``{"sender_id": ..., **event.as_dict()}`` as JSON, exactly what Rasa's tracker store streams.

``generate`` builds days of conversations — sessions opened by ``session_started`` (and one
sender whose first event opens it), senders with several sessions, sessions without a user
message, a conversation across midnight, handoffs (``action_hand_off``, pause, agent reply,
resume), ratings — and ``Dataset.truth`` computes the dashboard's figures from that
description alone, with the definitions of docs/contracts.md.
"""

from __future__ import annotations

import random
import statistics
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo

from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from addons.stores.event_broker import SQLEventBroker
from service_kit import fast_json

ZONE = ZoneInfo("Asia/Shanghai")

TEXTS: dict[str, list[str]] = {
    "payment_failed": ["我付款失败了", "支付不成功怎么回事", "付不了款"],
    "request_refund": ["我要退款", "申请退款", "这笔能退吗"],
    "refund_status": ["退款到哪了", "退款怎么还没到账"],
    "forgot_password": ["忘记密码了", "密码想不起来"],
    "login_problem": ["登录不上", "账号登不进去"],
    "greet": ["你好", "在吗"],
    "thank": ["谢谢", "好的谢谢"],
    "affirm": ["/affirm", "是的"],
    "request_human": ["转人工", "我要找人工客服"],
    "nlu_fallback": [
        "发票怎么开",
        "怎么开发票",
        "能开发票吗",
        "今天天气怎么样",
        "明天会下雨吗",
        "asdfgh",
    ],
    "out_of_scope": ["快递到哪了", "我的快递怎么还没到", "快递什么时候到", "信用卡积分怎么兑换"],
}
INTENT_WEIGHTS = {
    "payment_failed": 8,
    "request_refund": 5,
    "refund_status": 4,
    "forgot_password": 3,
    "login_problem": 3,
    "greet": 6,
    "thank": 4,
    "affirm": 3,
    "request_human": 2,
    "nlu_fallback": 4,
    "out_of_scope": 3,
}
REASONS = ("customer_request", "repeated_fallback", "unresolved_checklist", "risk_control")
CHANNELS = ("socketio", "rest", "wechat")


class EventsDatabase:
    """The events table of one events database, written by Rasa's own SQL event broker."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.broker = SQLEventBroker(host=url)  # creates the table as Rasa does

    def publish(self, sender_id: str, event: Event) -> None:
        """One event through ``SQLEventBroker.publish``, waiting until the writer committed it."""
        self.broker.publish({"sender_id": sender_id, **event.as_dict()})
        self.broker.flush()

    def publish_all(self, items: list[tuple[str, Event]]) -> None:
        """Many events in one transaction: the same rows ``publish`` writes, only faster."""
        with self.broker.session_scope() as session:
            session.add_all(
                [
                    self.broker.SQLBrokerEvent(
                        sender_id=sender_id,
                        data=fast_json.dumps({"sender_id": sender_id, **event.as_dict()}),
                    )
                    for sender_id, event in items
                ]
            )
            session.commit()

    def rows(self) -> list[tuple[int, str, str]]:
        """Every row in id order."""
        with self.broker.session_scope() as session:
            return [
                (row.id, row.sender_id, row.data)
                for row in session.query(self.broker.SQLBrokerEvent).order_by(
                    self.broker.SQLBrokerEvent.id
                )
            ]

    def clear(self) -> None:
        """Delete every row."""
        with self.broker.session_scope() as session:
            session.query(self.broker.SQLBrokerEvent).delete()
            session.commit()

    def dispose(self) -> None:
        """Close the broker's connections."""
        self.broker.engine.dispose()


def user(text: str, intent: str, moment: datetime, channel: str = "rest") -> UserUttered:
    """A user message as Rasa's NLU leaves it (intent, ranking, entities)."""
    confidence = 0.31 if intent == "nlu_fallback" else 0.93
    message_id = uuid.uuid4().hex
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}],
        "entities": [],
        "message_id": message_id,
        "metadata": {},
    }
    return UserUttered(
        text,
        intent={"name": intent, "confidence": confidence},
        parse_data=parse_data,
        timestamp=moment.timestamp(),
        input_channel=channel,
        message_id=message_id,
        metadata={},
    )


def session_start(moment: datetime) -> list[Event]:
    """What Rasa logs when a session starts (the project's action_session_start)."""
    ts = moment.timestamp()
    return [
        ActionExecuted("action_session_start", timestamp=ts),
        SessionStarted(timestamp=ts),
        SlotSet("customer_id", None, timestamp=ts),
        ActionExecuted("action_listen", timestamp=ts),
    ]


@dataclass
class Conversation:
    """One Rasa session and what happened to it at the desk."""

    sender: str
    start: datetime
    messages: list[tuple[str, str]]  # (text, intent)
    channel: str = "rest"
    gap: timedelta = timedelta(seconds=40)
    explicit_start: bool = True
    handoff_after: Optional[int] = None  # index of the message after which the bot hands off
    reason: Optional[str] = None
    first_response: Optional[timedelta] = None  # agent's first reply after the handoff
    resolution: Optional[timedelta] = None  # resolved after the handoff
    rating: Optional[int] = None

    def message_time(self, index: int) -> datetime:
        return self.start + timedelta(seconds=5) + index * self.gap

    @property
    def handed_off(self) -> bool:
        return self.handoff_after is not None

    @property
    def handoff_time(self) -> datetime:
        assert self.handoff_after is not None
        return self.message_time(self.handoff_after) + timedelta(seconds=2)

    @property
    def end(self) -> datetime:
        last = self.message_time(len(self.messages) - 1) + timedelta(seconds=3)
        if self.handed_off and self.resolution is not None:
            last = max(last, self.handoff_time + self.resolution)
        return last

    @property
    def rated_at(self) -> datetime:
        return self.end + timedelta(minutes=1)

    @property
    def day(self) -> date:
        return self.message_time(0).astimezone(ZONE).date()

    def events(self) -> list[tuple[datetime, Event]]:
        """The session's tracker events, as Rasa would log them, with their times."""
        out: list[tuple[datetime, Event]] = []
        if self.explicit_start:
            out += [(self.start, event) for event in session_start(self.start)]
        paused = False
        for index, (text, intent) in enumerate(self.messages):
            moment = self.message_time(index)
            out.append((moment, user(text, intent, moment, self.channel)))
            if not paused:
                reply = moment + timedelta(seconds=1)
                out += [
                    (reply, ActionExecuted(f"utter_{intent}", timestamp=reply.timestamp())),
                    (reply, BotUttered(f"回复：{intent}", {}, timestamp=reply.timestamp())),
                    (reply, ActionExecuted("action_listen", timestamp=reply.timestamp())),
                ]
            if index == self.handoff_after:
                at = self.handoff_time
                ts = at.timestamp()
                out += [
                    (at, ActionExecuted("action_hand_off", policy="RulePolicy", timestamp=ts)),
                    (at, BotUttered("已为您转接人工客服", {}, timestamp=ts)),
                    (at, ConversationPaused(timestamp=ts)),
                ]
                paused = True
        if self.handed_off and self.first_response is not None:
            at = self.handoff_time + self.first_response
            out.append(
                (
                    at,
                    BotUttered(
                        "您好，我是人工客服",
                        {"custom": {"type": "agent_message", "agent_name": "小王"}},
                        {"sender": "agent", "agent_name": "小王"},
                        timestamp=at.timestamp(),
                    ),
                )
            )
        if self.handed_off and self.resolution is not None:
            at = self.handoff_time + self.resolution
            ts = at.timestamp()
            out += [
                (at, ConversationResumed(timestamp=ts)),
                (at, ActionExecuted("action_back_to_bot", timestamp=ts)),
                (at, BotUttered("欢迎回来！", {}, timestamp=ts)),
                (at, ActionExecuted("action_listen", timestamp=ts)),
            ]
        return out


@dataclass
class Dataset:
    """Generated conversations plus sessions that never got a user message."""

    conversations: list[Conversation]
    empty_sessions: list[tuple[str, datetime]] = field(default_factory=list)
    repeated_ratings: list[Conversation] = field(default_factory=list)

    def events(self) -> list[tuple[str, Event]]:
        """Every event of every sender in time order (as the broker would have stored them)."""
        timed: list[tuple[datetime, int, str, Event]] = []
        order = 0
        for sender, moment in self.empty_sessions:
            for event in session_start(moment):
                timed.append((moment, order, sender, event))
                order += 1
        for conversation in self.conversations:
            for moment, event in conversation.events():
                timed.append((moment, order, conversation.sender, event))
                order += 1
        timed.sort(key=lambda item: (item[0], item[1]))
        return [(sender, event) for _moment, _order, sender, event in timed]

    def truth(self, since: date, until: date) -> dict[str, Any]:
        """The dashboard's figures for since..until, from the description alone."""

        def in_period(moment: datetime) -> bool:
            return since <= moment.astimezone(ZONE).date() <= until

        convs = [c for c in self.conversations if since <= c.day <= until]
        messages = [intent for c in convs for _text, intent in c.messages]
        contained = [c for c in convs if not c.handed_off]
        tickets = [c for c in self.conversations if c.handed_off and in_period(c.handoff_time)]
        rated = [c for c in self.conversations if c.rating and in_period(c.rated_at)]
        first = [c.first_response.total_seconds() for c in tickets if c.first_response]
        resolved = [c.resolution.total_seconds() for c in tickets if c.resolution]

        def avg(group: list[Conversation]) -> Optional[float]:
            return sum(c.rating for c in group) / len(group) if group else None

        per_day = Counter(c.day for c in convs)
        per_day_contained = Counter(c.day for c in contained)
        return {
            "conversations": len(convs),
            "contained": len(contained),
            "containment_rate": len(contained) / len(convs) if convs else None,
            "handoffs_by_reason": dict(Counter(c.reason for c in tickets)),
            "csat_count": len(rated),
            "csat_avg": avg(rated),
            "csat_distribution": {str(s): sum(c.rating == s for c in rated) for s in range(1, 6)},
            "csat_bot_only": avg([c for c in rated if not c.handed_off]),
            "csat_with_human": avg([c for c in rated if c.handed_off]),
            "user_messages": len(messages),
            "fallback_rate": messages.count("nlu_fallback") / len(messages) if messages else None,
            "intents": dict(Counter(messages)),
            "unanswered": sum(i in ("nlu_fallback", "out_of_scope") for i in messages),
            "median_first_response_seconds": statistics.median(first) if first else None,
            "median_resolution_seconds": statistics.median(resolved) if resolved else None,
            "per_day": {
                day: (per_day.get(day, 0), per_day_contained.get(day, 0))
                for day in (since + timedelta(days=n) for n in range((until - since).days + 1))
            },
        }


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of a local day, in UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(timezone.utc)


def _messages(rng: random.Random, count: int) -> list[tuple[str, str]]:
    intents = rng.choices(list(INTENT_WEIGHTS), weights=list(INTENT_WEIGHTS.values()), k=count)
    return [(rng.choice(TEXTS[intent]), intent) for intent in intents]


def generate(first_day: date, days: int, *, seed: int = 9, prefix: str = "") -> Dataset:
    """Conversations on ``days`` days from ``first_day``, with the special cases listed above
    (sender ids start with ``prefix``)."""
    rng = random.Random(seed)
    conversations: list[Conversation] = []
    empty: list[tuple[str, datetime]] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for number in range(rng.randint(3, 7)):
            start = local(day, rng.randint(0, 22), rng.randint(0, 59))
            messages = _messages(rng, rng.randint(1, 5))
            conversation = Conversation(
                sender=f"{prefix}gen-{day.isoformat()}-{number}",
                start=start,
                messages=messages,
                channel=rng.choice(CHANNELS),
            )
            if rng.random() < 0.35:
                conversation.handoff_after = rng.randrange(len(messages))
                conversation.reason = rng.choice(REASONS)
                if rng.random() < 0.85:
                    conversation.first_response = timedelta(seconds=rng.randint(20, 900))
                    if rng.random() < 0.8:
                        conversation.resolution = conversation.first_response + timedelta(
                            seconds=rng.randint(60, 3600)
                        )
            if rng.random() < 0.6:
                conversation.rating = rng.choice([1, 2, 3, 4, 4, 5, 5, 5])
            conversations.append(conversation)
        # a returning sender: a second session of an earlier conversation's sender
        returning = conversations[-1]
        conversations.append(
            Conversation(
                sender=returning.sender,
                start=max(returning.end, returning.start) + timedelta(hours=1, minutes=5),
                messages=_messages(rng, 2),
                channel=returning.channel,
            )
        )
        # a session that ended without any user message
        empty.append((f"{prefix}idle-{day.isoformat()}", local(day, 12, 30)))
    middle = first_day + timedelta(days=days // 2)
    # across midnight: counted on the day of its first user message
    conversations.append(
        Conversation(
            sender=f"{prefix}late-night",
            start=local(middle, 23, 57),
            messages=[("我付款失败了", "payment_failed"), ("发票怎么开", "nlu_fallback")] * 3,
            gap=timedelta(minutes=1),
            handoff_after=4,
            reason="repeated_fallback",
            first_response=timedelta(minutes=3),
            resolution=timedelta(minutes=9),
            rating=2,
        )
    )
    # a sender whose very first event is a user message (no session_started)
    conversations.append(
        Conversation(
            sender=f"{prefix}legacy-sender",
            start=local(middle, 9, 0),
            messages=[("退款到哪了", "refund_status"), ("/affirm", "affirm")],
            explicit_start=False,
            rating=5,
        )
    )
    repeated = [c for c in conversations if c.rating][:2]
    return Dataset(conversations, empty, repeated)
