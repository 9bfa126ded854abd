"""The per-sender token bucket."""

from __future__ import annotations

from channels import sender_limit
from channels.sender_limit import PRUNE_EVERY, SenderLimit, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_up_to_the_limit_passes_then_one_refusal_is_told():
    clock = Clock()
    limit = SenderLimit(5, 10.0, clock=clock)
    verdicts = [limit.check("s") for _ in range(8)]
    assert verdicts == [Verdict.PASS] * 5 + [Verdict.SLOW_DOWN, Verdict.DROP, Verdict.DROP]
    assert limit.check("other") is Verdict.PASS


def test_the_bucket_refills_at_the_limit_per_window():
    clock = Clock()
    limit = SenderLimit(5, 10.0, clock=clock)
    for _ in range(5):
        limit.check("s")
    clock.now += 2.0  # one message's worth
    assert limit.check("s") is Verdict.PASS
    assert limit.check("s") is Verdict.SLOW_DOWN
    clock.now += 2.0
    assert limit.check("s") is Verdict.PASS  # a refilled message passes…
    assert limit.check("s") is Verdict.DROP  # …but the sender was told within this window
    clock.now += 10.0
    assert limit.check("s") is Verdict.PASS
    for _ in range(4):
        limit.check("s")
    assert limit.check("s") is Verdict.SLOW_DOWN  # told again, a window later


def test_a_sustained_flood_is_told_once_per_window_not_once_per_refilled_message():
    clock = Clock()
    limit = SenderLimit(30, 10.0, clock=clock)
    verdicts = []
    for _ in range(1000):  # 100 messages a second for 10 seconds
        verdicts.append(limit.check("s"))
        clock.now += 0.01
    assert verdicts.count(Verdict.SLOW_DOWN) == 1
    assert 30 + 25 <= verdicts.count(Verdict.PASS) <= 30 + 30  # the burst, then the refill


def test_a_steady_customer_never_meets_the_default_limit(monkeypatch):
    monkeypatch.delenv("SENDER_RATE_LIMIT", raising=False)
    monkeypatch.delenv("SENDER_RATE_WINDOW_SECONDS", raising=False)
    clock = Clock()
    default = sender_limit.configured()
    limit = SenderLimit(int(default.capacity), default.window_seconds, clock=clock)
    for _ in range(600):  # one message a second for ten minutes
        assert limit.check("s") is Verdict.PASS
        clock.now += 1.0


def test_senders_seen_long_ago_are_forgotten():
    clock = Clock()
    limit = SenderLimit(5, 10.0, clock=clock)
    for n in range(PRUNE_EVERY - 1):
        limit.check(f"sender-{n}")  # a flood of invented sender ids
    clock.now += 10.0
    limit.check("now")
    assert limit.senders_tracked == 1


def test_configuration(monkeypatch):
    monkeypatch.setenv("SENDER_RATE_LIMIT", "0")
    assert sender_limit.configured() is None
    monkeypatch.setenv("SENDER_RATE_LIMIT", "12")
    monkeypatch.setenv("SENDER_RATE_WINDOW_SECONDS", "60")
    limit = sender_limit.configured()
    assert (limit.capacity, limit.window_seconds) == (12, 60)
    monkeypatch.setenv("SENDER_RATE_LIMIT", "many")
    assert sender_limit.configured().capacity == sender_limit.DEFAULT_MESSAGES
