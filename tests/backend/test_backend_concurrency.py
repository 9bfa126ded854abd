"""Twenty simultaneous submissions against a real server process, on SQLite and PostgreSQL.

Requests are released together from twenty threads with their own connections, so the server
really handles them at the same time (uvicorn's thread pool, one database transaction each).
"""

from __future__ import annotations

import threading
from collections import Counter

import httpx
from backend_testkit import ADMIN_TOKEN, RunningServer

N = 20


def fire_together(server: RunningServer, method: str, path: str, bodies_and_keys) -> list:
    """Send every (body, key) at once from its own thread; return the responses in order."""
    barrier = threading.Barrier(len(bodies_and_keys))
    results: list = [None] * len(bodies_and_keys)

    def worker(index: int, body: dict, key: str) -> None:
        with httpx.Client(
            base_url=server.url,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Idempotency-Key": key},
            timeout=60,
        ) as http:
            http.get("/healthz")  # open the connection before the start signal
            barrier.wait()
            results[index] = http.request(method, path, json=body)

    threads = [
        threading.Thread(target=worker, args=(i, body, key))
        for i, (body, key) in enumerate(bodies_and_keys)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def refunds_of(server: RunningServer, customer_id: str, transaction_id: str) -> list[dict]:
    with server.client() as http:
        page = http.get(
            f"/v1/customers/{customer_id}/refunds",
            params={"transaction_id": transaction_id, "limit": 100},
        ).json()
    return page["items"]


MEAL = {"transaction_id": "T202611230005", "reason": "重复下单"}  # u1005, ¥89.00


def test_same_key_twenty_times_creates_exactly_one_refund(live):
    responses = fire_together(
        live, "POST", "/v1/customers/u1005/refunds", [(MEAL, "same-key-concurrent")] * N
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 200: N - 1}, [r.text for r in responses if r.status_code >= 300]
    assert len({r.json()["id"] for r in responses}) == 1
    refunds = refunds_of(live, "u1005", "T202611230005")
    assert len(refunds) == 1 and refunds[0]["amount_fen"] == 8900


def test_different_keys_full_amount_creates_exactly_one_refund(live):
    responses = fire_together(
        live,
        "POST",
        "/v1/customers/u1005/refunds",
        [(MEAL, f"full-amount-key-{i:02d}") for i in range(N)],
    )
    assert Counter(r.status_code for r in responses) == {201: 1, 409: N - 1}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"REFUND_IN_PROGRESS"}
    assert len(refunds_of(live, "u1005", "T202611230005")) == 1


def test_different_keys_partial_amounts_never_exceed_the_payment(live):
    body = {**MEAL, "amount_fen": 1000}  # 8 x ¥10 fit into ¥89, the 9th does not
    responses = fire_together(
        live,
        "POST",
        "/v1/customers/u1005/refunds",
        [(body, f"partial-key-{i:02d}") for i in range(N)],
    )
    assert Counter(r.status_code for r in responses) == {201: 8, 409: N - 8}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {
        "AMOUNT_EXCEEDS_REMAINDER"
    }
    refunds = refunds_of(live, "u1005", "T202611230005")
    assert len(refunds) == 8
    assert sum(r["amount_fen"] for r in refunds) == 8000 <= 8900


def test_mixed_keys_and_retries(live):
    body = {**MEAL, "amount_fen": 3000}  # two of ¥30 fit into ¥89, a third does not
    keys = [f"mixed-key-{i % 5}" for i in range(N)]  # five logical requests, four copies each
    responses = fire_together(
        live, "POST", "/v1/customers/u1005/refunds", list(zip([body] * N, keys, strict=True))
    )
    created = {r.json()["id"] for r in responses if r.status_code in (200, 201)}
    assert len(created) == 2
    assert Counter(r.status_code for r in responses)[201] == 2
    winners = {keys[i] for i, r in enumerate(responses) if r.status_code in (200, 201)}
    for i, response in enumerate(responses):
        if keys[i] in winners:
            assert response.status_code in (200, 201)
        else:
            assert response.json()["code"] == "AMOUNT_EXCEEDS_REMAINDER"
    refunds = refunds_of(live, "u1005", "T202611230005")
    assert sorted(r["id"] for r in refunds) == sorted(created)


def test_same_key_twenty_disputes_creates_one_case(live):
    body = {"transaction_id": "T202611240026", "type": "duplicate_charge"}
    responses = fire_together(
        live, "POST", "/v1/customers/u1006/disputes", [(body, "dispute-concurrent")] * N
    )
    assert Counter(r.status_code for r in responses) == {201: 1, 200: N - 1}
    assert len({r.json()["id"] for r in responses}) == 1
    with live.client() as http:
        assert http.get("/v1/customers/u1006/disputes").json()["total"] == 1


def test_twenty_simultaneous_code_requests_send_one_code(live):
    body = {"channel": "sms", "purpose": "password_reset"}
    responses = fire_together(
        live,
        "POST",
        "/v1/customers/u1001/verification-codes",
        [(body, f"code-key-{i:02d}") for i in range(N)],
    )
    assert Counter(r.status_code for r in responses) == {201: 1, 429: N - 1}


def test_twenty_simultaneous_guesses_get_exactly_five_attempts(live):
    with live.client() as http:
        challenge = http.post("/v1/customers/u1001/verification-codes", json={}).json()
    path = f"/v1/verifications/{challenge['challenge_id']}/verify"
    guesses = [({"code": f"{i:06d}"}, f"guess-key-{i:02d}") for i in range(N)]
    responses = fire_together(live, "POST", path, guesses)
    codes = Counter(r.json().get("code", "VERIFIED") for r in responses)
    # At most 5 codes are ever checked; if one guess happened to be right it took an attempt.
    assert codes["CODE_INVALID"] + codes["VERIFIED"] == 5
    assert codes["CODE_ATTEMPTS_EXCEEDED"] + codes["CODE_ALREADY_USED"] == N - 5
