"""Dispute cases, freezing payment methods, WeChat bindings."""

from __future__ import annotations

import pytest
from backend_testkit import assert_error

pytestmark = pytest.mark.usefixtures("ctx")


def open_case(api, customer_id, transaction_id, dispute_type, key, **extra):
    return api.post(
        f"/v1/customers/{customer_id}/disputes",
        json={"transaction_id": transaction_id, "type": dispute_type, **extra},
        headers={"Idempotency-Key": key},
    )


def method_statuses(api, customer_id):
    items = api.get(f"/v1/customers/{customer_id}/payment-methods").json()["items"]
    return {m["id"]: m["status"] for m in items}


def test_duplicate_charge_case_records_the_other_charge(api):
    response = open_case(api, "u1006", "T202611240026", "duplicate_charge", "dup-case-00001")
    assert response.status_code == 201, response.text
    case = response.json()
    assert case["id"].startswith("D")
    assert (case["type"], case["status"], case["priority"]) == (
        "duplicate_charge",
        "open",
        "normal",
    )
    assert case["duplicate_detected"] is True
    assert case["related_transaction_ids"] == ["T202611240016"]
    assert case["frozen_payment_method_ids"] == []


def test_duplicate_claim_without_a_duplicate_is_still_recorded(api):
    case = open_case(api, "u1001", "T202611140102", "duplicate_charge", "dup-case-00002").json()
    assert (case["duplicate_detected"], case["related_transaction_ids"]) == (False, [])


def test_unauthorized_case_freezes_everything_at_once(api):
    response = open_case(
        api,
        "u1006",
        "T202611240016",
        "unauthorized",
        "unauth-case-001",
        description="不是我本人操作",
        freeze_payment_methods=True,
    )
    assert response.status_code == 201, response.text
    case = response.json()
    assert case["priority"] == "high"
    assert case["frozen_payment_method_ids"] == ["PM100601", "PM100602"]
    assert set(method_statuses(api, "u1006").values()) == {"frozen"}
    assert api.get("/v1/customers/u1006").json()["status"] == "active"


def test_unauthorized_case_without_freezing(api):
    case = open_case(api, "u1006", "T202611240016", "unauthorized", "unauth-case-002").json()
    assert case["priority"] == "high"
    assert set(method_statuses(api, "u1006").values()) == {"active"}


def test_freezing_is_only_for_unauthorized_use(api):
    response = open_case(
        api,
        "u1006",
        "T202611240016",
        "wrong_amount",
        "freeze-wrong-01",
        freeze_payment_methods=True,
    )
    assert_error(response, 422, "VALIDATION_ERROR")


def test_same_key_returns_the_same_case(api):
    first = open_case(api, "u1006", "T202611240026", "duplicate_charge", "dup-replay-0001")
    again = open_case(api, "u1006", "T202611240026", "duplicate_charge", "dup-replay-0001")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert api.get("/v1/customers/u1006/disputes").json()["total"] == 1


def test_one_open_case_per_transaction_and_type(api):
    first = open_case(api, "u1006", "T202611240026", "duplicate_charge", "one-open-00001").json()
    error = assert_error(
        open_case(api, "u1006", "T202611240026", "duplicate_charge", "one-open-00002"),
        409,
        "DISPUTE_ALREADY_OPEN",
    )
    assert error["details"]["dispute_id"] == first["id"]
    other = open_case(api, "u1006", "T202611240026", "merchant_issue", "one-open-00003")
    assert other.status_code == 201


def test_cases_are_refused_for_payments_that_took_no_money(api):
    assert_error(
        open_case(api, "u1001", "T202611200001", "unauthorized", "no-money-00001"),
        409,
        "TRANSACTION_NOT_DISPUTABLE",
    )


@pytest.mark.parametrize(
    "body",
    [
        {"transaction_id": "T202611240026", "type": "chargeback"},
        {
            "transaction_id": "T202611240026",
            "type": "unauthorized",
            "freeze_payment_methods": "yes",
        },
        {"transaction_id": "T202611240026", "type": "unauthorized", "description": "x" * 501},
        {"type": "unauthorized"},
    ],
)
def test_bad_dispute_requests(api, body):
    response = api.post(
        "/v1/customers/u1006/disputes", json=body, headers={"Idempotency-Key": "bad-dispute-01"}
    )
    assert_error(response, 422, "VALIDATION_ERROR")


def test_list_and_get_disputes(api):
    case = open_case(api, "u1006", "T202611240026", "duplicate_charge", "list-disputes-1").json()
    page = api.get("/v1/customers/u1006/disputes").json()
    assert [d["id"] for d in page["items"]] == [case["id"]]
    assert api.get(f"/v1/customers/u1006/disputes/{case['id']}").json() == case
    assert_error(api.get(f"/v1/customers/u1005/disputes/{case['id']}"), 404, "DISPUTE_NOT_FOUND")
    assert api.get("/v1/customers/u1006/disputes?status=resolved").json()["total"] == 0


def test_freeze_endpoint_is_idempotent(api):
    first = api.post("/v1/customers/u1002/payment-methods/freeze", json={"reason": "lost phone"})
    assert first.status_code == 200, first.text
    assert first.json()["frozen_payment_method_ids"] == ["PM100201", "PM100202", "PM100203"]
    again = api.post("/v1/customers/u1002/payment-methods/freeze", json={}).json()
    assert again["frozen_payment_method_ids"] == []
    assert again["already_frozen_ids"] == ["PM100201", "PM100202", "PM100203"]
    assert all(m["frozen_at"] for m in again["items"])


def test_freeze_keeps_expired_cards_expired(api):
    api.post("/v1/customers/u1009/payment-methods/freeze", json={})
    assert method_statuses(api, "u1009") == {
        "PM100901": "frozen",
        "PM100902": "expired",
        "PM100903": "frozen",
    }


def test_wechat_binding_lifecycle(api):
    openid = "oEEPAY_test-openid_001"
    assert_error(api.get(f"/v1/wechat/bindings/{openid}"), 404, "WECHAT_BINDING_NOT_FOUND")
    created = api.put(f"/v1/wechat/bindings/{openid}", json={"customer_id": "u1001"})
    assert created.status_code == 201
    assert created.json()["customer_id"] == "u1001"
    assert (
        api.put(f"/v1/wechat/bindings/{openid}", json={"customer_id": "u1001"}).status_code == 200
    )
    assert api.get(f"/v1/wechat/bindings/{openid}").json()["customer_id"] == "u1001"
    assert_error(
        api.put(f"/v1/wechat/bindings/{openid}", json={"customer_id": "u1002"}),
        409,
        "OPENID_ALREADY_BOUND",
    )
    assert api.delete(f"/v1/wechat/bindings/{openid}").status_code == 204
    assert_error(api.delete(f"/v1/wechat/bindings/{openid}"), 404, "WECHAT_BINDING_NOT_FOUND")
    assert (
        api.put(f"/v1/wechat/bindings/{openid}", json={"customer_id": "u1002"}).status_code == 201
    )


def test_wechat_binding_bad_input(api):
    assert_error(
        api.put("/v1/wechat/bindings/oEEPAY_valid_01", json={"customer_id": "u9999"}),
        404,
        "CUSTOMER_NOT_FOUND",
    )
    assert_error(
        api.put("/v1/wechat/bindings/oEEPAY_valid_01", json={"customer_id": "1 OR 1=1"}),
        422,
        "VALIDATION_ERROR",
    )
    assert_error(api.get("/v1/wechat/bindings/abc"), 422, "VALIDATION_ERROR")
