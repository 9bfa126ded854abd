"""Only the channels are public (nginx.prod.conf), through the production balancer.

The attack: the public side forwarded all of Rasa's HTTP API behind one query-string token —
every transcript (``GET /conversations/<id>/tracker``), replacing the model (``PUT /model``) —
took bodies of a megabyte and had no rate limit. Now the public listener serves ``/webhooks/``
and ``/socket.io/`` only, small bodies, a per-address rate limit answered 429; the desk uses
the internal listener.
"""

from __future__ import annotations

import queue
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import socketio

from tests.desk.desk_testkit import handoff_body
from tests.scale.prod_stack import PRODUCTION_LIMITS, ProdStack, start_nginx
from tests.support import stack
from tests.support.processes import ROOT, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.e2e, pytest.mark.timeout(180)]


def rest_turn(base_url: str, sender: str, text: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )


def test_rasas_http_api_is_not_reachable_from_the_public_side(prod_stack: ProdStack) -> None:
    sender = f"surface-{uuid.uuid4().hex[:10]}"
    turn = rest_turn(prod_stack.balancer_url, sender, "你好")
    assert turn.status_code == 200 and turn.json(), "the REST channel is public"

    token = {"token": stack.RASA_TOKEN}
    for method, path, body in (
        ("GET", f"/conversations/{sender}/tracker", None),
        ("GET", f"/conversations/{sender}/story", None),
        ("POST", f"/conversations/{sender}/trigger_intent", {"name": "greet"}),
        ("POST", f"/conversations/{sender}/execute", {"name": "utter_greet"}),
        ("PUT", "/model", {}),  # an empty body: on the old configuration Rasa answers 400
        ("POST", "/model/parse", {"text": "你好"}),
        ("GET", "/status", None),
        ("GET", "/version", None),
        ("GET", "/", None),
    ):
        answer = httpx.request(
            method, f"{prod_stack.balancer_url}{path}", params=token, json=body, timeout=10
        )
        assert answer.status_code == 404, (method, path, answer.status_code, answer.text[:200])
        assert answer.json()["code"] == "NOT_FOUND"
        assert sender not in answer.text

    # the desk's side still has it
    internal = httpx.get(
        f"{prod_stack.internal_url}/conversations/{sender}/tracker", params=token, timeout=10
    )
    assert internal.status_code == 200 and internal.json()["sender_id"] == sender


def test_an_oversized_body_is_refused_at_the_balancer(prod_stack: ProdStack) -> None:
    sender = f"surface-big-{uuid.uuid4().hex[:8]}"
    for path in ("/webhooks/rest/webhook", "/webhooks/wechat/webhook"):
        big = httpx.post(
            f"{prod_stack.balancer_url}{path}",
            json={"sender": sender, "message": "付" * 100_000},
            timeout=30,
        )
        assert big.status_code == 413, path
        assert "消息太长" in big.json()["message"]
    # nothing reached a replica, and the conversation still works
    assert rest_turn(prod_stack.balancer_url, sender, "你好").status_code == 200


def test_socketio_is_public_and_the_desk_reaches_rasa_internally(prod_stack: ProdStack) -> None:
    """A widget on the public side; the desk (on the internal listener, as Procfile.prod starts
    it) takes the handoff, reads the transcript from Rasa and its reply reaches the widget."""
    assert prod_stack.desk.env["RASA_URL"] == prod_stack.internal_url
    session = f"surface-sio-{uuid.uuid4().hex[:10]}"
    answers: queue.Queue[dict] = queue.Queue()
    confirmed: queue.Queue[object] = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("session_confirm", confirmed.put)
    client.on("bot_uttered", answers.put)
    client.connect(prod_stack.balancer_url, transports=["polling", "websocket"], wait_timeout=10)
    try:
        client.emit("session_request", {"session_id": session})
        assert confirmed.get(timeout=10) == session
        client.emit("user_uttered", {"message": "你好", "session_id": session, "metadata": {}})
        assert answers.get(timeout=45).get("text")
        while not answers.empty():
            answers.get_nowait()

        desk = prod_stack.desk
        service = {"Authorization": f"Bearer {desk.env['DESK_SERVICE_TOKEN']}"}
        created = httpx.post(
            f"{desk.url}/api/internal/handoffs",
            json=handoff_body(session, channel="socketio"),
            headers=service,
            timeout=30,
        )
        assert created.status_code == 201, created.text
        login = httpx.post(
            f"{desk.url}/api/login",
            json={"username": "admin", "password": desk.env["DESK_ADMIN_PASSWORD"]},
            timeout=30,
        )
        agent = {"Authorization": f"Bearer {login.json()['token']}"}
        ticket = created.json()["id"]
        sent = httpx.post(
            f"{desk.url}/api/handoffs/{ticket}/messages",
            json={"text": "您好，我是人工客服"},
            headers=agent,
            timeout=30,
        )
        assert sent.status_code == 201, sent.text
        delivered = answers.get(timeout=15)
        assert delivered.get("text") == "您好，我是人工客服"
        detail = httpx.get(f"{desk.url}/api/handoffs/{ticket}", headers=agent, timeout=30).json()
        assert "你好" in [line["text"] for line in detail["transcript"]]
    finally:
        client.disconnect()


def test_the_desk_is_given_the_internal_listener_in_procfile_prod() -> None:
    procfile = (ROOT / "Procfile.prod").read_text()
    desk_line = next(line for line in procfile.splitlines() if line.startswith("desk:"))
    assert 'RASA_URL="http://${LB_INTERNAL_LISTEN:-127.0.0.1:5010}"' in desk_line
    for name, value in PRODUCTION_LIMITS.items():  # what the rate-limit test below renders
        assert f'{name}="${{{name}:-{value}}}"' in procfile


def test_one_address_over_the_rate_limit_gets_429(prod_stack: ProdStack, tmp_path) -> None:
    """A second balancer with production's per-address limits in front of the same replicas
    (the shared one lifts them: every test customer comes from 127.0.0.1)."""
    port, internal = free_port(), free_port()
    replica_ports = [int(url.rsplit(":", 1)[1]) for url in prod_stack.replica_urls]
    balancer = start_nginx(
        tmp_path, port, internal, replica_ports, PRODUCTION_LIMITS, name="nginx-limited"
    )
    url = f"http://127.0.0.1:{port}"
    burst = int(PRODUCTION_LIMITS["LB_BURST_PER_IP"])
    try:
        with httpx.Client(timeout=30) as http:

            def health(_: int) -> httpx.Response:
                return http.get(f"{url}/webhooks/rest/")

            with ThreadPoolExecutor(8) as pool:
                answers = list(pool.map(health, range(burst * 3)))
            codes = [answer.status_code for answer in answers]
            assert codes.count(429) >= burst, codes
            assert codes.count(200) >= burst, codes
            limited = next(answer for answer in answers if answer.status_code == 429)
            assert "请稍后再试" in limited.json()["message"]
            assert limited.headers["retry-after"] == "1"

            # the limit is per kind of traffic: socket.io of the same address is not starved
            handshake = http.get(f"{url}/socket.io/", params={"EIO": "4", "transport": "polling"})
            assert handshake.status_code == 200

            time.sleep(1.5)  # the bucket refills at the sustained rate
            sender = f"surface-rate-{uuid.uuid4().hex[:8]}"
            assert rest_turn(url, sender, "你好").status_code == 200
    finally:
        balancer.stop()
