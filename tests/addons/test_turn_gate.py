"""The turn gate: a bounded number of running turns, resuming turns first, no place held while
waiting on another service, nothing lost when a turn is cancelled."""

from __future__ import annotations

import asyncio

import pytest

from addons.turn_gate import TurnGate, limit_from_environment, waiting_elsewhere


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_at_most_limit_turns_run_and_the_others_start_in_arrival_order() -> None:
    gate = TurnGate(2)
    release = asyncio.Event()
    started: list[int] = []

    async def turn(number: int) -> None:
        async with gate.turn():
            started.append(number)
            await release.wait()

    tasks = [asyncio.create_task(turn(n)) for n in range(5)]
    await settle()
    assert started == [0, 1] and gate.running == 2 and gate.waiting == 3
    release.set()
    await asyncio.gather(*tasks)
    assert started == [0, 1, 2, 3, 4] and gate.running == 0 and gate.waiting == 0


async def test_a_turn_back_from_the_action_server_goes_before_new_turns() -> None:
    gate = TurnGate(1)
    answer = asyncio.Event()
    order: list[str] = []

    async def flow_turn() -> None:
        async with gate.turn():
            order.append("flow: first step")
            async with waiting_elsewhere():  # the action-server call
                await answer.wait()
            order.append("flow: second step")

    async def new_turn(number: int) -> None:
        async with gate.turn():
            order.append(f"new {number}")
            await asyncio.sleep(0.01)

    flow = asyncio.create_task(flow_turn())
    await settle()
    news = [asyncio.create_task(new_turn(n)) for n in range(3)]
    await settle()
    assert order == ["flow: first step", "new 0"]  # the place went to a new turn meanwhile
    answer.set()
    await asyncio.gather(flow, *news)
    assert order == ["flow: first step", "new 0", "flow: second step", "new 1", "new 2"]


async def test_a_slow_service_holds_no_place() -> None:
    gate = TurnGate(1)
    never = asyncio.Event()

    async def stuck_turn() -> None:
        async with gate.turn():
            async with waiting_elsewhere():
                await never.wait()

    stuck = asyncio.create_task(stuck_turn())
    await settle()
    done: list[int] = []

    async def quick_turn(number: int) -> None:
        async with gate.turn():
            done.append(number)

    await asyncio.wait_for(asyncio.gather(*(quick_turn(n) for n in range(5))), timeout=2)
    assert done == [0, 1, 2, 3, 4]
    stuck.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stuck
    assert gate.running == 0


async def test_cancelled_turns_leave_the_count_right() -> None:
    gate = TurnGate(1)
    hold = asyncio.Event()

    async def turn() -> None:
        async with gate.turn():
            await hold.wait()

    first = asyncio.create_task(turn())
    await settle()
    queued = [asyncio.create_task(turn()) for _ in range(3)]
    await settle()
    queued[0].cancel()  # cancelled while waiting for a place
    first.cancel()  # cancelled while holding one: the place passes on
    await settle()
    assert gate.running == 1
    hold.set()
    results = await asyncio.gather(first, *queued, return_exceptions=True)
    assert sum(isinstance(r, asyncio.CancelledError) for r in results) == 2
    assert gate.running == 0 and gate.waiting == 0


async def test_outside_a_turn_waiting_elsewhere_does_nothing() -> None:
    async with waiting_elsewhere():
        pass


@pytest.mark.parametrize(("raw", "limit"), [("", 4), ("8", 8), ("0", 0), ("many", 4)])
def test_limit_from_the_environment(monkeypatch, raw: str, limit: int) -> None:
    monkeypatch.setenv("RASA_MAX_RUNNING_TURNS", raw)
    assert limit_from_environment() == limit
