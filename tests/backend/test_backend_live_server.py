"""Request hygiene through the real HTTP stack (uvicorn), not just the in-process app."""

from __future__ import annotations

import httpx
from backend_testkit import assert_error

ONE_MB = 1024 * 1024


def test_one_megabyte_body_gets_a_clean_413(live):
    with live.client() as http:
        body = {"transaction_id": "T202611230005", "reason": "x" * ONE_MB}
        response = http.post(
            "/v1/customers/u1005/refunds", json=body, headers={"Idempotency-Key": "big-body-01"}
        )
        assert_error(response, 413, "PAYLOAD_TOO_LARGE")
        # The connection (or a new one) still works afterwards.
        assert http.get("/v1/customers/u1005").status_code == 200


def test_one_megabyte_chunked_body_gets_a_clean_413(live):
    def chunks():
        for _ in range(64):
            yield b"x" * 16384

    with live.client() as http:
        response = http.post(
            "/v1/customers/u1005/refunds",
            content=chunks(),
            headers={"Idempotency-Key": "big-body-02", "Content-Type": "application/json"},
        )
        assert_error(response, 413, "PAYLOAD_TOO_LARGE")


def test_big_body_without_a_token_gets_a_clean_401(live):
    response = httpx.post(f"{live.url}/v1/customers/u1005/refunds", content=b"x" * ONE_MB)
    assert_error(response, 401, "AUTH_REQUIRED")


def test_wrong_token_over_http(live):
    response = httpx.get(
        f"{live.url}/v1/customers/u1001", headers={"Authorization": "Bearer nope-nope"}
    )
    assert_error(response, 401, "INVALID_TOKEN")
    assert httpx.get(f"{live.url}/healthz").json()["database"] is True


def test_clock_control_endpoint(live):
    with live.client() as http:
        code = http.post("/v1/customers/u1001/verification-codes", json={})
        assert code.status_code == 201
        assert_error(
            http.post("/v1/customers/u1001/verification-codes", json={}), 429, "RATE_LIMITED"
        )
        moved = http.post("/v1/_test/clock", json={"advance_seconds": 61}).json()
        assert moved["offset_seconds"] == 61
        assert http.post("/v1/customers/u1001/verification-codes", json={}).status_code == 201
