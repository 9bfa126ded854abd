"""``python -m desk`` as production runs it: first start, restart, logs, real HTTP to Rasa.

Rasa and the backend are the test fakes behind real HTTP servers here; the browser test runs
the desk against the real ones.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from desk_testkit import BACKEND_TOKEN, RASA_TOKEN, FakeBackend, FakeRasa, handoff_body

from tests.support import stack
from tests.support.processes import LOG_DIR


class _Adapter(BaseHTTPRequestHandler):
    """Serves an httpx-style handler (FakeRasa.handler, FakeBackend.handler) over HTTP."""

    target = None  # set per server

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        request = httpx.Request(
            self.command,
            f"http://{self.headers.get('host')}{self.path}",
            headers=dict(self.headers),
            content=self.rfile.read(length) if length else b"",
        )
        try:
            response = self.server.target(request)  # type: ignore[attr-defined]
        except httpx.ConnectError:
            self.connection.close()
            return
        body = response.content
        self.send_response(response.status_code)
        self.send_header("Content-Type", response.headers.get("content-type", "application/json"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _serve

    def log_message(self, *args: object) -> None:
        pass


def serve(target) -> tuple[str, ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Adapter)
    server.target = target  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeRasa, str, str]]:
    rasa, backend = FakeRasa(), FakeBackend()
    rasa_url, rasa_server = serve(rasa.handler)
    backend_url, backend_server = serve(backend.handler)
    yield rasa, rasa_url, backend_url
    rasa_server.shutdown()
    backend_server.shutdown()


def start(workdir, fakes) -> stack.Service:
    _rasa, rasa_url, backend_url = fakes
    return stack.start_desk(
        workdir,
        rasa_url,
        backend_url,
        extra_env={"RASA_TOKEN": RASA_TOKEN, "BACKEND_DESK_TOKEN": BACKEND_TOKEN},
    )


def login(desk: stack.Service) -> httpx.Client:
    token = httpx.post(
        f"{desk.url}/api/login",
        json={"username": "admin", "password": desk.env["DESK_ADMIN_PASSWORD"]},
    ).json()["token"]
    return httpx.Client(base_url=desk.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_first_start_restart_and_a_whole_ticket_over_http(tmp_path, fakes):
    fake_rasa = fakes[0]
    log_path = LOG_DIR / "desk.log"
    offset = log_path.stat().st_size if log_path.exists() else 0
    fake_rasa.user("live-1", "付款失败了")
    fake_rasa.user("live-1", "转人工")
    with start(tmp_path, fakes) as desk:
        assert httpx.get(f"{desk.url}/healthz").json()["status"] == "ok"
        service = {"Authorization": f"Bearer {desk.env['DESK_SERVICE_TOKEN']}"}
        created = httpx.post(
            f"{desk.url}/api/internal/handoffs", json=handoff_body("live-1"), headers=service
        )
        assert created.status_code == 201
        ticket_id = created.json()["id"]
        with login(desk) as api:
            assert (
                api.post(f"/api/handoffs/{ticket_id}/messages", json={"text": "您好"}).status_code
                == 201
            )
            fake_rasa.user("live-1", "好的")
            detail = api.get(f"/api/handoffs/{ticket_id}").json()
            assert [t["text"] for t in detail["transcript"]] == [
                "付款失败了",
                "转人工",
                "您好",
                "好的",
            ]
            assert (
                detail["customer"]["phone_masked"] == "*******1001"
            )  # from the backend, over HTTP
        assert fake_rasa.sent[-1]["data"]["custom"]["agent_name"] == "客服主管"

    # every service restarts: the ticket, its history and the accounts are still there
    with start(tmp_path, fakes) as desk:
        with login(desk) as api:
            detail = api.get(f"/api/handoffs/{ticket_id}").json()
            assert detail["status"] == "assigned"
            assert [h["kind"] for h in detail["history"]] == ["created", "claimed", "message"]
            resolved = api.post(f"/api/handoffs/{ticket_id}/resolve", json={"return_to_bot": True})
            assert resolved.json()["resolution"] == "returned_to_bot"
    with log_path.open("rb") as file:  # both starts of this test, not earlier runs
        file.seek(offset)
        log = file.read().decode(errors="replace")
    assert fake_rasa.executed[-1] == ("live-1", "action_back_to_bot")
    assert RASA_TOKEN not in log and desk.env["DESK_ADMIN_PASSWORD"] not in log
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert sum(r.get("message") == "created the supervisor account" for r in records) == 1
    assert any(
        r.get("message") == "agent message sent" and r.get("conversation_id") == "live-1"
        for r in records
    )


def test_the_background_worker_follows_open_conversations(tmp_path, fakes):
    fake_rasa = fakes[0]
    with start(tmp_path, fakes) as desk:
        service = {"Authorization": f"Bearer {desk.env['DESK_SERVICE_TOKEN']}"}
        httpx.post(
            f"{desk.url}/api/internal/handoffs", json=handoff_body("live-2"), headers=service
        )
        fake_rasa.user("live-2", "还在吗 VIP8899")
        with login(desk) as api:
            deadline = __import__("time").monotonic() + 15
            while True:  # search reads the saved copy, which only the worker refreshes
                found = api.get("/api/handoffs", params={"q": "VIP8899"}).json()
                if found or __import__("time").monotonic() > deadline:
                    break
                __import__("time").sleep(0.3)
            assert [t["conversation_id"] for t in found] == ["live-2"]
