"""action_answer_knowledge: the selected topic's answer, the customer's own figures."""

from __future__ import annotations

from typing import Optional

from actions.knowledge import ActionAnswerKnowledge, selected_topic

from .conftest import DOMAIN, followup, make_tracker, responses, run_action, said

ACTION = ActionAnswerKnowledge()


def with_topic(tracker, key: Optional[str], confidence: float = 0.9):
    """The tracker with the response selector's prediction in its latest message."""
    if key is not None:
        tracker.latest_message["response_selector"] = {
            "all_retrieval_intents": ["payment_guide"],
            "payment_guide": {
                "response": {
                    "responses": [],
                    "confidence": confidence,
                    "intent_response_key": key,
                    "utter_action": f"utter_{key}",
                },
                "ranking": [{"intent_response_key": key, "confidence": confidence}],
            },
        }
    return tracker


def ask(text: str, key: Optional[str], customer: Optional[str] = "u1001", **kwargs):
    return with_topic(make_tracker(text, "payment_guide", customer=customer, **kwargs), key)


def test_topic_from_the_selector_or_the_general_answer():
    parse = ask("限额多少", "payment_guide/limits").latest_message
    assert selected_topic(parse) == "limits"
    assert selected_topic({}) == "how_to_pay"  # a /payment_guide button: no prediction
    assert selected_topic(None) == "how_to_pay"
    # a topic the domain does not answer, or another retrieval intent's key
    stale = ask("x", "payment_guide/gone").latest_message
    assert selected_topic(stale, DOMAIN["responses"]) == "how_to_pay"
    assert selected_topic(ask("x", "chitchat/weather").latest_message) == "how_to_pay"


def test_every_topic_has_an_answer_in_both_languages():
    topics = [k for k in DOMAIN["responses"] if k.startswith("utter_payment_guide/")]
    assert len(topics) >= 13
    for name in topics:
        variations = DOMAIN["responses"][name]
        english = [v for v in variations if v.get("condition")]
        assert len(variations) == 2 and len(english) == 1, name


async def test_general_topic_needs_no_backend_and_no_login():
    for customer in (None, "u1001"):
        dispatcher, events = await run_action(
            ACTION, ask("发票怎么开", "payment_guide/invoice", customer)
        )
        assert responses(dispatcher) == ["utter_payment_guide/invoice"]
        assert followup(events) is None


async def test_u1002_hears_their_own_limits():
    dispatcher, _ = await run_action(
        ACTION, ask("我的限额是多少", "payment_guide/limits", customer="u1002")
    )
    assert responses(dispatcher) == ["utter_payment_guide/limits", "utter_knowledge_your_limits"]
    text = said(dispatcher)
    # backend/demo_data.py: u1002's credit card 2,000 / 10,000 yuan, balance 50,000 / 200,000
    assert "中信银行信用卡（尾号8848）：单笔¥2,000.00，单日¥10,000.00" in text
    assert "余额：单笔¥50,000.00，单日¥200,000.00" in text


async def test_anonymous_limits_are_general_and_invite_to_log_in():
    dispatcher, _ = await run_action(ACTION, ask("限额多少", "payment_guide/limits", None))
    assert responses(dispatcher) == ["utter_payment_guide/limits", "utter_login_for_account_help"]
    assert "¥" not in said(dispatcher)


async def test_an_invalid_token_is_anonymous():
    tracker = ask("我的限额", "payment_guide/limits", "u1002", token="not-a-token")
    dispatcher, _ = await run_action(ACTION, tracker)
    assert "utter_knowledge_your_limits" not in responses(dispatcher)


async def test_u1001_cards_and_phone():
    dispatcher, _ = await run_action(ACTION, ask("怎么解绑", "payment_guide/unbind_card"))
    assert "招商银行储蓄卡（尾号6621）" in said(dispatcher)
    dispatcher, _ = await run_action(ACTION, ask("换手机号", "payment_guide/change_phone"))
    assert responses(dispatcher)[-1] == "utter_knowledge_your_phone"
    assert "138****1001" in said(dispatcher)


async def test_english_limits_line(monkeypatch):
    tracker = ask("what are my limits", "payment_guide/limits", customer="u1002")
    tracker.slots["language"] = "en"
    tracker.events[-1]["parse_data"]["language"] = "en"
    dispatcher, _ = await run_action(ACTION, tracker)
    message = dispatcher.messages[-1]
    assert "¥2,000.00 per payment, ¥10,000.00 a day" in message["lines"]


async def test_backend_down_keeps_the_general_answer_without_a_handoff(monkeypatch):
    monkeypatch.setenv("BACKEND_URL", "http://127.0.0.1:9")  # nothing listens there
    dispatcher, events = await run_action(ACTION, ask("限额", "payment_guide/limits"))
    assert responses(dispatcher) == ["utter_payment_guide/limits", "utter_knowledge_lookup_failed"]
    assert followup(events) is None


async def test_u1001_hears_what_is_left_of_their_fee_free_allowance():
    dispatcher, events = await run_action(ACTION, ask("提现要手续费吗", "payment_guide/fees"))
    assert responses(dispatcher) == [
        "utter_payment_guide/fees",
        "utter_knowledge_your_fee_allowance",
    ]
    text = said(dispatcher)
    # the published fees (service_kit/policy.yml), then u1001's own (backend/demo_data.py:
    # ¥12,500.00 of the ¥20,000.00 used)
    assert "每人累计¥20,000.00免费额度，超出部分收0.1%，最低¥0.10" in text
    assert "您的提现免费额度还剩¥7,500.00（已用¥12,500.00）" in text
    assert followup(events) is None


async def test_anonymous_fees_are_general_and_invite_to_log_in():
    dispatcher, _ = await run_action(ACTION, ask("提现手续费多少", "payment_guide/fees", None))
    assert responses(dispatcher) == ["utter_payment_guide/fees", "utter_login_for_account_help"]
    assert "¥20,000.00" in said(dispatcher) and "还剩" not in said(dispatcher)


async def test_another_customers_token_gets_their_own_allowance():
    # u1002 has used none of it: the figure follows the token, not a slot
    tracker = ask("手续费", "payment_guide/fees", customer="u1002", slots={"customer_id": "u1001"})
    dispatcher, _ = await run_action(ACTION, tracker)
    assert "还剩¥20,000.00（已用¥0.00）" in said(dispatcher)


async def test_a_fee_asked_for_one_amount_is_that_amounts_fee_for_this_customer():
    # u1001 has ¥7,500.00 of the allowance left: ¥50,000.00 pays 0.1 % of ¥42,500.00
    dispatcher, events = await run_action(ACTION, ask("提现5万手续费多少", "payment_guide/fees"))
    assert responses(dispatcher) == ["utter_knowledge_fee_quote_partly_free"]
    assert said(dispatcher) == (
        "提现¥50,000.00：其中¥7,500.00在您的免费额度内，超出的¥42,500.00按0.1%收，手续费¥42.50。"
    )
    assert followup(events) is None
    # within what is left: no fee, and what remains
    dispatcher, _ = await run_action(ACTION, ask("转2000到银行卡收钱吗", "payment_guide/fees"))
    assert (
        said(dispatcher)
        == "转¥2,000.00到银行卡在您的免费额度内，不收手续费，之后额度还剩¥5,500.00。"
    )


async def test_a_fee_that_cannot_be_quoted_gets_the_rules():
    # a repayment (its monthly allowance is not recorded) and a transfer that may go to a
    # balance get the published rules and the allowance, not a made-up figure
    for message in ("还信用卡3000要手续费吗", "转账500给朋友收手续费吗", "提现手续费多少"):
        dispatcher, _ = await run_action(ACTION, ask(message, "payment_guide/fees"))
        assert responses(dispatcher)[0] == "utter_payment_guide/fees", message


async def test_an_anonymous_fee_question_for_an_amount_gets_the_rules():
    dispatcher, _ = await run_action(ACTION, ask("提现5万手续费多少", "payment_guide/fees", None))
    assert responses(dispatcher) == ["utter_payment_guide/fees", "utter_login_for_account_help"]
