"""Advice that must be right (issue 19, "Advice that is wrong or risky" 1-5, 7-9, 11).

Demo customers cover the common cases; the rarer ones (a network timeout, a daily limit hit, a
payment past its estimate, a risk-control lock) are built as backend answers and go through the
same diagnosis code.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff
from actions.clients.desk import HandoffTicket
from actions.clients.payment_backend import Customer, PaymentMethod, Transaction
from actions.login import ActionDiagnoseLogin
from actions.password import ActionOfferPasswordReset
from actions.payment_failed import SETTLEMENT_TIME, ActionDiagnosePaymentFailure, diagnose

from .conftest import (
    DOMAIN,
    asked_if_solved,
    followup,
    make_tracker,
    render,
    responses,
    run_action,
    said,
    slot_events,
)

NOW = datetime.now(timezone.utc)
CARD = {"id": "pm_x_02", "type": "debit_card", "bank": "建设银行", "last4": "7781"}


def zh(name: str) -> str:
    return DOMAIN["responses"][name][0]["text"]


def payment(status: str, code: str | None, **changes: Any) -> Transaction:
    values: dict[str, Any] = {
        "id": "T202612070001",
        "customer_id": "u_x",
        "type": "payment",
        "payee": "携程旅行",
        "merchant_id": "M_CTRIP",
        "merchant_category": "travel",
        "amount_fen": 150000,
        "currency": "CNY",
        "status": status,
        "failure_code": code,
        "payment_method": {**CARD, "status": "active"},
        "created_at": NOW - timedelta(minutes=10),
    }
    values.update(changes)
    return Transaction(**values)


def method(**changes: Any) -> PaymentMethod:
    values: dict[str, Any] = {
        **CARD,
        "status": "active",
        "single_limit_fen": 2_000_00,
        "daily_limit_fen": 10_000_00,
        "used_today_fen": 9_000_00,
        "remaining_today_fen": 1_000_00,
    }
    values.update(changes)
    return PaymentMethod(**values)


class FakeBackend:
    """The two reads the diagnoses make, answering what a test needs."""

    def __init__(self, methods: list[PaymentMethod] = (), customer: Customer | None = None):
        self.methods = list(methods)
        self.customer = customer

    async def list_payment_methods(self, customer_id: str) -> list[PaymentMethod]:
        return self.methods

    async def get_customer(self, customer_id: str) -> Customer:
        assert self.customer is not None
        return self.customer


async def diagnosed(transaction: Transaction, backend: FakeBackend | None = None):
    dispatcher = CollectingDispatcher()
    events = await diagnose(transaction, "u_x", backend or FakeBackend(), dispatcher, "zh-Hans")
    return dispatcher, events


# 1: a forgotten payment password gets the payment-password reset -------------------------------
@pytest.mark.parametrize("customer", ["u1001", None])
async def test_a_forgotten_payment_password_gets_its_own_reset(customer):
    tracker = make_tracker("6位数的支付密码忘了", "forgot_password", customer=customer)
    dispatcher, events = await run_action(ActionOfferPasswordReset(), tracker)
    text = said(dispatcher)
    assert responses(dispatcher) == ["utter_forgot_pay_password_steps"]
    assert "重置支付密码" in text and "6 位" in text
    assert "至少 8 位" not in text  # the login password's rule
    assert slot_events(events).get("flow_next") is None  # no login-password code is sent


async def test_the_button_under_a_wrong_payment_password_leads_to_the_payment_password_reset():
    wrong = zh("utter_diagnosis_wrong_pay_password")
    assert (
        "支付密码"
        in DOMAIN["responses"]["utter_diagnosis_wrong_pay_password"][0]["buttons"][0]["title"]
    )
    bot = {
        "event": "bot",
        "text": wrong,
        "metadata": {"utter_action": "utter_diagnosis_wrong_pay_password"},
    }
    tracker = make_tracker("/forgot_password", "forgot_password", events=[bot])
    dispatcher, _ = await run_action(ActionOfferPasswordReset(), tracker)
    assert responses(dispatcher) == ["utter_forgot_pay_password_steps"]


async def test_a_forgotten_login_password_still_gets_the_code():
    tracker = make_tracker("登录密码忘了", "forgot_password", customer="u1001")
    dispatcher, events = await run_action(ActionOfferPasswordReset(), tracker)
    assert responses(dispatcher) == ["utter_password_reset_intro"]
    assert slot_events(events)["flow_next"] == "password_reset_form"


# 2: a network timeout and an unknown code are not blamed on risk control ----------------------
async def test_a_network_timeout_is_not_risk_control():
    dispatcher, events = await diagnosed(payment("failed", "NETWORK_TIMEOUT"))
    text = said(dispatcher)
    assert "风控" in zh("utter_diagnosis_needs_agent")
    assert responses(dispatcher)[0] == "utter_diagnosis_network_timeout"
    assert "网络超时" in text and "风控拦截" not in text and "被系统的安全风控" not in text
    assert asked_if_solved(dispatcher, events)


async def test_an_unknown_failure_code_goes_to_a_person_without_blaming_risk_control():
    dispatcher, events = await diagnosed(payment("failed", "SOMETHING_NEW"))
    assert responses(dispatcher) == ["utter_diagnosis_unknown_failure"]
    assert "风控" not in said(dispatcher)
    assert followup(events) == "action_hand_off"
    assert slot_events(events)["handoff_reason"] == "unresolved_checklist"


# 3: a payment past its settlement estimate is not promised to settle "before" the past --------
async def test_a_pending_payment_past_its_estimate_is_not_promised_a_past_time():
    late = payment(
        "pending",
        "NETWORK_TIMEOUT",
        created_at=NOW - timedelta(hours=5),
        settles_by=NOW - timedelta(hours=3),
    )
    dispatcher, events = await diagnosed(late)
    text = said(dispatcher)
    assert responses(dispatcher) == ["utter_diagnosis_pending_overdue"]
    assert "超过了预计的处理时间" in text and "前会有结果" not in text
    assert "不要重复付款" in text
    assert followup(events) == "action_hand_off"


async def test_a_pending_payment_within_its_estimate_gets_the_time():
    dispatcher, _ = await diagnosed(payment("pending", None, settles_by=NOW + timedelta(hours=1)))
    assert responses(dispatcher)[0] == "utter_diagnosis_pending"


def test_the_anonymous_checklist_and_the_diagnosis_agree_on_processing_time():
    hours = int(SETTLEMENT_TIME.total_seconds() // 3600)
    assert f"一般 {hours} 小时内会有结果" in zh("utter_payment_failed_checklist")
    assert "几分钟" not in zh("utter_payment_failed_checklist")
    english = DOMAIN["responses"]["utter_payment_failed_checklist"][1]["text"]
    assert f"within {hours} hours" in english


# 4: a lock only a person can lift promises no self-unlock --------------------------------------
async def test_a_risk_control_lock_says_a_person_lifts_it(monkeypatch):
    locked = Customer(
        id="u1001",
        name="张伟",
        phone_masked="138****1001",
        email_masked=None,
        language="zh-Hans",
        status="locked",
        lock_reason="risk_control",
        locked_at=NOW - timedelta(hours=1),
        failed_login_count=0,
        login_attempts_remaining=0,
        can_self_unlock=False,
        balance_fen=0,
    )
    monkeypatch.setattr("actions.common.get_backend_client", lambda: FakeBackend(customer=locked))
    dispatcher, events = await run_action(
        ActionDiagnoseLogin(), make_tracker("登不上", "login_problem", customer="u1001")
    )
    text = said(dispatcher)
    assert responses(dispatcher) == ["utter_login_locked_needs_agent"]
    assert "人工客服" in text and "验证码" not in text and "输错" not in text
    assert followup(events) == "action_hand_off"


# 5: the limit actually hit, no "这张卡" for the balance, no splitting ---------------------------
async def test_the_daily_limit_is_named_when_the_daily_limit_was_hit():
    backend = FakeBackend([method()])
    dispatcher, events = await diagnosed(payment("failed", "LIMIT_EXCEEDED"), backend)
    text = said(dispatcher)
    assert responses(dispatcher)[0] == "utter_diagnosis_daily_limit_exceeded"
    assert "单日限额是¥10,000.00" in text and "¥9,000.00" in text
    assert "单笔限额" not in text
    assert "daily limit" in slot_events(events)["diagnosis"]


async def test_u1002_hears_the_single_limit_without_splitting_advice():
    dispatcher, _ = await run_action(
        ActionDiagnosePaymentFailure(), make_tracker("付不了款", customer="u1002")
    )
    text = said(dispatcher)
    assert "utter_diagnosis_limit_exceeded" in responses(dispatcher)
    assert "单笔限额是¥2,000.00" in text
    for name in ("utter_diagnosis_limit_exceeded", "utter_diagnosis_daily_limit_exceeded"):
        for variation in DOMAIN["responses"][name]:
            assert "这张卡" not in variation["text"] and "拆" not in variation["text"]
            assert "split" not in variation["text"]


# 7: a stolen account gets the account-takeover path ----------------------------------------
async def test_an_anonymous_stolen_account_is_not_sent_to_the_login_checklist():
    dispatcher, events = await run_action(
        ActionDiagnoseLogin(), make_tracker("账号被盗了登不上", "login_problem", customer=None)
    )
    text = said(dispatcher)
    assert responses(dispatcher) == ["utter_account_takeover_anonymous"]
    assert "冻结" in text and "注册手机号" in text and "400-888-6688" in text
    assert slot_events(events)["handoff_reason"] == "account_takeover"
    assert handoff.PRIORITY_BY_REASON["account_takeover"] == "urgent"


async def test_a_logged_in_stolen_account_is_offered_the_freeze():
    dispatcher, events = await run_action(
        ActionDiagnoseLogin(), make_tracker("账号被盗了", "login_problem", customer="u1001")
    )
    assert responses(dispatcher) == ["utter_account_takeover"]
    assert slot_events(events)["flow_next"] == "dispute_form"
    assert slot_events(events)["dispute_type"] == "unauthorized"


# 8: the freeze answers agree on unfreezing --------------------------------------------------
def test_freezing_and_the_frozen_account_agree_that_a_person_unfreezes():
    urgent, frozen = zh("utter_unauthorized_urgent"), zh("utter_account_frozen")
    assert "随时" not in urgent
    assert "人工客服核实身份" in urgent and "人工客服核实身份" in frozen
    english = DOMAIN["responses"]["utter_unauthorized_urgent"][1]["text"]
    assert "anytime" not in english


# 9: an anonymous customer who forgot the password is not told to log in first ---------------
async def test_an_anonymous_forgotten_password_is_not_told_to_log_in_first():
    dispatcher, _ = await run_action(
        ActionOfferPasswordReset(), make_tracker("密码忘了", "forgot_password", customer=None)
    )
    assert responses(dispatcher) == ["utter_forgot_password_steps"]
    assert "请先登录" not in said(dispatcher)


# 11: the queue position does not count the customer -----------------------------------------
class FakeDesk:
    def __init__(self, position: int) -> None:
        self.position = position

    async def hand_off(self, payload: dict) -> HandoffTicket:
        return HandoffTicket(
            id=7,
            position=self.position,
            estimated_wait_minutes=4,
            within_hours=True,
            next_open_at=None,
        )


@pytest.mark.parametrize(("position", "ahead"), [(1, 0), (3, 2)])
async def test_the_queue_answer_counts_the_people_ahead(monkeypatch, position, ahead):
    monkeypatch.setattr(handoff, "get_desk_client", lambda: FakeDesk(position))
    dispatcher, _ = await run_action(
        handoff.ActionHandOff(), make_tracker("转人工", "request_human", customer="u1001")
    )
    message = dispatcher.messages[0]
    if ahead == 0:
        assert message["response"] == "utter_handoff_next"
        assert "前面没有人" in render(message)
    else:
        assert message["response"] == "utter_handoff_queued"
        assert f"您前面还有{ahead}位" in render(message)
