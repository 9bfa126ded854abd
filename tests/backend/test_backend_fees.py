"""Fees (issue 19): quote_fee at the allowance's edges, and a customer's allowance over the API.

Figures from service_kit/policy.yml: withdrawals and transfers to a bank card are free up to
¥20,000.00 for the account's life, then 0.1 % of the part over it, at least ¥0.10; credit-card
repayments are free up to ¥2,000.00 a month, then 0.1 % without a minimum; transfers to another
eepay balance and top-ups are free.
"""

from __future__ import annotations

import pytest
from backend_testkit import TOKEN, assert_error
from fastapi.testclient import TestClient

from backend.core.access import Caller, allowed_callers
from backend.models import Customer
from backend.services.fees import FeeKind, quote_fee

YUAN = 100
ALLOWANCE = 20_000 * YUAN


@pytest.mark.parametrize("kind", ["withdrawal", "bank_transfer"])
def test_within_the_allowance_is_free(kind):
    quote = quote_fee(kind, 5_000 * YUAN, used_allowance_fen=10_000 * YUAN)
    assert (quote.fee_fen, quote.fee_free_fen) == (0, 5_000 * YUAN)
    assert quote.allowance_left_fen == 5_000 * YUAN
    # exactly up to the allowance is still free, and leaves nothing
    quote = quote_fee(kind, ALLOWANCE, used_allowance_fen=0)
    assert (quote.fee_fen, quote.allowance_left_fen) == (0, 0)


def test_crossing_the_allowance_pays_only_on_the_part_beyond_it():
    # ¥1,000.00 with ¥400.00 left: 0.1 % of ¥600.00 is ¥0.60
    quote = quote_fee("withdrawal", 1_000 * YUAN, used_allowance_fen=ALLOWANCE - 400 * YUAN)
    assert (quote.fee_fen, quote.fee_free_fen, quote.allowance_left_fen) == (60, 400 * YUAN, 0)
    # all beyond it: 0.1 % of ¥5,000.00 is ¥5.00; a used allowance above the total is none left
    assert quote_fee("bank_transfer", 5_000 * YUAN, ALLOWANCE).fee_fen == 500
    assert quote_fee("bank_transfer", 5_000 * YUAN, ALLOWANCE + 1).fee_fen == 500


def test_the_minimum_fee_and_rounding_to_the_fen():
    # one fen beyond the allowance still pays the minimum ¥0.10
    assert quote_fee("withdrawal", ALLOWANCE + 1, 0).fee_fen == 10
    # ¥99.00 beyond: 0.1 % is ¥0.099, under the minimum; ¥100.00 beyond: exactly ¥0.10
    assert quote_fee("withdrawal", 99 * YUAN, ALLOWANCE).fee_fen == 10
    assert quote_fee("withdrawal", 100 * YUAN, ALLOWANCE).fee_fen == 10
    # ¥123.45 beyond: ¥0.12345 rounds to ¥0.12; ¥1,234.50 beyond: ¥1.2345 to ¥1.23 (half up)
    assert quote_fee("withdrawal", 12_345, ALLOWANCE).fee_fen == 12
    assert quote_fee("withdrawal", 123_450, ALLOWANCE).fee_fen == 123
    assert quote_fee("withdrawal", 125 * YUAN + 50, ALLOWANCE).fee_fen == 13  # ¥0.1255


def test_credit_card_repayment_has_a_monthly_allowance_and_no_minimum():
    month = 2_000 * YUAN
    assert quote_fee("credit_card_repayment", month, 0).fee_fen == 0
    # ¥3,000.00 with the month's ¥2,000.00 unused: 0.1 % of ¥1,000.00
    assert quote_fee("credit_card_repayment", 3_000 * YUAN, 0).fee_fen == 100
    # ¥4.00 beyond it: 0.1 % is ¥0.004, rounded to nothing, and there is no minimum
    assert quote_fee("credit_card_repayment", 4 * YUAN, month).fee_fen == 0


@pytest.mark.parametrize("kind", ["balance_transfer", "top_up"])
def test_balance_transfers_and_top_ups_are_free(kind):
    quote = quote_fee(kind, 1_000_000 * YUAN, used_allowance_fen=ALLOWANCE)
    assert (quote.fee_fen, quote.allowance_left_fen) == (0, None)


def test_every_kind_has_a_fee_and_nonsense_is_refused():
    for kind in FeeKind:
        assert quote_fee(kind.value, 100 * YUAN).fee_fen >= 0
    with pytest.raises(ValueError):
        quote_fee("cash_out_to_mars", 100)
    with pytest.raises(ValueError):
        quote_fee("withdrawal", 0)
    with pytest.raises(ValueError):
        quote_fee("withdrawal", 100, used_allowance_fen=-1)


def test_a_customers_allowance_is_what_is_left_of_it(api, ctx):
    # backend/demo_data.py: u1001 has used ¥12,500.00 of it, u1002 nothing
    body = api.get("/v1/customers/u1001/fee-allowance").json()
    assert body == {
        "customer_id": "u1001",
        "free_allowance_fen": ALLOWANCE,
        "used_fen": 12_500 * YUAN,
        "remaining_fen": 7_500 * YUAN,
        "rate_bp": 10,
        "min_fee_fen": 10,
        "kinds": ["withdrawal", "bank_transfer"],
    }
    assert api.get("/v1/customers/u1002/fee-allowance").json()["remaining_fen"] == ALLOWANCE
    # used beyond the allowance: none left, never a negative amount
    with ctx.db.session(write=True) as session:
        session.get(Customer, "u1002").free_withdrawal_used_fen = ALLOWANCE + 5
    assert api.get("/v1/customers/u1002/fee-allowance").json()["remaining_fen"] == 0
    assert_error(api.get("/v1/customers/u9999/fee-allowance"), 404, "CUSTOMER_NOT_FOUND")


def test_the_allowance_is_the_action_servers_to_read_and_the_desks_not(app):
    path = "/v1/customers/u1001/fee-allowance"
    assert allowed_callers("GET", path) == {Caller.ACTIONS, Caller.ADMIN}
    client = TestClient(app, raise_server_exceptions=False)
    assert client.get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert client.get(path).status_code == 401


def test_a_customers_quote_draws_on_what_is_left_of_their_allowance(api):
    # u1001 has ¥7,500.00 left: ¥50,000.00 pays 0.1 % of ¥42,500.00 = ¥42.50
    body = api.get(
        "/v1/customers/u1001/fee-quote", params={"kind": "withdrawal", "amount_fen": 50_000 * YUAN}
    ).json()
    assert body == {
        "customer_id": "u1001",
        "kind": "withdrawal",
        "amount_fen": 50_000 * YUAN,
        "fee_fen": 4_250,
        "fee_free_fen": 7_500 * YUAN,
        "allowance_left_fen": 0,
    }
    # u1002 has all of it: the same amount pays on ¥30,000.00
    quote = api.get(
        "/v1/customers/u1002/fee-quote",
        params={"kind": "bank_transfer", "amount_fen": 50_000 * YUAN},
    ).json()
    assert quote["fee_fen"] == 3_000
    free = api.get(
        "/v1/customers/u1001/fee-quote", params={"kind": "balance_transfer", "amount_fen": 100}
    ).json()
    assert (free["fee_fen"], free["allowance_left_fen"]) == (0, None)


def test_a_repayment_is_not_quoted_as_if_nothing_of_its_month_was_used(api):
    # the sandbox keeps no record of this month's repayments
    response = api.get(
        "/v1/customers/u1001/fee-quote",
        params={"kind": "credit_card_repayment", "amount_fen": 100 * YUAN},
    )
    assert_error(response, 422, "VALIDATION_ERROR")
    bad = api.get("/v1/customers/u1001/fee-quote", params={"kind": "withdrawal", "amount_fen": 0})
    assert bad.status_code == 422
    path = "/v1/customers/u1001/fee-quote"
    assert allowed_callers("GET", path) == {Caller.ACTIONS, Caller.ADMIN}
