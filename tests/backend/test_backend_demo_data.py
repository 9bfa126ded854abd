"""The demo customers exactly as the backend issue specifies them (the bot's tests rely on it)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

pytestmark = pytest.mark.usefixtures("ctx")


def customer(api, customer_id):
    response = api.get(f"/v1/customers/{customer_id}")
    assert response.status_code == 200, response.text
    return response.json()


def methods(api, customer_id):
    return api.get(f"/v1/customers/{customer_id}/payment-methods").json()["items"]


def transaction(api, customer_id, transaction_id):
    response = api.get(f"/v1/customers/{customer_id}/transactions/{transaction_id}")
    assert response.status_code == 200, response.text
    return response.json()


def ago(clock, iso: str) -> timedelta:
    return clock.now() - datetime.fromisoformat(iso)


def test_u1001_insufficient_balance(api, clock):
    profile = customer(api, "u1001")
    assert profile["name"] == "张伟"
    assert profile["phone_masked"] == "138****1001"
    assert profile["balance_fen"] == 3520
    assert profile["status"] == "active"
    cards = [m for m in methods(api, "u1001") if m["type"] == "debit_card"]
    assert [(c["bank"], c["last4"]) for c in cards] == [("招商银行", "6621")]
    failed = transaction(api, "u1001", "T202611200001")
    assert failed["amount_fen"] == 19900
    assert failed["payee"] == "星巴克"
    assert failed["payment_method"]["type"] == "balance"
    assert failed["status"] == "failed"
    assert failed["failure_code"] == "INSUFFICIENT_BALANCE"
    assert timedelta(0) < ago(clock, failed["created_at"]) < timedelta(hours=1)


def test_u1002_limit_exceeded(api):
    assert customer(api, "u1002")["name"] == "李娜"
    credit = next(m for m in methods(api, "u1002") if m["type"] == "credit_card")
    assert (credit["bank"], credit["last4"]) == ("中信银行", "8848")
    assert credit["single_limit_fen"] == 200000
    assert credit["used_today_fen"] == 0
    assert credit["remaining_today_fen"] == credit["daily_limit_fen"]
    failed = transaction(api, "u1002", "T202611210002")
    assert (failed["amount_fen"], failed["payee"], failed["failure_code"]) == (
        329900,
        "京东",
        "LIMIT_EXCEEDED",
    )
    assert failed["payment_method"]["id"] == credit["id"]
    others = [m for m in methods(api, "u1002") if m["id"] != credit["id"]]
    assert any(m["single_limit_fen"] >= 329900 and m["status"] == "active" for m in others)


def test_u1003_invalid_payee(api):
    assert customer(api, "u1003")["name"] == "王芳"
    failed = transaction(api, "u1003", "T202611220003")
    assert failed["type"] == "transfer"
    assert failed["amount_fen"] == 50000
    assert failed["failure_code"] == "INVALID_PAYEE"


def test_u1004_locked_after_five_wrong_passwords(api):
    profile = customer(api, "u1004")
    assert profile["name"] == "刘洋"
    assert profile["status"] == "locked"
    assert profile["lock_reason"] == "too_many_failed_logins"
    assert profile["failed_login_count"] == 5
    assert profile["can_self_unlock"] is True
    assert profile["login_attempts_remaining"] == 0


def test_u1005_refunds(api, clock):
    profile = customer(api, "u1005")
    assert profile["name"] == "陈静"
    assert profile["email_masked"] == "c***g@example.com"
    assert profile["phone_masked"] == "138****1005"
    meal = transaction(api, "u1005", "T202611230005")
    assert (meal["amount_fen"], meal["payee"], meal["status"]) == (8900, "美团外卖", "success")
    assert timedelta(days=2) - timedelta(minutes=1) < ago(clock, meal["created_at"])
    assert ago(clock, meal["created_at"]) < timedelta(days=2, minutes=1)
    game = transaction(api, "u1005", "T202610010005")
    assert game["amount_fen"] == 26800
    assert game["merchant_category"] == "virtual_goods"
    assert abs(ago(clock, game["created_at"]) - timedelta(days=56)) < timedelta(minutes=1)
    refund = api.get("/v1/customers/u1005/refunds/R202611180005").json()
    assert refund["transaction_id"] == "T202611150005"
    assert refund["amount_fen"] == 4550
    assert refund["status"] == "under_review"
    assert refund["overdue"] is False


def test_u1006_pending_and_duplicates(api, clock):
    assert customer(api, "u1006")["name"] == "赵磊"
    pending = transaction(api, "u1006", "T202611240006")
    assert pending["amount_fen"] == 120000
    assert pending["status"] == "pending"
    assert pending["failure_code"] == "NETWORK_TIMEOUT"
    assert datetime.fromisoformat(pending["settles_by"]) > clock.now()
    first = transaction(api, "u1006", "T202611240016")
    second = transaction(api, "u1006", "T202611240026")
    for charge in (first, second):
        assert (charge["amount_fen"], charge["payee"], charge["status"]) == (
            5800,
            "滴滴出行",
            "success",
        )
    gap = datetime.fromisoformat(second["created_at"]) - datetime.fromisoformat(first["created_at"])
    assert gap == timedelta(minutes=2)


def test_extra_customers_for_handoff_cases(api):
    overdue = api.get("/v1/customers/u1007/refunds").json()["items"]
    assert [r["overdue"] for r in overdue] == [True]
    frozen = customer(api, "u1008")
    assert frozen["status"] == "frozen"
    assert frozen["can_self_unlock"] is False
    assert {m["status"] for m in methods(api, "u1008")} == {"frozen"}
    expired = [m for m in methods(api, "u1009") if m["status"] == "expired"]
    assert len(expired) == 1
    assert transaction(api, "u1009", "T202611250009")["failure_code"] == "METHOD_UNAVAILABLE"


def test_times_are_timezone_aware_utc(api):
    body = api.get("/v1/customers/u1001/transactions").json()
    for item in body["items"]:
        assert item["created_at"].endswith("+00:00")


def test_balance_method_shows_the_wallet_balance(api):
    balance = next(m for m in methods(api, "u1001") if m["type"] == "balance")
    assert balance["available_fen"] == 3520
