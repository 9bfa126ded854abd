"""The transaction resolver: a customer's words to their own payments (no backend needed).

The payments below mirror the demo customers of backend/demo_data.py, with times relative to
now, so each case reads like the conversation it comes from.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from actions.clients.payment_backend import Transaction
from actions.resolver import fen_of, is_transaction_id, read_clues, resolve
from service_kit.dates import EEPAY_TZ

NOW = datetime.now(EEPAY_TZ)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def payment(
    transaction_id: str,
    ago: timedelta,
    payee: str,
    category: str,
    amount_fen: int,
    status: str = "success",
    method: str = "debit_card",
) -> Transaction:
    return Transaction(
        id=transaction_id,
        customer_id="u0",
        type="transfer" if category == "p2p_transfer" else "payment",
        payee=payee,
        merchant_id=None,
        merchant_category=category,
        amount_fen=amount_fen,
        currency="CNY",
        status=status,
        failure_code=None,
        payment_method={"id": "PM", "type": method, "bank": None, "last4": None, "status": "ok"},
        created_at=NOW - ago,
    )


U1001 = [
    payment("T202611200001", HOUR / 4, "星巴克", "catering", 19900, "failed"),
    payment("T202611170101", 3 * DAY, "瑞幸咖啡", "catering", 1590),
    payment("T202611140102", 6 * DAY, "京东", "ecommerce", 12800),
]
U1002 = [
    payment("T202611210002", HOUR, "京东", "ecommerce", 329900, "failed", "credit_card"),
    payment("T202611160201", 5 * DAY, "星巴克", "catering", 3800, method="credit_card"),
]
U1005 = [
    payment("T202611230005", 2 * DAY, "美团外卖", "food_delivery", 8900),
    payment("T202610010005", 56 * DAY, "腾讯游戏", "virtual_goods", 26800),
    payment("T202611150005", 11 * DAY, "盒马鲜生", "grocery", 4550),
]
U1006 = [
    payment("T202611240006", HOUR / 2, "携程旅行", "travel", 120000, "pending"),
    payment("T202611240016", 3 * HOUR, "滴滴出行", "ride_hailing", 5800),
    payment("T202611240026", 3 * HOUR - timedelta(minutes=2), "滴滴出行", "ride_hailing", 5800),
]


def ids(payments: list[Transaction], text: str, entities: list[dict] | None = None) -> list[str]:
    resolution = resolve(payments, read_clues(text, entities or []), now=NOW)
    return [t.id for t in resolution.matches]


@pytest.mark.parametrize(
    ("payments", "text", "expected"),
    [
        (U1005, "外卖那笔", ["T202611230005"]),  # an everyday alias of 美团外卖
        (U1005, "点卡那笔268的能不能退", ["T202610010005"]),  # alias + bare amount
        (U1005, "盒马那笔45块5的能退吗", ["T202611150005"]),  # colloquial 45.50
        (U1005, "can i get a refund for the 268 game top up", ["T202610010005"]),
        (U1005, "盒馬那筆退款", ["T202611150005"]),  # Traditional script
        (U1002, "在京东买电脑3299 信用卡付不了", ["T202611210002"]),
        (U1006, "订酒店的钱扣了没有 一直在处理中", ["T202611240006"]),  # not the rides
        (U1006, "我付了1200块 一直显示处理中", ["T202611240006"]),  # amount alone
        (U1001, "京东那笔128不是我买的", ["T202611140102"]),
        (U1001, "星巴克那笔199退给我", ["T202611200001"]),  # found though it failed
        (U1002, "那星巴克那笔38的能退吗", ["T202611160201"]),
    ],
)
def test_a_description_names_one_payment(payments, text, expected):
    assert ids(payments, text) == expected


def test_two_rides_of_the_same_amount_are_both_offered_newest_first():
    assert ids(U1006, "打车那笔退了吧") == ["T202611240026", "T202611240016"]
    assert ids(U1006, "打车的钱能退吗 58那个") == ["T202611240026", "T202611240016"]


def test_a_clue_that_contradicts_rules_a_payment_out():
    assert ids(U1005, "京东那笔") == []  # u1005 has no 京东 payment: none, not a guess
    assert ids(U1001, "京东那笔15.9的") == []  # 京东 was ¥128, ¥15.90 was 瑞幸


def test_status_and_method_only_rank_they_do_not_rule_out():
    # a payment still processing "failed" for the customer; 信用卡 is a soft hint
    assert ids(U1006, "携程付款失败") == ["T202611240006"]
    assert ids(U1002, "星巴克信用卡付款失败")[0] == "T202611160201"


def test_a_message_without_a_clue_names_no_payment():
    for text in ("我要退款", "付款失败了", "第二个", "2", "3天了还没到"):
        resolution = resolve(U1001, read_clues(text), now=NOW)
        assert not resolution.named and not resolution.matches, text


def test_a_bare_number_no_payment_has_is_not_an_amount():
    # "2" answering a list, or a count, never rules the customer's payments out
    clues = read_clues("等了2个小时")
    assert not clues.loose_amounts_fen
    assert not resolve(U1001, read_clues("选2"), now=NOW).named


def test_ids_dates_and_periods():
    assert ids(U1006, "T202611240016 这笔") == ["T202611240016"]
    assert ids(U1006, "t202611240016") == ["T202611240016"]
    entities = [{"entity": "transaction_id", "value": "T202611240026"}]
    assert ids(U1006, "这笔", entities) == ["T202611240026"]
    today = NOW.date()
    clues = read_clues("上个月那笔游戏充值", today=today)
    assert clues.periods and ids(U1005, "上个月那笔游戏充值") == ["T202610010005"]
    assert read_clues("昨天打车", today=date(2026, 11, 24)).days == (date(2026, 11, 23),)


def test_prefer_breaks_ties_only():
    clues = read_clues("打车那笔")
    newest_first = resolve(U1006, clues, now=NOW).matches
    preferred = resolve(U1006, clues, prefer=lambda t: t.id == "T202611240016", now=NOW)
    assert newest_first[0].id == "T202611240026"
    assert preferred.matches[0].id == "T202611240016"
    # a preference never brings in a payment the words rule out
    everything = resolve(U1006, clues, prefer=lambda t: True, now=NOW).matches
    assert {t.id for t in everything} == {"T202611240016", "T202611240026"}


def test_transaction_id_shape_and_entity_amounts():
    assert is_transaction_id("T202611240016") and is_transaction_id(" t202611240016 ")
    assert not is_transaction_id("T2026112400") and not is_transaction_id("外卖那笔")
    assert fen_of("45.5") == 4550 and fen_of("abc") is None


def test_the_payments_that_fit_the_most_of_the_words_win():
    # 瑞幸 sells coffee too, but only 星巴克 fits both 星巴克 and 咖啡
    assert ids(U1001, "刚在星巴克买咖啡 付不了钱 咋回事啊") == ["T202611200001"]
    assert ids(U1001, "买咖啡的那笔") == ["T202611200001", "T202611170101"]
