"""Payments named the way customers name them, end to end: REST → Rasa → action server →
payment backend (issue 18, points 1 and 2; issue 19, advice 6).

Each conversation is a demo customer's, with their signed token on every turn. The checks are
what the customer must get from their own data — the payment they meant, named back, or the
policy reason it cannot be refunded — and, at the backend, that nothing was filed for a payment
they did not name or confirm.
"""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.test_flows import Customer, buttons, fresh_demo_data  # noqa: F401 (a fixture)
from tests.support import stack as services

pytestmark = pytest.mark.e2e


def filed(stack, customer_id: str, what: str) -> list[dict]:
    """The refunds or disputes the backend holds for the customer."""
    response = httpx.get(
        f"{stack.backend.url}/v1/customers/{customer_id}/{what}",
        headers={"Authorization": f"Bearer {services.BACKEND_TOKEN}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["items"]


def reads(replies: list[dict]) -> str:
    """What the customer reads: the texts and the titles of the buttons."""
    return "\n".join([r.get("text", "") for r in replies] + [b["title"] for b in buttons(replies)])


def test_u1005_refund_then_takeout_by_description(stack):
    u1005 = Customer(stack, "u1005")
    u1005.say("我要退款")
    text = u1005.says("外卖那笔")
    assert "美团外卖" in text and "¥89.00" in text
    assert "哪方面" not in text and "帮不上" not in text
    assert "¥89.00" in u1005.says("点错了 不想要了")
    assert "退款申请已提交" in u1005.says("确认")
    assert [r["transaction_id"] for r in filed(stack, "u1005", "refunds")].count(
        "T202611230005"
    ) == 1


def test_u1005_game_top_up_by_description_is_virtual_goods(stack):
    text = Customer(stack, "u1005").says("点卡那笔268的能不能退")
    assert "腾讯游戏" in text and "¥268.00" in text and "虚拟商品" in text
    assert "没有可以申请退款的交易" not in text


def test_u1002_jd_computer_on_credit_card_gets_the_limit_diagnosis(stack):
    text = Customer(stack, "u1002").says("在京东买电脑3299 信用卡付不了")
    assert "¥3,299.00" in text and "¥2,000.00" in text  # the card's single-payment limit


def test_u1006_pending_hotel_payment_is_its_status_and_no_dispute(stack):
    text = Customer(stack, "u1006").says("订酒店的钱扣了没有 一直在处理中")
    assert "携程" in text and "¥1,200.00" in text and "处理中" in text
    assert "滴滴" not in text and "重复扣款" not in text
    assert filed(stack, "u1006", "disputes") == []


def test_second_on_the_list_and_a_correction(stack):
    u1001 = Customer(stack, "u1001")
    replies = u1001.say("我想退款")
    payloads = " ".join(b["payload"] for b in buttons(replies))
    assert "T202611170101" in payloads and "T202611140102" in payloads
    text = u1001.says("第二个")
    assert "京东" in text and "¥128.00" in text and "哪方面" not in text

    u1001 = Customer(stack, "u1001")
    assert "瑞幸咖啡" in u1001.says("瑞幸那笔想退")
    corrected = u1001.says("不是这笔，是京东那笔")
    assert "京东" in corrected and "¥128.00" in corrected
    assert "¥128.00" in u1001.says("不想要了")
    assert "退款申请已提交" in u1001.says("嗯")
    assert [r["transaction_id"] for r in filed(stack, "u1001", "refunds")] == ["T202611140102"]


def test_cancel_and_a_described_dispute_confirmed_first(stack):
    u1006 = Customer(stack, "u1006")
    offered = reads(u1006.say("打车那笔退了吧"))
    assert offered.count("滴滴出行 ¥58.00") == 2  # two rides of the same amount: both offered
    assert "退款申请已提交" not in u1006.says("算了")
    assert filed(stack, "u1006", "refunds") == []

    u1001 = Customer(stack, "u1001")
    assert "冻结" in u1001.says("账单里有笔京东的128不是我买的")
    asked = u1001.says("不冻结")
    assert "京东" in asked and "¥128.00" in asked
    assert filed(stack, "u1001", "disputes") == []  # not before the customer's yes
    u1001.say("对 就是这笔")
    cases = filed(stack, "u1001", "disputes")
    assert [(c["transaction_id"], c["type"]) for c in cases] == [("T202611140102", "unauthorized")]


def test_a_number_answers_the_payment_failure_list(stack):
    u1006 = Customer(stack, "u1006")
    replies = u1006.say("打车付款失败了")
    assert len(buttons(replies)) == 2
    text = u1006.says("2")
    assert "滴滴出行" in text and "¥58.00" in text


def test_english_payment_named_is_used_and_named_back(stack):
    text = Customer(stack, "u1005").says("i want a refund for my meituan order")
    assert "¥89.00" in text and "美团外卖" in text and "reason" in text.lower()
