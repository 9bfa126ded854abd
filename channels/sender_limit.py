"""How fast one sender may write: a token bucket per sender id, in the memory of this replica.

A customer types a message every few seconds at most; a script that sends hundreds keeps the
server's turns (NLU, tracker reads and writes, action calls) for itself. Each sender may send
``SENDER_RATE_LIMIT`` messages (default 30) at once, refilled at that many per
``SENDER_RATE_WINDOW_SECONDS`` (default 10); ``SENDER_RATE_LIMIT=0`` turns the limit off.

Per replica, not shared (no Redis call on the hot path of a turn): nginx.prod.conf sends a
REST conversation to one replica (a hash of its sender) and a widget's socket to one replica
(a hash of the address), so such a sender meets one bucket. WeChat pushes are spread over the
replicas: a WeChat sender gets the limit once per replica, still a bound. Many senders from one
address are the balancer's business (``limit_req`` per IP at nginx).

A refused sender is told ("please slow down") at most once per window; the other refusals are
dropped silently, so a flood does not turn into a flood of answers (and of WeChat API calls) —
also while the bucket lets a refilled message through now and then.
"""

from __future__ import annotations

import enum
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

DEFAULT_MESSAGES = 30
DEFAULT_WINDOW_SECONDS = 10.0
# Forgetting buckets that have filled up again is checked every so many messages, so the table
# holds about the senders of the last window however many sender ids a flood invents.
PRUNE_EVERY = 1024


class Verdict(enum.Enum):
    """What to do with a sender's message."""

    PASS = "pass"
    SLOW_DOWN = "slow_down"  # refuse, and tell the sender
    DROP = "drop"  # refuse quietly: the sender was already told


@dataclass
class _Bucket:
    tokens: float
    updated: float
    told_at: Optional[float] = None  # when the sender was last asked to slow down


class SenderLimit:
    """A token bucket per sender: ``messages`` at once, refilled over ``window_seconds``."""

    def __init__(
        self,
        messages: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = float(messages)
        self.window_seconds = window_seconds
        self.refill_per_second = messages / window_seconds
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._calls = 0

    def check(self, sender_id: str) -> Verdict:
        """Takes one message from ``sender_id``'s bucket, if there is one left."""
        now = self._clock()
        self._calls += 1
        if self._calls % PRUNE_EVERY == 0:
            self._prune(now)
        bucket = self._buckets.get(sender_id)
        if bucket is None:
            bucket = self._buckets[sender_id] = _Bucket(self.capacity, now)
        else:
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.refill_per_second)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Verdict.PASS
        if bucket.told_at is not None and now - bucket.told_at < self.window_seconds:
            return Verdict.DROP
        bucket.told_at = now
        return Verdict.SLOW_DOWN

    @property
    def senders_tracked(self) -> int:
        """How many senders' buckets are kept (the others are full)."""
        return len(self._buckets)

    def _prune(self, now: float) -> None:
        """Forgets the senders whose bucket is full again: same as never having seen them."""
        full = [
            sender
            for sender, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.updated) * self.refill_per_second >= self.capacity
        ]
        for sender in full:
            del self._buckets[sender]


def configured() -> Optional[SenderLimit]:
    """The limit ``SENDER_RATE_LIMIT`` / ``SENDER_RATE_WINDOW_SECONDS`` ask for; None when off."""
    messages = _number("SENDER_RATE_LIMIT", DEFAULT_MESSAGES)
    window = _number("SENDER_RATE_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS)
    if messages <= 0 or window <= 0:
        return None
    return SenderLimit(int(messages), float(window))


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        return default
