"""Service-wide behaviour: health, the service token, the error shape, hostile input."""

from __future__ import annotations

import json

import pytest
from backend_testkit import TOKEN, assert_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.usefixtures("ctx")


def test_healthz_needs_no_token(anon):
    response = anon.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}


def test_openapi_docs_are_served(anon):
    assert anon.get("/docs").status_code == 200
    schema = anon.get("/openapi.json").json()
    assert "/v1/customers/{customer_id}/refunds" in schema["paths"]
    assert "HTTPBearer" in json.dumps(schema["components"]["securitySchemes"])


@pytest.mark.parametrize(
    "headers, code",
    [
        ({}, "AUTH_REQUIRED"),
        ({"Authorization": "Bearer wrong-token"}, "INVALID_TOKEN"),
        ({"Authorization": f"Bearer {TOKEN}x"}, "INVALID_TOKEN"),
        ({"Authorization": f"Basic {TOKEN}"}, "INVALID_TOKEN"),
        ({"Authorization": "Bearer "}, "INVALID_TOKEN"),
        ({"Authorization": TOKEN}, "INVALID_TOKEN"),
    ],
)
def test_every_v1_endpoint_needs_the_token(anon, headers, code):
    for method, path in [
        ("GET", "/v1/customers/u1001"),
        ("GET", "/v1/customers/u1001/transactions"),
        ("POST", "/v1/customers/u1005/refunds"),
        ("POST", "/v1/admin/demo/reset"),
        ("GET", "/v1/no-such-endpoint"),
    ]:
        response = anon.request(method, path, headers=headers, json={"transaction_id": "x"})
        body = assert_error(response, 401, code)
        assert response.headers["www-authenticate"] == "Bearer"
        assert "u1001" not in json.dumps(body)


def test_unauthenticated_request_never_reaches_validation(anon):
    response = anon.post("/v1/customers/u1005/refunds", content=b"{not json")
    assert_error(response, 401, "AUTH_REQUIRED")


def test_unknown_endpoint_and_method(api):
    assert_error(api.get("/v1/nothing-here"), 404, "NOT_FOUND")
    assert_error(api.delete("/v1/customers/u1001"), 405, "METHOD_NOT_ALLOWED")


def test_unknown_ids_are_404(api):
    assert_error(api.get("/v1/customers/u9999"), 404, "CUSTOMER_NOT_FOUND")
    assert_error(api.get("/v1/customers/u9999/transactions"), 404, "CUSTOMER_NOT_FOUND")
    assert_error(
        api.get("/v1/customers/u1001/transactions/T209901010001"), 404, "TRANSACTION_NOT_FOUND"
    )
    # Another customer's transaction looks exactly like a missing one.
    assert_error(
        api.get("/v1/customers/u1001/transactions/T202611230005"), 404, "TRANSACTION_NOT_FOUND"
    )
    assert_error(api.get("/v1/customers/u1005/refunds/R209901010001"), 404, "REFUND_NOT_FOUND")
    assert_error(api.get("/v1/customers/u1001/refunds/R202611180005"), 404, "REFUND_NOT_FOUND")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/customers/u1001'%20OR%20'1'='1",
        "/v1/customers/u1001%3B%20DROP%20TABLE%20customers",
        "/v1/customers/1%20OR%201=1",
        "/v1/customers/u1001/transactions/T1'%20OR%20'1'='1",
        "/v1/customers/u1001/transactions?status=failed'%20OR%201=1--",
        "/v1/customers/u1001/transactions?since=2026-01-01'%3B--",
        "/v1/customers/u1001/transactions?limit=-1",
        "/v1/customers/u1001/transactions?limit=100000",
        "/v1/customers/u1001/transactions?offset=abc",
        "/v1/customers/" + "u" + "1" * 500,
        "/v1/wechat/bindings/%3Cscript%3E",
    ],
)
def test_malformed_and_sql_looking_input_is_422(api, path):
    assert_error(api.get(path), 422, "VALIDATION_ERROR")
    # Nothing was harmed: the customers are all still there.
    assert api.get("/v1/customers/u1001").status_code == 200


def refund_post(api, body, key="key-basics-0001", **kwargs):
    return api.post(
        "/v1/customers/u1005/refunds", json=body, headers={"Idempotency-Key": key}, **kwargs
    )


@pytest.mark.parametrize(
    "amount",
    [0, -1, -8900, 10**13, 10**40, 10.5, 89.0, "8900", True, [8900], {"fen": 1}],
)
def test_bad_amounts_are_422(api, amount):
    body = {"transaction_id": "T202611230005", "amount_fen": amount, "reason": "买错了"}
    assert_error(refund_post(api, body), 422, "VALIDATION_ERROR")


def test_amount_above_the_remainder_is_a_policy_refusal(api):
    body = {"transaction_id": "T202611230005", "amount_fen": 8901, "reason": "买错了"}
    error = assert_error(refund_post(api, body), 409, "AMOUNT_EXCEEDS_REMAINDER")
    assert error["details"]["refundable_fen"] == 8900


@pytest.mark.parametrize(
    "body",
    [
        {"transaction_id": "T202611230005'; DROP TABLE refunds;--", "reason": "x"},
        {"transaction_id": "T202611230005", "reason": ""},
        {"transaction_id": "T202611230005", "reason": "x" * 201},
        {"transaction_id": "T202611230005", "reason": "bad\x00byte"},
        {"transaction_id": "T202611230005"},
        {"reason": "买错了"},
        {"transaction_id": "T202611230005", "reason": "买错了", "customer_id": "u1001"},
        [],
        "T202611230005",
        None,
    ],
)
def test_malformed_refund_bodies_are_422(api, body):
    assert_error(refund_post(api, body), 422, "VALIDATION_ERROR")


def test_sql_text_in_free_text_is_just_text(api):
    reason = "'); DROP TABLE refunds; -- 买错了"
    response = refund_post(api, {"transaction_id": "T202611230005", "reason": reason})
    assert response.status_code == 201, response.text
    refund_id = response.json()["id"]
    stored = api.get(f"/v1/customers/u1005/refunds/{refund_id}").json()
    assert stored["reason"] == reason
    assert api.get("/v1/customers/u1005/refunds").json()["total"] == 2


def test_invalid_json_is_422_invalid_json(api):
    response = api.post(
        "/v1/customers/u1005/refunds",
        content=b'{"transaction_id": "T202611230005",',
        headers={"Idempotency-Key": "key-json-0001", "Content-Type": "application/json"},
    )
    assert_error(response, 422, "INVALID_JSON")


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"89e2"])
def test_non_integer_json_numbers_are_422(api, literal):
    response = api.post(
        "/v1/customers/u1005/refunds",
        content=b'{"transaction_id": "T202611230005", "reason": "x", "amount_fen": '
        + literal
        + b"}",
        headers={"Idempotency-Key": "key-json-0003", "Content-Type": "application/json"},
    )
    assert_error(response, 422, "VALIDATION_ERROR")


def test_deeply_nested_json_is_a_4xx(api):
    body = b"[" * 30000 + b"]" * 30000
    response = api.post(
        "/v1/customers/u1005/refunds",
        content=body,
        headers={"Idempotency-Key": "key-json-0002", "Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500, response.text
    assert "code" in response.json()


def test_one_megabyte_body_is_413(api):
    body = {"transaction_id": "T202611230005", "reason": "x" * (1024 * 1024)}
    assert_error(refund_post(api, body), 413, "PAYLOAD_TOO_LARGE")


def test_one_megabyte_chunked_body_is_413(api):
    def chunks():
        for _ in range(64):
            yield b" " * 16384

    response = api.post(
        "/v1/customers/u1005/refunds",
        content=chunks(),
        headers={"Idempotency-Key": "key-chunk-0001", "Content-Type": "application/json"},
    )
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")


def test_bad_content_length_is_400(app):
    import asyncio

    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/customers/u1005/refunds",
        "raw_path": b"/v1/customers/u1005/refunds",
        "query_string": b"",
        "headers": [
            (b"authorization", f"Bearer {TOKEN}".encode()),
            (b"content-length", b"12abc"),
        ],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1),
        "root_path": "",
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 400


def test_idempotency_key_is_required_and_checked(api):
    body = {"transaction_id": "T202611230005", "reason": "买错了"}
    response = api.post("/v1/customers/u1005/refunds", json=body)
    assert_error(response, 422, "IDEMPOTENCY_KEY_REQUIRED")
    for bad in ["short", "has space in it", "x" * 129, "中文中文中文中文中文"]:
        response = api.post(
            "/v1/customers/u1005/refunds",
            json=body,
            headers={"Idempotency-Key": bad.encode("utf-8")},
        )
        assert_error(response, 422, "VALIDATION_ERROR")


def test_responses_carry_a_request_id(api):
    response = api.get("/v1/customers/u1001", headers={"X-Request-ID": "req-123"})
    assert response.headers["x-request-id"] == "req-123"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
refund_bodies = st.fixed_dictionaries(
    {},
    optional={
        "transaction_id": st.one_of(
            st.sampled_from(["T202611230005", "T202610010005", "T202611200001", "T1"]),
            st.text(max_size=40),
        ),
        "amount_fen": st.one_of(st.integers(min_value=-(10**20), max_value=10**20), json_values),
        "reason": st.one_of(st.text(max_size=250), json_values),
        "extra": json_values,
    },
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=st.one_of(refund_bodies, json_values), key=st.text(min_size=0, max_size=40))
def test_fuzzed_refund_requests_never_500(api, body, key):
    headers = {"Idempotency-Key": key.encode("utf-8")} if key.isprintable() else {}
    response = api.post("/v1/customers/u1005/refunds", json=body, headers=headers)
    assert response.status_code in (200, 201, 404, 409, 422), response.text
    assert "code" in response.json()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(segment=st.text(min_size=1, max_size=60))
def test_fuzzed_path_segments_never_500(api, segment):
    from urllib.parse import quote

    response = api.get(f"/v1/customers/{quote(segment, safe='')}/transactions")
    assert response.status_code in (200, 404, 422), response.text
