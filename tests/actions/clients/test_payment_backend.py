"""The actions' typed client against the real backend process, including its failure paths."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from actions.clients.payment_backend import (
    AuthenticationFailed,
    BackendClient,
    BackendUnavailable,
    Conflict,
    InvalidRequest,
    NotEligible,
    NotFound,
    RateLimited,
)
from actions.clients.payment_backend import client as bc
from actions.clients.payment_backend.models import Customer
from actions.clients.payment_backend.settings import BackendClientSettings
from tests.actions.clients.live_backend import TOKEN, LiveBackend
from tests.support.processes import free_port


@pytest.fixture
async def client(live: LiveBackend) -> AsyncIterator[BackendClient]:
    async with BackendClient(live.url, TOKEN, backoff_seconds=0.01) as backend:
        yield backend


def add_fault(server: LiveBackend, **rule) -> int:
    with server.client() as http:
        response = http.post("/v1/_test/faults", json=rule)
        assert response.status_code == 201, response.text
        return response.json()["id"]


def fault_hits(server: LiveBackend, fault_id: int) -> int:
    with server.client() as http:
        items = http.get("/v1/_test/faults").json()["items"]
    return next(item["hits"] for item in items if item["id"] == fault_id)


# --- typed answers --------------------------------------------------------------------------


async def test_customer_and_payment_methods(client):
    customer = await client.get_customer("u1001")
    assert isinstance(customer, Customer)
    assert (customer.name, customer.balance_fen, customer.phone_masked) == (
        "张伟",
        3520,
        "138****1001",
    )
    methods = await client.list_payment_methods("u1002")
    credit = next(m for m in methods if m.type == "credit_card")
    assert (credit.bank, credit.last4, credit.single_limit_fen) == ("中信银行", "8848", 200000)


async def test_transactions(client):
    page = await client.list_transactions("u1006", status=["failed", "pending"])
    assert [t.id for t in page.items] == ["T202611240006"]
    assert page.items[0].failure_code == "NETWORK_TIMEOUT"
    assert page.items[0].created_at.tzinfo is not None
    everything = await client.list_transactions("u1005", limit=2)
    assert (len(everything.items), everything.total) == (2, 3)
    refundable = await client.list_transactions("u1005", refundable=True)
    assert [t.id for t in refundable.items] == ["T202611230005"]
    one = await client.get_transaction("u1001", "T202611200001")
    assert (one.amount_fen, one.payee, one.payment_method.type) == (19900, "星巴克", "balance")


async def test_refund_flow(client):
    ok = await client.check_refund_eligibility("u1005", "T202611230005")
    assert (ok.eligible, ok.refundable_fen) == (True, 8900)
    refused = await client.check_refund_eligibility("u1005", "T202610010005")
    assert (refused.eligible, refused.reason_code) == (False, "NON_REFUNDABLE_CATEGORY")

    first = await client.submit_refund(
        "u1005", "T202611230005", "买错了", idempotency_key="client-refund-0001"
    )
    again = await client.submit_refund(
        "u1005", "T202611230005", "买错了", idempotency_key="client-refund-0001"
    )
    assert first.id == again.id and first.status == "submitted"
    with pytest.raises(NotEligible) as refused_submit:
        await client.submit_refund("u1005", "T202610010005", "不想玩了")
    assert refused_submit.value.code == "NON_REFUNDABLE_CATEGORY"
    assert refused_submit.value.status == 409

    refunds = await client.list_refunds("u1005")
    assert refunds.total == 2
    overdue = await client.list_refunds("u1007")
    assert [r.overdue for r in overdue.items] == [True]
    single = await client.get_refund("u1005", "R202611180005")
    assert single.status == "under_review" and single.expected_arrival_latest is not None


async def test_verification_code(client):
    challenge = await client.send_verification_code("u1005", channel="email")
    assert challenge.destination_masked == "c***g@example.com"
    assert challenge.reset_url.endswith(f"challenge={challenge.challenge_id}")
    with pytest.raises(RateLimited) as limited:
        await client.send_verification_code("u1005")
    assert 0 < limited.value.retry_after_seconds <= 60
    with pytest.raises(NotEligible) as frozen:
        await client.send_verification_code("u1008")
    assert frozen.value.code == "ACCOUNT_FROZEN"
    with pytest.raises(Conflict) as no_email:
        await client.send_verification_code("u1001", channel="email")
    assert no_email.value.code == "CHANNEL_UNAVAILABLE"
    assert not isinstance(no_email.value, NotEligible)


async def test_disputes_duplicates_and_freeze(client):
    duplicates = await client.find_duplicate_charges("u1006")
    assert duplicates.items[0].transaction_ids == ["T202611240016", "T202611240026"]
    case = await client.open_dispute("u1006", "T202611240026", "duplicate_charge")
    assert case.duplicate_detected and case.related_transaction_ids == ["T202611240016"]
    with pytest.raises(Conflict) as already:
        await client.open_dispute("u1006", "T202611240026", "duplicate_charge")
    assert already.value.code == "DISPUTE_ALREADY_OPEN"
    assert already.value.details["dispute_id"] == case.id
    urgent = await client.open_dispute(
        "u1001", "T202611140102", "unauthorized", freeze_payment_methods=True
    )
    assert urgent.priority == "high"
    assert urgent.frozen_payment_method_ids == ["PM100101", "PM100102"]
    again = await client.freeze_payment_methods("u1001")
    assert again.frozen_payment_method_ids == [] and len(again.already_frozen_ids) == 2
    assert (await client.list_disputes("u1006")).total == 1


async def test_error_mapping(client, live):
    with pytest.raises(NotFound) as unknown:
        await client.get_customer("u9999")
    assert unknown.value.code == "CUSTOMER_NOT_FOUND"
    with pytest.raises(InvalidRequest) as malformed:
        await client.get_customer("u1001' OR '1'='1")
    assert (malformed.value.status, malformed.value.code) == (422, "VALIDATION_ERROR")
    with pytest.raises(NotFound) as traversal:  # quoted: it cannot climb out of /customers/
        await client.get_customer("../admin/demo/reset")
    assert traversal.value.code == "NOT_FOUND"
    with pytest.raises(InvalidRequest) as bad_amount:
        await client.submit_refund("u1005", "T202611230005", "x", amount_fen=-5)
    assert bad_amount.value.code == "VALIDATION_ERROR"
    async with BackendClient(live.url, "not-the-token") as wrong:
        with pytest.raises(AuthenticationFailed) as refused:
            await wrong.get_customer("u1001")
    assert refused.value.code == "INVALID_TOKEN"


# --- failure paths --------------------------------------------------------------------------


async def test_reads_are_retried_on_5xx(client, live):
    fault = add_fault(live, method="GET", path="/v1/customers/u1001", status=503, times=2)
    customer = await client.get_customer("u1001")
    assert customer.id == "u1001"
    assert fault_hits(live, fault) == 2


async def test_reads_give_up_after_the_retries(client, live):
    fault = add_fault(live, method="GET", path="/v1/customers/u1001", status=500, times=10)
    with pytest.raises(BackendUnavailable) as failed:
        await client.get_customer("u1001")
    assert failed.value.code == "INJECTED_FAULT" and failed.value.status == 500
    assert fault_hits(live, fault) == 3  # one attempt and two retries


async def test_writes_are_never_retried(client, live):
    fault = add_fault(live, method="POST", path="/v1/customers/u1005/refunds", status=503)
    with pytest.raises(BackendUnavailable):
        await client.submit_refund(
            "u1005", "T202611230005", "买错了", idempotency_key="client-no-retry-1"
        )
    assert fault_hits(live, fault) == 1
    assert (await client.list_refunds("u1005")).total == 1  # only the demo refund
    # The caller retries the whole action with the same key: exactly one refund.
    first = await client.submit_refund(
        "u1005", "T202611230005", "买错了", idempotency_key="client-no-retry-1"
    )
    second = await client.submit_refund(
        "u1005", "T202611230005", "买错了", idempotency_key="client-no-retry-1"
    )
    assert first.id == second.id
    assert (await client.list_refunds("u1005")).total == 2


async def test_slow_backend_times_out(live):
    fault = add_fault(live, method="GET", path="/v1/customers/u1001", delay_ms=3000, times=5)
    async with BackendClient(live.url, TOKEN, timeout_seconds=0.5) as impatient:
        started = time.monotonic()
        with pytest.raises(BackendUnavailable) as slow:
            await impatient.get_customer("u1001")
        elapsed = time.monotonic() - started
    assert slow.value.code == "BACKEND_TIMEOUT"
    assert 0.4 < elapsed < 1.5  # one attempt: a read timeout is not retried
    assert fault_hits(live, fault) == 1


async def test_default_timeout_is_three_seconds_at_most(monkeypatch):
    monkeypatch.delenv("BACKEND_TIMEOUT_SECONDS", raising=False)
    assert BackendClientSettings().timeout_seconds == 3.0
    with pytest.raises(ValueError):
        BackendClient("http://127.0.0.1:1", TOKEN, timeout_seconds=5)
    monkeypatch.setenv("BACKEND_TIMEOUT_SECONDS", "10")
    with pytest.raises(ValueError):
        BackendClientSettings()


async def silent_server(connections: list) -> asyncio.AbstractServer:
    """A socket that accepts connections and never answers."""

    async def handle(reader, writer):
        connections.append(writer)
        await reader.read(-1)

    return await asyncio.start_server(handle, "127.0.0.1", 0)


async def test_socket_that_never_answers(monkeypatch):
    connections: list = []
    server = await silent_server(connections)
    port = server.sockets[0].getsockname()[1]
    try:
        async with BackendClient(f"http://127.0.0.1:{port}", TOKEN, timeout_seconds=0.5) as backend:
            started = time.monotonic()
            with pytest.raises(BackendUnavailable) as hung:
                await backend.get_customer("u1001")
            assert hung.value.code == "BACKEND_TIMEOUT"
            assert time.monotonic() - started < 1.5
            assert len(connections) == 1
            with pytest.raises(BackendUnavailable):
                await backend.submit_refund("u1005", "T202611230005", "x")
            assert await backend.health() is False
    finally:
        for writer in connections:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_dropped_connections_are_retried_for_reads(live):
    """A proxy that hangs up on the first two connections, then forwards to the backend."""
    host, port = "127.0.0.1", int(live.url.rsplit(":", 1)[1])
    seen = []

    async def pipe(reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def handle(reader, writer):
        seen.append(1)
        if len(seen) <= 2:
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    proxy = await asyncio.start_server(handle, "127.0.0.1", 0)
    proxy_port = proxy.sockets[0].getsockname()[1]
    try:
        async with BackendClient(
            f"http://127.0.0.1:{proxy_port}", TOKEN, backoff_seconds=0.01
        ) as backend:
            customer = await backend.get_customer("u1005")
            assert customer.name == "陈静"
            assert len(seen) == 3
    finally:
        proxy.close()
        await proxy.wait_closed()


async def test_nothing_listening():
    port = free_port()
    async with BackendClient(f"http://127.0.0.1:{port}", TOKEN, backoff_seconds=0.01) as backend:
        started = time.monotonic()
        with pytest.raises(BackendUnavailable) as down:
            await backend.get_customer("u1001")
        assert down.value.code == "BACKEND_UNREACHABLE"
        assert time.monotonic() - started < 1.0
        assert await backend.health() is False


async def test_health(client):
    assert await client.health() is True


# --- configuration and the shared client ----------------------------------------------------


async def test_shared_client_from_the_environment(live, monkeypatch):
    monkeypatch.setenv("BACKEND_URL", live.url)
    monkeypatch.setenv("BACKEND_API_TOKEN", TOKEN)
    await bc.close_backend_client()
    shared = bc.get_backend_client()
    assert bc.get_backend_client() is shared
    assert shared.base_url == live.url
    assert (await shared.get_customer("u1003")).name == "王芳"
    await bc.close_backend_client()
    assert shared.is_closed
    assert bc.get_backend_client() is not shared
    await bc.close_backend_client()


async def test_conversation_id_and_idempotency_headers():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            201,
            json={
                "challenge_id": "c" * 32,
                "customer_id": "u1001",
                "purpose": "password_reset",
                "channel": "sms",
                "destination_masked": "138****1001",
                "expires_at": "2026-11-26T10:10:00+00:00",
                "resend_available_at": "2026-11-26T10:01:00+00:00",
                "max_attempts": 5,
                "reset_url": "http://127.0.0.1:8100/security/reset?challenge=ccc",
                "a_field_from_a_newer_backend": True,
            },
        )

    async with BackendClient(
        "http://backend.test", TOKEN, transport=httpx.MockTransport(handler)
    ) as backend:
        with bc.conversation("conv-42"):
            await backend.send_verification_code("u1001")
        await backend.send_verification_code("u1001")
    assert seen[0].headers["X-Conversation-ID"] == "conv-42"
    assert "X-Conversation-ID" not in seen[1].headers
    assert seen[0].headers["Authorization"] == f"Bearer {TOKEN}"
    keys = {request.headers["Idempotency-Key"] for request in seen}
    assert len(keys) == 2 and all(len(key) >= 16 for key in keys)


async def test_unexpected_answers_are_backend_errors():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("u1001"):
            return httpx.Response(200, json={"id": "u1001"})
        return httpx.Response(502, text="<html>bad gateway</html>")

    async with BackendClient(
        "http://backend.test", TOKEN, transport=httpx.MockTransport(handler), max_retries=0
    ) as backend:
        with pytest.raises(bc.BackendError) as invalid:
            await backend.get_customer("u1001")
        assert invalid.value.code == "INVALID_RESPONSE"
        with pytest.raises(BackendUnavailable) as gateway:
            await backend.get_customer("u1002")
        assert (gateway.value.code, gateway.value.status) == ("HTTP_502", 502)
