"""Closed-loop load over Rasa's REST channel: many simulated customers, one turn at a time each.

Every worker plays one conversation after another (bench/loadtest/corpus.py): it sends a
message to ``POST /webhooks/rest/webhook``, waits for the bot's answer, picks the next message
(maybe a button of that answer) and sends it at once (or after ``think_time``). So there are
always ``concurrency`` turns in flight, and latency ≈ concurrency ÷ throughput.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import aiohttp

from bench.loadtest.corpus import Conversation, Corpus, is_handoff, new_conversation

WEBHOOK_PATH = "/webhooks/rest/webhook"
# channels/guard.py answers with this apology when handling a message raised
FAILURE_MARKERS = ("系统开了个小差", "Sorry, something went wrong on our side")


@dataclass
class Turn:
    """One customer message and the bot's answer."""

    sender: str
    label: str  # the scenario step: a category, or "button"
    started: float  # seconds since the run started
    latency: float  # seconds
    outcome: str  # ok | unanswered | bot_error | http_<status> | timeout | connection
    messages: int = 0
    handoff: bool = False

    @property
    def is_error(self) -> bool:
        """Failed turns: HTTP errors, timeouts, refused connections, the guard's apology."""
        return self.outcome not in ("ok", "unanswered")


@dataclass
class LoadRun:
    """Everything one run of :func:`run_load` observed."""

    concurrency: int
    wall_seconds: float = 0.0
    turns: list[Turn] = field(default_factory=list)
    conversations: int = 0
    handoffs: int = 0


@dataclass
class _Budget:
    turns: Optional[int]
    deadline: Optional[float]
    issued: int = 0

    def take(self) -> bool:
        if self.turns is not None and self.issued >= self.turns:
            return False
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return False
        self.issued += 1
        return True


async def send_turn(
    session: aiohttp.ClientSession,
    url: str,
    sender: str,
    message: str,
    metadata: Optional[Mapping[str, Any]],
    timeout: float,
) -> tuple[str, list[dict[str, Any]]]:
    """One REST turn: (outcome, bot messages)."""
    body: dict[str, Any] = {"sender": sender, "message": message}
    if metadata:
        body["metadata"] = dict(metadata)
    try:
        async with session.post(
            url, json=body, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            if response.status != 200:
                await response.read()
                return f"http_{response.status}", []
            reply = await response.json(content_type=None)
    except asyncio.TimeoutError:
        return "timeout", []
    except aiohttp.ClientError:
        return "connection", []
    if not isinstance(reply, list):
        return "bad_body", []
    if any(marker in (m.get("text") or "") for m in reply for marker in FAILURE_MARKERS):
        return "bot_error", reply
    # messages without text or buttons (e.g. {"custom": {"language": ...}}) are not answers
    answered = any(m.get("text") or m.get("buttons") or m.get("image") for m in reply)
    return ("ok" if answered else "unanswered"), reply


async def run_load(
    base_url: str,
    corpus: Corpus,
    concurrency: int,
    *,
    turns: Optional[int] = None,
    duration: Optional[float] = None,
    tokens: Optional[Mapping[str, str]] = None,
    anonymous_share: float = 0.25,
    english_share: float = 0.1,
    seed: int = 2611,
    timeout: float = 60.0,
    think_time: float = 0.0,
    sender_prefix: str = "load",
) -> LoadRun:
    """Plays conversations with ``concurrency`` simulated customers until ``turns`` turns were
    sent or ``duration`` seconds passed (whichever comes first); in-flight turns finish."""
    if turns is None and duration is None:
        raise ValueError("give turns or duration")
    url = base_url.rstrip("/") + WEBHOOK_PATH
    tokens = dict(tokens or {})
    run = LoadRun(concurrency=concurrency)
    started = time.monotonic()
    budget = _Budget(turns, started + duration if duration is not None else None)
    run_id = uuid.uuid4().hex[:8]
    connector = aiohttp.TCPConnector(limit=concurrency + 4, force_close=False)

    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker(index: int) -> None:
            rng = random.Random(f"{seed}-{index}")
            number = 0
            while True:
                number += 1
                sender = f"{sender_prefix}-{run_id}-{index}-{number}"
                conversation = new_conversation(
                    corpus, rng, sender, sorted(tokens), anonymous_share, english_share
                )
                if not await play(conversation):
                    return

        async def play(conversation: Conversation) -> bool:
            """Plays one conversation; False once the budget is spent."""
            metadata = (
                {"customer_token": tokens[conversation.customer_id]}
                if conversation.customer_id
                else None
            )
            reply: Sequence[dict[str, Any]] = []
            counted = False
            while True:
                message = conversation.next_message(reply)
                if message is None:
                    return True
                if not budget.take():
                    return False
                if not counted:
                    run.conversations += 1
                    counted = True
                sent_at = time.monotonic()
                outcome, reply = await send_turn(
                    session, url, conversation.sender, message, metadata, timeout
                )
                turn = Turn(
                    sender=conversation.sender,
                    label=conversation.last_label,
                    started=sent_at - started,
                    latency=time.monotonic() - sent_at,
                    outcome=outcome,
                    messages=len(reply),
                    handoff=is_handoff(reply),
                )
                run.turns.append(turn)
                if turn.handoff:
                    run.handoffs += 1
                if turn.handoff or turn.is_error or outcome == "unanswered":
                    return True  # a person takes over, or this conversation is broken
                if think_time:
                    await asyncio.sleep(think_time)

        await asyncio.gather(*(worker(i) for i in range(concurrency)))
    run.wall_seconds = time.monotonic() - started
    return run


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` quantile (0..1) with linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(run: LoadRun) -> dict[str, Any]:
    """Throughput, latency percentiles (ms), outcomes and per-step latency of a run."""
    latencies = [t.latency for t in run.turns]
    outcomes: dict[str, int] = {}
    for turn in run.turns:
        outcomes[turn.outcome] = outcomes.get(turn.outcome, 0) + 1
    by_label: dict[str, list[float]] = {}
    for turn in run.turns:
        by_label.setdefault(turn.label, []).append(turn.latency)
    return {
        "concurrency": run.concurrency,
        "turns": len(run.turns),
        "conversations": run.conversations,
        "handoffs": run.handoffs,
        "wall_seconds": round(run.wall_seconds, 3),
        "throughput_turns_per_s": round(len(run.turns) / run.wall_seconds, 3)
        if run.wall_seconds
        else 0.0,
        "latency_ms": {
            "mean": round(1000 * sum(latencies) / len(latencies), 1) if latencies else 0.0,
            "p50": round(1000 * percentile(latencies, 0.50), 1),
            "p95": round(1000 * percentile(latencies, 0.95), 1),
            "p99": round(1000 * percentile(latencies, 0.99), 1),
            "max": round(1000 * max(latencies), 1) if latencies else 0.0,
        },
        "errors": sum(1 for t in run.turns if t.is_error),
        "unanswered": outcomes.get("unanswered", 0),
        "outcomes": outcomes,
        "latency_ms_by_step": {
            label: {
                "turns": len(values),
                "p50": round(1000 * percentile(values, 0.5), 1),
                "p95": round(1000 * percentile(values, 0.95), 1),
            }
            for label, values in sorted(by_label.items(), key=lambda kv: -percentile(kv[1], 0.5))
        },
    }
