"""No message stalls the Rasa server: huge bodies, over-long texts and bursts, over real HTTP.

Each test measures how long another customer's ``你好`` takes while the attack runs, against
the same greeting on a quiet server; the attack may not add a second to it.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from channels.guard import SLOW_DOWN_REPLY, TOO_LONG_REPLY
from channels.rest import MAX_BODY_BYTES
from channels.sender_limit import DEFAULT_MESSAGES

pytestmark = pytest.mark.e2e

ALLOWED_DELAY_SECONDS = 1.0
# The password pattern's worst case ("pin" repeated); quadratic, a megabyte of it kept a
# server busy for minutes.
MEGABYTE_MESSAGE = "pin" * ((1 << 20) // 3)


def webhook(stack) -> str:
    return f"{stack.rasa_url}/webhooks/rest/webhook"


def greeting_seconds(stack) -> float:
    """How long a new customer's 你好 takes end to end."""
    started = time.monotonic()
    replies = stack.chat(f"limits-{uuid.uuid4().hex[:10]}", "你好")
    assert replies, "no answer to 你好"
    return time.monotonic() - started


def quiet_greeting_seconds(stack) -> float:
    return min(greeting_seconds(stack) for _ in range(3))


def greeting_during(stack, attack) -> float:
    """A greeting sent while ``attack`` (a function) runs in other threads."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(attack)
        time.sleep(0.3)  # the server has the attack in hand
        seconds = greeting_seconds(stack)
        running.result(timeout=120)
    return seconds


def test_a_megabyte_message_does_not_delay_another_customer(stack):
    quiet = quiet_greeting_seconds(stack)
    answers: list[httpx.Response] = []

    def attack() -> None:
        body = {"sender": f"limits-huge-{uuid.uuid4().hex[:8]}", "message": MEGABYTE_MESSAGE}
        answers.append(httpx.post(webhook(stack), json=body, timeout=120))

    during = greeting_during(stack, attack)

    assert during - quiet < ALLOWED_DELAY_SECONDS, (quiet, during)
    assert answers[0].status_code == 413
    assert answers[0].json()["code"] == "payload_too_large"


def test_an_over_long_message_under_the_body_limit_is_answered_at_once_and_not_stored(stack):
    sender = f"limits-long-{uuid.uuid4().hex[:8]}"
    text = "pin" * ((MAX_BODY_BYTES - 200) // 3)
    started = time.monotonic()
    replies = stack.chat(sender, text)
    assert time.monotonic() - started < ALLOWED_DELAY_SECONDS
    assert [r.get("text") for r in replies] == [TOO_LONG_REPLY]
    events = stack.tracker(sender)["events"]
    assert [e for e in events if e.get("event") == "user"] == []


def test_a_burst_from_one_sender_is_asked_to_slow_down_and_does_not_delay_others(stack):
    quiet = quiet_greeting_seconds(stack)
    sender = f"limits-burst-{uuid.uuid4().hex[:8]}"
    burst = DEFAULT_MESSAGES + 20
    answers: list[list[dict]] = []

    def attack() -> None:
        with httpx.Client(timeout=120) as client:

            def send(n: int) -> list[dict]:
                reply = client.post(webhook(stack), json={"sender": sender, "message": "你好"})
                reply.raise_for_status()
                return reply.json()

            with ThreadPoolExecutor(max_workers=burst) as senders:
                answers.extend(senders.map(send, range(burst)))

    during = greeting_during(stack, attack)

    assert during - quiet < ALLOWED_DELAY_SECONDS, (quiet, during)
    told = [a for a in answers if [r.get("text") for r in a] == [SLOW_DOWN_REPLY]]
    handled = [a for a in answers if a and a not in told]
    assert len(told) == 1, answers  # once: the rest of the burst is dropped quietly
    # the bucket's burst, plus what refilled while the requests arrived
    assert DEFAULT_MESSAGES <= len(handled) < burst - 1
    assert len(told) + len(handled) + answers.count([]) == burst
    said = [e for e in stack.tracker(sender)["events"] if e.get("event") == "user"]
    assert len(said) == len(handled)  # every message that was let in, stored in order
