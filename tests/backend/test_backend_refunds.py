"""Refund eligibility, idempotent submission, review lifecycle, arrival and overdue rules."""

from __future__ import annotations

from datetime import datetime

import pytest
from backend_testkit import assert_error

from backend.services.policy import add_working_days

pytestmark = pytest.mark.usefixtures("ctx")


def eligibility(api, customer_id, transaction_id, **params):
    response = api.get(
        f"/v1/customers/{customer_id}/transactions/{transaction_id}/refund-eligibility",
        params=params,
    )
    assert response.status_code == 200, response.text
    return response.json()


def submit(api, customer_id, transaction_id, key, amount=None, reason="不想要了"):
    body = {"transaction_id": transaction_id, "reason": reason}
    if amount is not None:
        body["amount_fen"] = amount
    return api.post(
        f"/v1/customers/{customer_id}/refunds", json=body, headers={"Idempotency-Key": key}
    )


def advance(api, refund_id, **body):
    return api.post(f"/v1/admin/refunds/{refund_id}/advance", json=body)


def when(value):
    return datetime.fromisoformat(value)


@pytest.mark.parametrize(
    "customer_id, transaction_id, code",
    [
        ("u1005", "T202610010005", "NON_REFUNDABLE_CATEGORY"),
        ("u1005", "T202611150005", "REFUND_IN_PROGRESS"),
        ("u1001", "T202611200001", "TRANSACTION_FAILED"),
        ("u1006", "T202611240006", "TRANSACTION_PENDING"),
        ("u1003", "T202611220003", "TRANSACTION_FAILED"),
        ("u1007", "T202611030007", "REFUND_IN_PROGRESS"),
    ],
)
def test_not_eligible_with_the_policy_reason(api, customer_id, transaction_id, code):
    result = eligibility(api, customer_id, transaction_id)
    assert result["eligible"] is False
    assert result["reason_code"] == code
    assert result["reason"]
    assert result["refundable_fen"] == 0
    assert result["expected_arrival_latest"] is None


def test_u1005_meal_is_refundable_to_the_balance_at_once(api, clock):
    result = eligibility(api, "u1005", "T202611230005")
    assert result["eligible"] is True
    assert result["reason_code"] is None
    assert result["refundable_fen"] == 8900
    assert result["payment_method"]["type"] == "balance"
    due = when(result["review_due_at"])
    assert due == add_working_days(clock.now(), 3)
    assert (
        when(result["expected_arrival_earliest"]) == when(result["expected_arrival_latest"]) == due
    )


def test_debit_card_refund_arrives_in_one_to_three_working_days(api, clock):
    result = eligibility(api, "u1001", "T202611140102")
    assert result["eligible"] is True
    assert result["payment_method"]["type"] == "debit_card"
    due = when(result["review_due_at"])
    assert when(result["expected_arrival_earliest"]) == add_working_days(due, 1)
    assert when(result["expected_arrival_latest"]) == add_working_days(due, 3)


def test_credit_card_refund_arrives_in_three_to_seven_working_days(api):
    response = submit(api, "u1002", "T202611160201", "credit-arrival-01")
    assert response.status_code == 201, response.text
    refund = response.json()
    assert refund["payment_method"]["type"] == "credit_card"
    due = when(refund["review_due_at"])
    assert when(refund["expected_arrival_earliest"]) == add_working_days(due, 3)
    assert when(refund["expected_arrival_latest"]) == add_working_days(due, 7)


def test_window_expires_with_time(api, clock):
    clock.advance(8 * 86400)
    result = eligibility(api, "u1005", "T202611230005")
    assert (result["eligible"], result["reason_code"]) == (False, "REFUND_WINDOW_EXPIRED")
    assert_error(
        submit(api, "u1005", "T202611230005", "late-refund-01"), 409, "REFUND_WINDOW_EXPIRED"
    )


def test_requested_amount_is_checked_against_the_remainder(api):
    assert eligibility(api, "u1005", "T202611230005", amount_fen=8900)["eligible"] is True
    result = eligibility(api, "u1005", "T202611230005", amount_fen=8901)
    assert (result["eligible"], result["reason_code"], result["refundable_fen"]) == (
        False,
        "AMOUNT_EXCEEDS_REMAINDER",
        8900,
    )
    response = api.get(
        "/v1/customers/u1005/transactions/T202611230005/refund-eligibility?amount_fen=-5"
    )
    assert_error(response, 422, "VALIDATION_ERROR")


def test_full_lifecycle_of_a_partial_refund_then_the_rest(api, ctx):
    response = submit(api, "u1005", "T202611230005", "partial-refund-01", amount=3000)
    assert response.status_code == 201, response.text
    refund = response.json()
    assert refund["id"].startswith("R") and len(refund["id"]) == 17
    assert (refund["status"], refund["amount_fen"], refund["overdue"]) == ("submitted", 3000, False)
    assert refund["payee"] == "美团外卖"
    assert refund["reason"] == "不想要了"

    steps = [advance(api, refund["id"]).json()["status"] for _ in range(3)]
    assert steps == ["under_review", "approved", "refunded"]
    done = api.get(f"/v1/customers/u1005/refunds/{refund['id']}").json()
    assert done["refunded_at"] and done["reviewed_at"]
    assert when(done["expected_arrival_latest"]) == when(done["refunded_at"])

    meal = api.get("/v1/customers/u1005/transactions/T202611230005").json()
    assert (meal["status"], meal["refunded_fen"]) == ("partially_refunded", 3000)
    assert api.get("/v1/customers/u1005").json()["balance_fen"] == 52000 + 3000

    assert_error(
        submit(api, "u1005", "T202611230005", "partial-refund-02", amount=6000),
        409,
        "AMOUNT_EXCEEDS_REMAINDER",
    )
    rest = submit(api, "u1005", "T202611230005", "partial-refund-03").json()
    assert rest["amount_fen"] == 5900
    advance(api, rest["id"], to="under_review")
    advance(api, rest["id"], to="approved")
    assert advance(api, rest["id"], to="refunded").json()["status"] == "refunded"
    meal = api.get("/v1/customers/u1005/transactions/T202611230005").json()
    assert (meal["status"], meal["refunded_fen"]) == ("refunded", 8900)
    result = eligibility(api, "u1005", "T202611230005")
    assert (result["eligible"], result["reason_code"]) == (False, "FULLY_REFUNDED")
    assert_error(advance(api, rest["id"]), 409, "INVALID_TRANSITION")


def test_card_refund_does_not_touch_the_wallet(api):
    refund = submit(api, "u1001", "T202611140102", "card-refund-01").json()
    for _ in range(3):
        advance(api, refund["id"])
    assert api.get("/v1/customers/u1001").json()["balance_fen"] == 3520


def test_rejection_needs_a_reason_and_releases_the_amount(api):
    refund = submit(api, "u1005", "T202611230005", "reject-me-0001").json()
    assert eligibility(api, "u1005", "T202611230005")["reason_code"] == "REFUND_IN_PROGRESS"
    assert_error(advance(api, refund["id"], to="rejected"), 422, "REJECTION_REASON_REQUIRED")
    rejected = advance(api, refund["id"], to="rejected", reason="商家已发货，请先退货").json()
    assert rejected["status"] == "rejected"
    assert rejected["rejection_reason"] == "商家已发货，请先退货"
    assert rejected["expected_arrival_latest"] is None
    assert eligibility(api, "u1005", "T202611230005")["eligible"] is True


@pytest.mark.parametrize(
    "path, body, code",
    [
        ("R202611180005", {"to": "refunded"}, "INVALID_TRANSITION"),
        ("R202611180005", {"to": "submitted"}, "INVALID_TRANSITION"),
        ("R209901010001", {}, "REFUND_NOT_FOUND"),
    ],
)
def test_invalid_review_steps(api, path, body, code):
    status = 404 if code == "REFUND_NOT_FOUND" else 409
    assert_error(advance(api, path, **body), status, code)


def test_same_key_replays_the_first_refund(api):
    first = submit(api, "u1005", "T202611230005", "same-key-000001")
    again = submit(api, "u1005", "T202611230005", "same-key-000001")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert api.get("/v1/customers/u1005/refunds?transaction_id=T202611230005").json()["total"] == 1


def test_same_key_with_a_different_request_is_refused(api):
    submit(api, "u1005", "T202611230005", "reused-key-0001", amount=1000)
    error = assert_error(
        submit(api, "u1005", "T202611230005", "reused-key-0001", amount=2000),
        409,
        "IDEMPOTENCY_KEY_REUSED",
    )
    assert error["details"]["refund_id"].startswith("R")


def test_keys_are_scoped_per_customer(api):
    mine = submit(api, "u1005", "T202611230005", "shared-key-00001").json()
    theirs = submit(api, "u1001", "T202611140102", "shared-key-00001").json()
    assert mine["id"] != theirs["id"]


def test_someone_elses_transaction_cannot_be_refunded(api):
    assert_error(
        submit(api, "u1001", "T202611230005", "not-mine-00001"), 404, "TRANSACTION_NOT_FOUND"
    )


def test_overdue_refunds(api, clock):
    stuck = api.get("/v1/customers/u1007/refunds/R202611050007").json()
    assert (stuck["status"], stuck["overdue"]) == ("approved", True)
    assert when(stuck["expected_arrival_latest"]) < clock.now()
    in_review = api.get("/v1/customers/u1005/refunds/R202611180005").json()
    assert in_review["overdue"] is False
    clock.advance(10 * 86400)
    assert api.get("/v1/customers/u1005/refunds/R202611180005").json()["overdue"] is True


def test_list_refunds_with_filters(api):
    submit(api, "u1005", "T202611230005", "list-refunds-01")
    page = api.get("/v1/customers/u1005/refunds").json()
    assert page["total"] == 2
    assert page["items"][0]["transaction_id"] == "T202611230005"
    only = api.get("/v1/customers/u1005/refunds?status=under_review").json()
    assert [r["id"] for r in only["items"]] == ["R202611180005"]
    assert_error(api.get("/v1/customers/u1005/refunds?status=lost"), 422, "VALIDATION_ERROR")
