"""Turns already under way go before new ones: a small scheduler for the Rasa server's loop.

The Rasa server handles every conversation's turn in one event loop. A turn runs on the CPU
until it waits for the action server, and when the answer comes back it queues behind every
other ready task, new turns included. A flow turn that calls three actions queues three times,
so under load its latency was several times the average (bench/load.py: p50 of 700 ms for
"forgot password" when the median turn took 230 ms), while the server's throughput is the
same whatever the order.

``TurnGate`` lets at most ``limit`` turns be "running" (on the CPU, between two waits on the
action server). A turn that waits for the action server gives its place up and, when the
answer arrives, takes the next free place before any turn that has not started. A slow or
unreachable action server therefore holds no place: other turns go on while it waits.

Configured by ``RASA_MAX_RUNNING_TURNS`` (default 4; 0 turns the gate off). Installed by
``addons.speedups`` around ``MessageProcessor.handle_message`` (every channel's messages);
``addons.pooled_http`` gives the place up while an action-server call is in flight.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Optional

DEFAULT_LIMIT = 4

# the gate whose place the current task holds, if any
_holding: ContextVar[Optional[TurnGate]] = ContextVar("eepay_turn_gate", default=None)


class TurnGate:
    """At most ``limit`` running turns; resuming turns are let in before starting ones."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.running = 0
        self._resuming: deque[asyncio.Future[None]] = deque()
        self._starting: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        """Turns waiting for a place (starting or resuming)."""
        return sum(not w.done() for w in self._resuming) + sum(not w.done() for w in self._starting)

    async def _enter(self, resuming: bool) -> None:
        free = self.running < self.limit and not any(not w.done() for w in self._resuming)
        if free and (resuming or not any(not w.done() for w in self._starting)):
            self.running += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._resuming if resuming else self._starting).append(waiter)
        try:
            await waiter  # the place is handed over by _leave, `running` unchanged
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._leave()  # a place was handed to us just before the cancel: pass it on
            raise

    def _leave(self) -> None:
        for queue in (self._resuming, self._starting):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self.running -= 1

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Holds a place for the duration of one turn (given up inside :func:`waiting`)."""
        await self._enter(resuming=False)
        token = _holding.set(self)
        try:
            yield
        finally:
            held = _holding.get() is self
            _holding.reset(token)
            if held:
                self._leave()


@asynccontextmanager
async def waiting_elsewhere() -> AsyncIterator[None]:
    """Gives the current turn's place up while it waits on another service, and takes a
    place back, ahead of new turns, afterwards. Does nothing outside a gated turn."""
    gate = _holding.get()
    if gate is None:
        yield
        return
    gate._leave()
    _holding.set(None)
    try:
        yield
    finally:
        await gate._enter(resuming=True)  # if cancelled here, the turn holds no place
        _holding.set(gate)


def limit_from_environment() -> int:
    """``RASA_MAX_RUNNING_TURNS`` (default 4; 0 or less: no gate)."""
    raw = os.environ.get("RASA_MAX_RUNNING_TURNS", "").strip()
    try:
        return int(raw) if raw else DEFAULT_LIMIT
    except ValueError:
        return DEFAULT_LIMIT
