"""The inbound guard's limits: over-long messages, fast senders, a full turn queue, bursts.

The guard runs here exactly as in the Rasa server, with the real turn gate, around a bot that
records what reaches it (the end-to-end versions are in tests/e2e/test_limits.py).
"""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from channels import guard
from channels.guard import BUSY_REPLY, MAX_MESSAGE_CHARS, SLOW_DOWN_REPLY, TOO_LONG_REPLY
from channels.sender_limit import SenderLimit


class Bot:
    """Records the messages that reach Rasa; ``hold`` keeps their turns open until released."""

    def __init__(self, hold: bool = False) -> None:
        self.received: list[UserMessage] = []
        self.release = asyncio.Event()
        if not hold:
            self.release.set()

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        await self.release.wait()

    def texts(self) -> list[str]:
        return [m.text for m in self.received]


def message(text: str, sender: str = "c1") -> UserMessage:
    return UserMessage(text, CollectingOutputChannel(), sender, input_channel="rest")


def replies(sent: UserMessage) -> list[str]:
    return [m["text"] for m in sent.output_channel.messages]


@pytest.fixture(autouse=True)
def generous_limits(monkeypatch):
    monkeypatch.setenv("SENDER_RATE_LIMIT", "1000")
    monkeypatch.setenv("RASA_TURN_CONCURRENCY", "6")
    monkeypatch.setenv("RASA_TURN_QUEUE_LIMIT", "200")


def test_an_over_long_message_is_answered_before_any_pattern_reads_it(monkeypatch):
    read: list[str] = []
    monkeypatch.setattr(guard, "redact", lambda text: read.append(text) or (text, []))
    monkeypatch.setattr(guard, "clean_text", lambda text: read.append(text) or text)
    bot = Bot()
    huge = message("pin" * 350_000)  # a megabyte of the password pattern's worst case

    asyncio.run(guard.guarded(bot)(huge))

    assert replies(huge) == [TOO_LONG_REPLY]
    assert read == [], "a pattern ran over the over-long message"
    assert bot.received == []


def test_a_message_of_the_longest_allowed_length_is_handled():
    bot = Bot()
    asyncio.run(guard.guarded(bot)(message("好" * MAX_MESSAGE_CHARS)))
    assert bot.texts() == ["好" * MAX_MESSAGE_CHARS]


def test_a_fast_sender_is_told_once_to_slow_down_and_others_are_not_affected():
    now = [0.0]
    limit = SenderLimit(3, 10.0, clock=lambda: now[0])
    bot = Bot()
    handle = guard.guarded(bot, senders=limit)

    async def main() -> list[UserMessage]:
        sent = [message(f"第{n}条") for n in range(6)]
        for one in sent:
            await handle(one)
        await handle(message("你好", sender="c2"))
        now[0] += 10 / 3  # one message's worth of refill
        sent.append(message("又来了"))
        await handle(sent[-1])
        return sent

    sent = asyncio.run(main())
    assert bot.texts() == ["第0条", "第1条", "第2条", "你好", "又来了"]
    assert [replies(one) for one in sent[3:6]] == [[SLOW_DOWN_REPLY], [], []]
    assert replies(sent[6]) == []


def test_a_turn_that_cannot_queue_is_refused_politely_and_never_reaches_rasa(monkeypatch):
    monkeypatch.setenv("RASA_TURN_CONCURRENCY", "1")
    monkeypatch.setenv("RASA_TURN_QUEUE_LIMIT", "1")

    async def main() -> tuple[Bot, list[UserMessage]]:
        bot = Bot(hold=True)
        handle = guard.guarded(bot)
        inside, waiting, shed = message("一", "c1"), message("二", "c2"), message("三", "c3")
        turns = [asyncio.ensure_future(handle(inside)), asyncio.ensure_future(handle(waiting))]
        await asyncio.sleep(0.05)
        await asyncio.wait_for(handle(shed), timeout=1)  # answered at once, not queued
        assert bot.texts() == ["一"]
        bot.release.set()
        await asyncio.gather(*turns)
        return bot, [inside, waiting, shed]

    bot, (inside, waiting, shed) = asyncio.run(main())
    assert replies(shed) == [BUSY_REPLY]
    assert bot.texts() == ["一", "二"]  # the shed turn wrote nothing: it never started
    assert replies(inside) == replies(waiting) == []


def test_a_burst_of_one_sender_waits_outside_the_gate_and_lets_others_in(monkeypatch):
    monkeypatch.setenv("RASA_TURN_CONCURRENCY", "2")

    async def main() -> list[str]:
        bot = Bot(hold=True)
        handle = guard.guarded(bot)
        burst = [asyncio.ensure_future(handle(message(f"刷屏{n}", "flood"))) for n in range(5)]
        await asyncio.sleep(0.05)
        other = asyncio.ensure_future(handle(message("你好", "customer")))
        await asyncio.sleep(0.05)
        reached = bot.texts()
        bot.release.set()
        await asyncio.gather(*burst, other)
        assert bot.texts()[-4:] == ["刷屏1", "刷屏2", "刷屏3", "刷屏4"]  # in order
        return reached

    assert asyncio.run(main()) == ["刷屏0", "你好"]
