"""Advice that must be right, over REST (issue 19, "Advice that is wrong or risky").

The rarer backend situations (network timeout, daily limit, a payment past its estimate, a
risk-control lock, the queue position) are covered against built backend answers in
tests/actions/test_advice.py; these are the ones a demo customer or a stranger can type.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_flows import Customer
from tests.support import stack as services

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def fresh_demo_data(stack):
    services.reset_demo_data(stack.backend)


def test_a_forgotten_payment_password_gets_the_payment_password_reset(stack):
    text = Customer(stack, "u1001").says("6位数的支付密码忘了 付不了款")
    assert "重置支付密码" in text and "至少 8 位" not in text


def test_an_anonymous_forgotten_password_is_not_told_to_log_in_first(stack):
    text = Customer(stack, None).says("密码忘了怎么办")
    assert "忘记密码" in text and "请先登录" not in text


def test_a_limit_is_named_without_advice_to_split_the_payment(stack):
    text = Customer(stack, "u1002").says("刚才京东付款一直失败")
    assert "单笔限额是¥2,000.00" in text
    assert "拆" not in text and "这张卡" not in text


def test_the_anonymous_checklist_gives_the_same_processing_time_as_the_diagnosis(stack):
    anonymous = Customer(stack, None).says("付款一直显示处理中怎么办")
    assert "2 小时" in anonymous and "几分钟" not in anonymous
