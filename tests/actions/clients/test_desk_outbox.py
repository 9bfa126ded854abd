"""Handoffs are never lost (actions/clients/desk.py): a desk that refuses our token (401, 403),
fails (5xx) or does not answer keeps the handoff in the outbox; one refused as invalid (422, a
slot too long) is repaired and sent; one that cannot be is kept aside and the customer told;
the outbox is flushed at start-up, each request once, by two worker processes.

The desk is a real HTTP server here that validates like the desk's schemas and answers what a
test tells it to.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional, Union

import pytest

from actions.clients import desk as desk_module
from actions.clients.desk import DeskClient
from actions.clients.desk_outbox import Outbox
from actions.handoff import ActionHandOff
from actions.settings import ActionSettings
from tests.actions.conftest import make_tracker, responses, run_action, said
from tests.support import stack

SERVICE_TOKEN = "outbox-test-desk-token"
TIMEOUT = 0.5


class FakeDesk:
    """``POST /api/internal/handoffs`` and ``/ratings``: answers the scripted statuses first
    ("timeout": no answer in time), then validates like the desk and files the request."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.script: list[Union[int, str]] = []
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.attempts = 0
        self.delay = 0.0
        desk = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                status, answer = desk.answer(self.path, self.headers.get("authorization"), body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(
        self, path: str, authorization: Optional[str], body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.attempts += 1
            scripted = self.script.pop(0) if self.script else None
        time.sleep(self.delay)
        if scripted == "timeout":
            time.sleep(TIMEOUT * 3)
            return 503, {"code": "TOO_LATE"}
        if scripted is not None:
            return int(scripted), {"code": "SCRIPTED", "message": "scripted"}
        if authorization != f"Bearer {SERVICE_TOKEN}":
            return 401, {"code": "INVALID_TOKEN", "message": "no"}
        problem = invalid(body)
        if problem:
            return 422, {"code": "VALIDATION_ERROR", "message": problem}
        with self.lock:
            self.received.append((path, body))
            number = len(self.received)
        return 201, {"id": number, "position": 1, "estimated_wait_minutes": 3, "within_hours": True}

    def conversations(self) -> list[str]:
        with self.lock:
            return [body["conversation_id"] for _path, body in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def invalid(body: dict[str, Any]) -> Optional[str]:
    """The desk's limits that the tests exercise (desk/schemas)."""
    if not 0 < len(body.get("conversation_id") or "") <= 255:
        return "conversation_id"
    summary = body.get("summary") or {}
    if len(summary.get("diagnosis") or "") > 2000:
        return "summary.diagnosis"
    if len(summary.get("told_customer") or []) > 50:
        return "summary.told_customer"
    if len(body.get("comment") or "") > 2000:
        return "comment"
    return None


@pytest.fixture
def desk() -> Iterator[FakeDesk]:
    server = FakeDesk()
    yield server
    server.close()


@pytest.fixture
def outbox_dir(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
async def client(desk: FakeDesk, outbox_dir: Path) -> Iterator[DeskClient]:
    settings = ActionSettings(
        desk_url=desk.url,
        desk_service_token=SERVICE_TOKEN,
        desk_timeout_seconds=TIMEOUT,
        handoff_outbox_dir=outbox_dir,
        outbox_retry_seconds=3600,  # the tests flush by hand
    )
    desk_client = DeskClient(settings)
    yield desk_client
    if desk_client._retry_task is not None:
        desk_client._retry_task.cancel()


def handoff(conversation_id: str = "c-outbox", **summary: Any) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "channel": "rest",
        "customer_id": "u1001",
        "language": "zh-Hans",
        "reason": "customer_request",
        "priority": "normal",
        "summary": {"intent": "payment_failed", "diagnosis": "余额不足", **summary},
    }


def parked(outbox_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(file.read_text()) for file in sorted(outbox_dir.glob("*.json"))]


@pytest.mark.parametrize("failure", [401, 403, 404, 500, 503, "timeout"])
async def test_a_handoff_the_desk_does_not_take_waits_in_the_outbox(
    client, desk, outbox_dir, failure
):
    desk.script = [failure]
    payload = handoff(f"c-{failure}")
    assert await client.hand_off(payload) is None
    assert parked(outbox_dir) == [payload]
    # the desk takes it once it is well (the token rotated on both sides, it restarted...)
    assert await client.flush_outbox() == 1
    assert desk.received == [("/api/internal/handoffs", payload)]
    assert parked(outbox_dir) == [] and await client.flush_outbox() == 0


async def test_the_outbox_keeps_a_handoff_through_repeated_refusals(client, desk, outbox_dir):
    desk.script = [401, 401, 403, 502]
    assert await client.hand_off(handoff("c-rotation")) is None
    for _ in range(3):
        assert await client.flush_outbox() == 0
        assert len(parked(outbox_dir)) == 1
    assert await client.flush_outbox() == 1
    assert desk.conversations() == ["c-rotation"]


async def test_a_slot_too_long_is_cut_and_the_handoff_delivered(client, desk, outbox_dir):
    payload = handoff(
        "c-long", diagnosis="余额不足，" * 1500, told_customer=[f"第{n}行" for n in range(80)]
    )
    ticket = await client.hand_off(payload)
    assert ticket is not None and ticket.id == 1
    ((_path, sent),) = desk.received
    assert len(sent["summary"]["diagnosis"]) == 2000 and sent["summary"]["diagnosis"][-1] == "…"
    assert len(sent["summary"]["told_customer"]) == 50
    assert sent["customer_id"] == "u1001" and sent["conversation_id"] == "c-long"
    assert desk.attempts == 2 and parked(outbox_dir) == []


async def test_a_parked_request_refused_as_invalid_is_repaired_at_flush(client, desk, outbox_dir):
    Outbox(outbox_dir).park("/api/internal/ratings", {
        "conversation_id": "c-rating", "channel": "rest", "language": "zh-Hans",
        "human_involved": False, "score": 4, "comment": "很好" * 1500,
    })  # fmt: skip
    assert await client.flush_outbox() == 1
    ((path, sent),) = desk.received
    assert path == "/api/internal/ratings" and len(sent["comment"]) == 2000
    assert parked(outbox_dir) == []


async def test_repaired_but_desk_gone_keeps_the_repaired_form(client, desk, outbox_dir):
    desk.script = [422, 500]
    assert await client.hand_off(handoff("c-gone", diagnosis="长" * 3000)) is None
    (kept,) = parked(outbox_dir)
    assert len(kept["summary"]["diagnosis"]) == 2000
    assert await client.flush_outbox() == 1 and desk.conversations() == ["c-gone"]


async def test_an_unsendable_handoff_is_kept_aside_and_the_customer_told(
    client, desk, outbox_dir, monkeypatch
):
    """A conversation id the desk cannot take cannot be repaired: the handoff is kept in
    rejected/ and logged, the customer is sent to another channel, the bot is not paused."""
    monkeypatch.setattr(desk_module, "get_desk_client", lambda: client)
    monkeypatch.setattr("actions.handoff.get_desk_client", lambda: client)
    tracker = make_tracker("转人工", "request_human", customer="u1001")
    tracker.sender_id = "x" * 300
    dispatcher, events = await run_action(ActionHandOff(), tracker)
    assert "没能为您转接人工客服" in said(dispatcher)
    assert responses(dispatcher)[-1] == "utter_contact_info"
    assert not any(event["event"] == "pause" for event in events)
    (rejected,) = (outbox_dir / "rejected").glob("*.json")
    kept = json.loads(rejected.read_text())
    assert kept["payload"]["conversation_id"] == "x" * 300 and kept["status"] == 422
    assert parked(outbox_dir) == [] and desk.received == []


def test_the_outbox_is_flushed_at_start_up_once_with_two_workers(desk, outbox_dir):
    """Handoffs parked by an earlier run reach the desk when the action server starts: with two
    worker processes flushing at once, each exactly once."""
    outbox = Outbox(outbox_dir)
    expected = [f"c-start-{number:02d}" for number in range(40)]
    for conversation_id in expected:
        outbox.park("/api/internal/handoffs", handoff(conversation_id))
    desk.delay = 0.01  # both workers are flushing while the other one sends
    env = {
        "DESK_URL": desk.url,
        "DESK_SERVICE_TOKEN": SERVICE_TOKEN,
        "HANDOFF_OUTBOX_DIR": str(outbox_dir),
        "HANDOFF_OUTBOX_RETRY_SECONDS": "0.2",
        "ACTION_SERVER_SANIC_WORKERS": "2",
    }
    with stack.start_actions(extra_env=env):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (
            outbox.pending() or len(desk.conversations()) < len(expected)
        ):
            time.sleep(0.1)
        time.sleep(0.5)  # a late duplicate would arrive now
    counts = Counter(desk.conversations())
    assert sorted(counts) == expected and set(counts.values()) == {1}, counts
    assert outbox.pending() == []
