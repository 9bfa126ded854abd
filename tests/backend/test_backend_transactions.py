"""Transaction lists with filters and pagination, and duplicate-charge detection."""

from __future__ import annotations

from datetime import timedelta

import pytest

pytestmark = pytest.mark.usefixtures("ctx")


def ids(page):
    return [item["id"] for item in page["items"]]


def test_list_is_newest_first_with_total(api):
    page = api.get("/v1/customers/u1005/transactions").json()
    assert page["total"] == 3
    assert ids(page) == ["T202611230005", "T202611150005", "T202610010005"]
    assert (page["limit"], page["offset"]) == (20, 0)


def test_pagination(api):
    first = api.get("/v1/customers/u1005/transactions?limit=2").json()
    rest = api.get("/v1/customers/u1005/transactions?limit=2&offset=2").json()
    assert first["total"] == rest["total"] == 3
    assert ids(first) + ids(rest) == ["T202611230005", "T202611150005", "T202610010005"]
    beyond = api.get("/v1/customers/u1005/transactions?offset=50").json()
    assert beyond["items"] == [] and beyond["total"] == 3


def test_status_filters(api):
    failed = api.get("/v1/customers/u1001/transactions?status=failed").json()
    assert ids(failed) == ["T202611200001"]
    both = api.get("/v1/customers/u1006/transactions?status=failed&status=pending").json()
    assert ids(both) == ["T202611240006"]
    assert api.get("/v1/customers/u1006/transactions?status=refunded").json()["total"] == 0


def test_type_filter(api):
    assert ids(api.get("/v1/customers/u1003/transactions?type=transfer").json()) == [
        "T202611220003"
    ]
    assert api.get("/v1/customers/u1003/transactions?type=payment").json()["total"] == 0


def test_time_filters(api, clock):
    since = (clock.now() - timedelta(days=3)).isoformat()
    page = api.get("/v1/customers/u1005/transactions", params={"since": since}).json()
    assert ids(page) == ["T202611230005"]
    until = (clock.now() - timedelta(days=30)).isoformat()
    page = api.get("/v1/customers/u1005/transactions", params={"until": until}).json()
    assert ids(page) == ["T202610010005"]
    naive = (clock.now() - timedelta(days=3)).replace(tzinfo=None).isoformat()
    page = api.get("/v1/customers/u1005/transactions", params={"since": naive}).json()
    assert ids(page) == ["T202611230005"]


def test_refundable_filter(api):
    page = api.get("/v1/customers/u1005/transactions?refundable=true").json()
    assert ids(page) == ["T202611230005"]
    assert page["total"] == 1
    assert api.get("/v1/customers/u1001/transactions?refundable=true").json()["total"] == 2


def test_refundable_filter_follows_refunds_in_progress(api):
    response = api.post(
        "/v1/customers/u1005/refunds",
        json={"transaction_id": "T202611230005", "reason": "不想要了"},
        headers={"Idempotency-Key": "refundable-filter-1"},
    )
    assert response.status_code == 201
    assert api.get("/v1/customers/u1005/transactions?refundable=true").json()["total"] == 0
    detail = api.get("/v1/customers/u1005/transactions/T202611230005").json()
    assert detail["refund_in_progress_fen"] == 8900


def test_duplicate_charges_detected(api):
    found = api.get("/v1/customers/u1006/duplicate-charges").json()
    assert found["window_minutes"] == 10
    assert len(found["items"]) == 1
    group = found["items"][0]
    assert group["transaction_ids"] == ["T202611240016", "T202611240026"]
    assert (group["payee"], group["amount_fen"], group["span_seconds"]) == ("滴滴出行", 5800, 120)
    around = api.get("/v1/customers/u1006/duplicate-charges?transaction_id=T202611240026").json()
    assert around["items"][0]["transaction_ids"] == ["T202611240016", "T202611240026"]
    pending = api.get("/v1/customers/u1006/duplicate-charges?transaction_id=T202611240006").json()
    assert pending["items"] == []


def test_no_duplicates_for_ordinary_customers(api):
    for customer_id in ("u1001", "u1002", "u1005"):
        assert api.get(f"/v1/customers/{customer_id}/duplicate-charges").json()["items"] == []


def test_usage_of_an_earlier_day_counts_as_zero(api, ctx):
    from backend.models import PaymentMethod

    with ctx.db.session(write=True) as session:
        method = session.get(PaymentMethod, "PM100202")
        method.used_today_fen = 150000
    credit = next(
        m
        for m in api.get("/v1/customers/u1002/payment-methods").json()["items"]
        if m["id"] == "PM100202"
    )
    assert (credit["used_today_fen"], credit["remaining_today_fen"]) == (150000, 850000)
    ctx.clock.advance(86400)
    credit = next(
        m
        for m in api.get("/v1/customers/u1002/payment-methods").json()["items"]
        if m["id"] == "PM100202"
    )
    assert credit["used_today_fen"] == 0
