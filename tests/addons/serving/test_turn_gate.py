"""The turn gate: a bounded number of turns inside, arrival order, returning turns first,
slots given back on slow waits and never leaked."""

from __future__ import annotations

import asyncio

from addons.serving import turn_gate
from addons.serving.turn_gate import TurnGate


def run(coroutine):
    return asyncio.run(coroutine)


def test_no_more_turns_inside_than_the_limit_and_in_arrival_order(monkeypatch):
    monkeypatch.setenv("RASA_TURN_CONCURRENCY", "2")
    inside, most, order = 0, 0, []

    async def one(n: int) -> None:
        nonlocal inside, most
        async with turn_gate.turn():
            inside += 1
            most = max(most, inside)
            order.append(n)
            await asyncio.sleep(0.01)
            inside -= 1

    async def main() -> None:
        await asyncio.gather(*(one(n) for n in range(7)))

    run(main())
    assert most == 2
    assert order == list(range(7))


def test_returning_turns_go_before_new_ones():
    async def main() -> list[str]:
        gate = TurnGate(1)
        await gate.enter()
        entered: list[str] = []

        async def wait(name: str, returning: bool) -> None:
            await gate.enter(returning=returning)
            entered.append(name)
            gate.leave()

        new = asyncio.ensure_future(wait("new", False))
        await asyncio.sleep(0)
        back = asyncio.ensure_future(wait("back", True))
        await asyncio.sleep(0)
        gate.leave()
        await asyncio.gather(new, back)
        assert gate.inside == 0
        return entered

    assert run(main()) == ["back", "new"]


def test_a_quick_wait_keeps_the_slot_a_slow_one_gives_it_away(monkeypatch):
    monkeypatch.setenv("RASA_TURN_CONCURRENCY", "1")
    monkeypatch.setattr(turn_gate, "AWAY_KEEPS_SLOT_SECONDS", 0.05)
    events: list[str] = []

    async def slow_caller() -> None:
        async with turn_gate.turn():
            async with turn_gate.away():  # a quick answer: nobody gets in meanwhile
                await asyncio.sleep(0.01)
            events.append("quick answer")
            async with turn_gate.away():  # a slow one: the other turn runs meanwhile
                await asyncio.sleep(0.3)
            events.append("slow answer")

    async def other() -> None:
        await asyncio.sleep(0.001)
        async with turn_gate.turn():
            events.append("other turn")

    async def main() -> None:
        await asyncio.gather(slow_caller(), other())

    run(main())
    assert events == ["quick answer", "other turn", "slow answer"]


def test_cancelled_turns_leave_no_slot_taken(monkeypatch):
    monkeypatch.setenv("RASA_TURN_CONCURRENCY", "1")
    monkeypatch.setattr(turn_gate, "AWAY_KEEPS_SLOT_SECONDS", 0.01)

    async def away_long() -> None:
        async with turn_gate.turn():
            async with turn_gate.away():
                await asyncio.sleep(10)

    async def inside_long() -> None:
        async with turn_gate.turn():
            await asyncio.sleep(10)

    async def main() -> None:
        away = asyncio.ensure_future(away_long())
        await asyncio.sleep(0.05)  # away long enough to have given its slot back
        inside = asyncio.ensure_future(inside_long())  # takes the free slot
        await asyncio.sleep(0.01)
        waiting = asyncio.ensure_future(inside_long())  # waits for a slot
        await asyncio.sleep(0.01)
        gate = turn_gate._gate()
        assert gate.inside == 1
        for task in (away, inside, waiting):
            task.cancel()
        results = await asyncio.gather(away, inside, waiting, return_exceptions=True)
        assert all(isinstance(r, asyncio.CancelledError) for r in results), results
        assert gate.inside == 0
        async with turn_gate.turn():  # the slot is free
            assert gate.inside == 1

    run(main())


def test_the_gate_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("RASA_TURN_CONCURRENCY", "0")

    async def main() -> None:
        assert turn_gate._gate() is None
        async with turn_gate.turn():
            async with turn_gate.away():
                pass

    run(main())
    monkeypatch.setenv("RASA_TURN_CONCURRENCY", "oops")
    assert turn_gate.configured_limit() == turn_gate.DEFAULT_TURN_CONCURRENCY


def test_a_new_turn_is_refused_when_the_queue_is_full_a_returning_one_never():
    async def main() -> None:
        gate = TurnGate(1, queue_limit=2)
        await gate.enter()  # the slot
        queued = [asyncio.ensure_future(gate.enter()) for _ in range(2)]
        await asyncio.sleep(0)
        try:
            await gate.enter()
        except turn_gate.GateFull:
            pass
        else:
            raise AssertionError("a third waiting turn was queued")
        back = asyncio.ensure_future(gate.enter(returning=True))  # half done: it waits
        await asyncio.sleep(0)
        assert not back.done()
        for _ in range(3):  # each leaving turn lets the next one in: returning first
            gate.leave()
            await asyncio.sleep(0)
        assert back.done() and all(q.done() for q in queued)
        assert gate.inside == 1

    run(main())


def test_the_queue_limit_is_configured(monkeypatch):
    monkeypatch.setenv("RASA_TURN_CONCURRENCY", "1")
    monkeypatch.setenv("RASA_TURN_QUEUE_LIMIT", "1")

    async def main() -> None:
        assert turn_gate._gate().queue_limit == 1

    run(main())
    monkeypatch.delenv("RASA_TURN_QUEUE_LIMIT")
    assert turn_gate.configured_queue_limit() == turn_gate.DEFAULT_QUEUE_LIMIT
