"""One token per caller (backend/core/access.py), over real HTTP against ``python -m backend``.

The attack: one all-powerful token, held by the action server, the desk and the WeChat channel,
could rebind WeChat identities (act as another customer on WeChat), file refunds, and wipe the
database. Now each caller's token does its own job and gets 403 elsewhere, and a refused
request changes nothing.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from backend_testkit import ADMIN_TOKEN, DESK_TOKEN, TOKEN, WECHAT_TOKEN, assert_error

ACTIONS_TOKEN = TOKEN


def call(live, token: str, method: str, path: str, **kwargs) -> httpx.Response:
    """One request to the running backend with ``token`` as the bearer token."""
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return httpx.request(method, f"{live.url}{path}", headers=headers, timeout=30, **kwargs)


def refund(token: str, live, key: str) -> httpx.Response:
    """File a refund of u1005's T202611230005 (eligible in the demo data)."""
    return call(
        live, token, "POST", "/v1/customers/u1005/refunds",
        json={"transaction_id": "T202611230005", "reason": "不想要了"},
        headers={"Idempotency-Key": key},
    )  # fmt: skip


def refunds_of_u1005(live) -> int:
    return call(live, ADMIN_TOKEN, "GET", "/v1/customers/u1005/refunds").json()["total"]


def test_the_action_servers_token_does_the_customer_api(live):
    for path in (
        "/v1/customers/u1001",
        "/v1/customers/u1001/payment-methods",
        "/v1/customers/u1001/transactions",
        "/v1/customers/u1005/refunds",
        "/v1/customers/u1001/disputes",
        "/v1/customers/u1001/duplicate-charges",
    ):
        assert call(live, ACTIONS_TOKEN, "GET", path).status_code == 200, path
    assert refund(ACTIONS_TOKEN, live, f"k-{uuid.uuid4().hex}").status_code == 201
    code = call(live, ACTIONS_TOKEN, "POST", "/v1/customers/u1001/verification-codes", json={})
    assert code.status_code == 201, code.text


def test_the_action_servers_token_cannot_reach_admin_bindings_or_test_controls(live):
    before = refunds_of_u1005(live)
    assert refund(ACTIONS_TOKEN, live, f"k-{uuid.uuid4().hex}").status_code == 201
    for method, path, body in (
        ("POST", "/v1/admin/demo/reset", None),
        ("POST", "/v1/admin/refunds/R20261118000500/advance", {}),
        ("PUT", "/v1/wechat/bindings/oAttacker0001", {"customer_id": "u1001"}),
        ("GET", "/v1/wechat/bindings/oAttacker0001", None),
        ("POST", "/v1/_test/faults", {"path": "/v1/*", "status": 503}),
        ("POST", "/v1/verifications/abcdefghijklmnop/verify", {"code": "123456"}),
        ("POST", "/v1/customers/u1001/login", {"password": "guess"}),
    ):
        response = call(live, ACTIONS_TOKEN, method, path, json=body)
        assert_error(response, 403, "FORBIDDEN")
    # the refused reset wiped nothing
    assert refunds_of_u1005(live) == before + 1


def test_the_wechat_token_reads_bindings_and_nothing_else(live):
    openid = f"oEEPAY_{uuid.uuid4().hex[:10]}"
    missing = call(live, WECHAT_TOKEN, "GET", f"/v1/wechat/bindings/{openid}")
    assert_error(missing, 404, "WECHAT_BINDING_NOT_FOUND")
    bound = call(
        live, ADMIN_TOKEN, "PUT", f"/v1/wechat/bindings/{openid}", json={"customer_id": "u1001"}
    )
    assert bound.status_code == 201
    read = call(live, WECHAT_TOKEN, "GET", f"/v1/wechat/bindings/{openid}")
    assert read.status_code == 200 and read.json()["customer_id"] == "u1001"

    # rebinding a follower to another customer would let them act as that customer
    rebind = call(
        live, WECHAT_TOKEN, "PUT", f"/v1/wechat/bindings/{openid}", json={"customer_id": "u1005"}
    )
    assert_error(rebind, 403, "FORBIDDEN")
    assert_error(
        call(live, WECHAT_TOKEN, "DELETE", f"/v1/wechat/bindings/{openid}"), 403, "FORBIDDEN"
    )
    fresh = f"oEEPAY_{uuid.uuid4().hex[:10]}"
    claim = call(
        live, WECHAT_TOKEN, "PUT", f"/v1/wechat/bindings/{fresh}", json={"customer_id": "u1005"}
    )
    assert_error(claim, 403, "FORBIDDEN")
    assert_error(call(live, WECHAT_TOKEN, "POST", "/v1/admin/demo/reset"), 403, "FORBIDDEN")
    assert_error(call(live, WECHAT_TOKEN, "GET", "/v1/customers/u1001"), 403, "FORBIDDEN")
    assert_error(refund(WECHAT_TOKEN, live, f"k-{uuid.uuid4().hex}"), 403, "FORBIDDEN")

    assert (
        call(live, WECHAT_TOKEN, "GET", f"/v1/wechat/bindings/{openid}").json()["customer_id"]
        == "u1001"
    )
    assert_error(
        call(live, WECHAT_TOKEN, "GET", f"/v1/wechat/bindings/{fresh}"),
        404,
        "WECHAT_BINDING_NOT_FOUND",
    )


def test_the_desk_token_reads_a_profile_and_nothing_else(live):
    profile = call(live, DESK_TOKEN, "GET", "/v1/customers/u1001")
    assert profile.status_code == 200 and profile.json()["phone_masked"] == "138****1001"
    before = refunds_of_u1005(live)
    assert_error(refund(DESK_TOKEN, live, f"k-{uuid.uuid4().hex}"), 403, "FORBIDDEN")
    assert refunds_of_u1005(live) == before
    for method, path in (
        ("GET", "/v1/customers/u1001/transactions"),
        ("GET", "/v1/customers/u1001/payment-methods"),
        ("POST", "/v1/customers/u1001/payment-methods/freeze"),
        ("POST", "/v1/customers/u1001/verification-codes"),
        ("GET", "/v1/wechat/bindings/oEEPAY_valid_01"),
        ("POST", "/v1/admin/demo/reset"),
    ):
        assert_error(call(live, DESK_TOKEN, method, path, json={}), 403, "FORBIDDEN")


def test_a_refusal_comes_before_the_body_is_read(live):
    """The scope is checked before anything is parsed: a garbled body from the wrong caller is
    a 403, not a validation error that would tell what the route expects."""
    response = call(
        live, WECHAT_TOKEN, "PUT", "/v1/wechat/bindings/oEEPAY_valid_01",
        content=b"{not json", headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert_error(response, 403, "FORBIDDEN")


@pytest.mark.parametrize("token", ["", "dev-backend-token", f"{WECHAT_TOKEN}x"])
def test_unknown_tokens_are_401(live, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(f"{live.url}/v1/wechat/bindings/oEEPAY_valid_01", headers=headers)
    assert response.status_code == 401


def test_every_route_has_its_callers():
    """The table as a whole: who may call each /v1 route of the app."""
    from backend.core.access import Caller, allowed_callers

    actions, desk, wechat, admin = Caller.ACTIONS, Caller.DESK, Caller.WECHAT, Caller.ADMIN
    expected = {
        ("GET", "/v1/customers/u1"): {actions, desk, admin},
        ("HEAD", "/v1/customers/u1"): {actions, desk, admin},
        ("POST", "/v1/customers/u1"): {admin},
        ("GET", "/v1/customers/u1/payment-methods"): {actions, admin},
        ("POST", "/v1/customers/u1/payment-methods/freeze"): {actions, admin},
        ("POST", "/v1/customers/u1/refunds"): {actions, admin},
        ("GET", "/v1/customers/u1/transactions/T1/refund-eligibility"): {actions, admin},
        ("POST", "/v1/customers/u1/verification-codes"): {actions, admin},
        ("POST", "/v1/customers/u1/disputes"): {actions, admin},
        ("POST", "/v1/customers/u1/login"): {admin},
        ("GET", "/v1/wechat/bindings/o1"): {wechat, admin},
        ("PUT", "/v1/wechat/bindings/o1"): {admin},
        ("DELETE", "/v1/wechat/bindings/o1"): {admin},
        ("GET", "/v1/wechat/bindings/o1/x"): {admin},
        ("POST", "/v1/verifications/c1/verify"): {admin},
        ("POST", "/v1/password-resets"): {admin},
        ("POST", "/v1/admin/demo/reset"): {admin},
        ("POST", "/v1/_test/faults"): {admin},
        ("GET", "/v1/customers"): {admin},
        ("GET", "/v1/customers/"): {admin},
        ("GET", "/v1/anything-new"): {admin},
    }
    for (method, path), callers in expected.items():
        assert allowed_callers(method, path) == callers, (method, path)


def test_one_token_for_two_callers_is_refused(tmp_path):
    from backend_testkit import make_settings

    from backend.main import create_app

    settings = make_settings(f"sqlite:///{tmp_path / 'b.db'}", desk_token=TOKEN)
    with pytest.raises(ValueError, match="its own token"):
        create_app(settings)


def test_a_path_with_a_newline_still_finds_its_route_group():
    from backend.core.access import Caller, allowed_callers

    # %0A decodes to a newline: the operator may still make the request (it then 404s), and the
    # customer API still knows a customer's own path
    assert Caller.ADMIN in allowed_callers("GET", "/v1/customers//\n/transactions")
    assert allowed_callers("GET", "/v1/customers/u1\n/transactions") == frozenset(
        {Caller.ACTIONS, Caller.ADMIN}
    )
