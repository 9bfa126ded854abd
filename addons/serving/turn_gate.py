"""How many turns the Rasa server works on at once, and who goes next.

Not a patch of Rasa: eepay's own admission control of the Rasa process, shared by the channels
(``channels/guard.py``, around each message) and ``addons.serving.pooled_http`` (around each
action-server call). It lives here because it only exists for serving.

A Rasa server is one event loop. Under load every turn in it advances a little at each pass of
the loop, so a turn that calls the action server two or three times waits for several full
passes, each as long as all the other turns' work: that is where the tail latency of a busy
server came from. The gate lets at most ``RASA_TURN_CONCURRENCY`` turns (default 6) in at
once; the others wait in arrival order. A turn keeps its slot while it waits for a quick
action-server answer, so fewer turns interleave and each finishes sooner; if the answer takes
longer than ``AWAY_KEEPS_SLOT_SECONDS`` (a slow backend) it gives the slot to others, so
unrelated turns never wait on a slow backend, and comes back ahead of every new turn. With
fewer turns interleaved each turn also costs less CPU (docs/performance.md has the
measurements).

The queue is bounded: when ``RASA_TURN_QUEUE_LIMIT`` new turns (default 200) already wait,
another one is refused at once (``GateFull``) and the channel tells the customer to try again
in a moment, instead of every turn waiting longer and longer behind a flood. A refused turn has
not started: nothing of it is written to the conversation, and the customer resends it.
Returning turns (back from the action server) are never refused: they are half done.

``RASA_TURN_CONCURRENCY=0`` turns the gate off; ``RASA_TURN_QUEUE_LIMIT=0`` unbounds the queue.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import weakref
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Optional

DEFAULT_TURN_CONCURRENCY = 6
# Enough for a burst of real customers to wait their turn, few enough that a flood is refused
# within seconds instead of queueing every later customer behind it for minutes.
DEFAULT_QUEUE_LIMIT = 200
# A turn waiting longer than this for the action server gives its slot to others.
AWAY_KEEPS_SLOT_SECONDS = 0.25


def configured_limit() -> int:
    """``RASA_TURN_CONCURRENCY``, or the default; 0 (or less) means no gate."""
    return _integer("RASA_TURN_CONCURRENCY", DEFAULT_TURN_CONCURRENCY)


def configured_queue_limit() -> int:
    """``RASA_TURN_QUEUE_LIMIT``, or the default; 0 (or less) means an unbounded queue."""
    return _integer("RASA_TURN_QUEUE_LIMIT", DEFAULT_QUEUE_LIMIT)


def _integer(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


class GateFull(Exception):
    """A new turn found the queue full: it was not started, the customer should resend."""


class TurnGate:
    """At most ``limit`` turns inside; returning turns are let in before new ones; at most
    ``queue_limit`` new turns wait (0: no bound)."""

    def __init__(self, limit: int, queue_limit: int = 0) -> None:
        self.limit = limit
        self.queue_limit = queue_limit
        self.inside = 0
        self._returning: deque[asyncio.Future[None]] = deque()
        self._new: deque[asyncio.Future[None]] = deque()

    async def enter(self, returning: bool = False) -> None:
        """Waits for a slot (a returning turn ahead of every new one); raises ``GateFull`` for a
        new turn when ``queue_limit`` new turns already wait."""
        queue = self._returning if returning else self._new
        if self.inside < self.limit and not self._returning and (returning or not self._new):
            self.inside += 1
            return
        if not returning and 0 < self.queue_limit <= len(self._new):
            raise GateFull(f"{len(self._new)} turns already wait")
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.leave()  # the slot was handed over just as the turn was cancelled
            elif waiter in queue:  # leave() may have dropped it already
                queue.remove(waiter)
            raise

    def leave(self) -> None:
        """Gives the slot to the next waiting turn."""
        self.inside -= 1
        while self.inside < self.limit and (self._returning or self._new):
            waiter = (self._returning or self._new).popleft()
            if not waiter.done():
                self.inside += 1
                waiter.set_result(None)


# each event loop's gate (None: off), made once per loop from RASA_TURN_CONCURRENCY
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Optional[TurnGate]] = (
    weakref.WeakKeyDictionary()
)
# the gate whose slot the current turn holds, and the task that holds it (None outside a turn
# or while the turn is away; a task started inside a turn sees its owner's entry and leaves it)
_holding: contextvars.ContextVar[Optional[tuple[TurnGate, asyncio.Task]]] = contextvars.ContextVar(
    "eepay_turn_gate", default=None
)


def _gate() -> Optional[TurnGate]:
    """This event loop's gate, None when the gate is off."""
    loop = asyncio.get_running_loop()
    if loop not in _gates:
        limit = configured_limit()
        _gates[loop] = TurnGate(limit, configured_queue_limit()) if limit > 0 else None
    return _gates[loop]


def _held_here() -> Optional[TurnGate]:
    """The gate whose slot this task holds."""
    held = _holding.get()
    if held is None or held[1] is not asyncio.current_task():
        return None
    return held[0]


@asynccontextmanager
async def turn() -> AsyncIterator[None]:
    """Holds a slot for the handling of one message; raises ``GateFull`` (before the turn
    starts) when the queue is full."""
    gate = _gate()
    if gate is None or _holding.get() is not None:
        yield  # no gate, or already inside a turn
        return
    await gate.enter()
    token = _holding.set((gate, asyncio.current_task()))
    try:
        yield
    finally:
        still_inside = _held_here() is gate  # not if cancelled while coming back
        _holding.reset(token)
        if still_inside:
            gate.leave()


@asynccontextmanager
async def away() -> AsyncIterator[None]:
    """Around a wait for the action server: the turn keeps its slot for a quick answer (the
    usual case: fewer turns interleave, so each finishes sooner), and gives it back if the
    wait lasts longer than ``AWAY_KEEPS_SLOT_SECONDS`` (a slow backend must not stall
    unrelated turns); it then comes back ahead of every new turn."""
    gate = _held_here()
    if gate is None:
        yield
        return
    released = False

    def release() -> None:
        nonlocal released
        released = True
        gate.leave()

    async def come_back() -> None:
        timer.cancel()
        if released:
            _holding.set(None)  # if cancelled while waiting, the turn's exit has no slot to free
            await gate.enter(returning=True)
            _holding.set((gate, asyncio.current_task()))

    timer = asyncio.get_running_loop().call_later(AWAY_KEEPS_SLOT_SECONDS, release)
    try:
        yield
    except asyncio.CancelledError:
        timer.cancel()
        if released:
            _holding.set(None)  # the turn is over: it takes no slot back
        raise
    except BaseException:
        await come_back()  # Rasa handles the action's error and the turn goes on
        raise
    await come_back()
