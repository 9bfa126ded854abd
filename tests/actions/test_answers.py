"""Reading a message as the answer to the question just asked (actions/answers.py and the
parts of actions/transaction_choice.py that need no backend)."""

from __future__ import annotations

import pytest

from actions.answers import correction, is_cancel, ordinal, yes_or_no
from actions.transaction_choice import (
    CHOICES_FLOW_SLOT,
    CHOICES_SLOT,
    answer_text,
    last_bot_action,
    picked_transaction_id,
)

from .conftest import entity, make_tracker

OFFERED = ["T202611170101", "T202611140102", "T202611200001"]


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("第二个", 1),
        ("第2笔", 1),
        ("2", 1),
        ("选3", 2),
        ("最后那笔", 2),
        ("第一個", 0),  # Traditional script
        ("the second one", 1),
        ("first", 0),
        ("第五个", None),  # only three were offered
        ("等了2个小时", None),
        ("外卖那笔", None),
    ],
)
def test_ordinals_pick_from_the_list(text, position):
    assert ordinal(text, len(OFFERED)) == position


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("对", True),
        ("是的", True),
        ("嗯", True),
        ("对 就是这笔", True),
        ("yes", True),
        ("不是", False),
        ("不对", False),
        ("no", False),
        ("不是这笔，是京东那笔", None),  # a correction, not a plain no
        ("好 赶紧冻结", None),
        ("我要退款", None),
    ],
)
def test_yes_or_no(text, answer):
    assert yes_or_no(text) is answer


def test_cancel_is_short_and_explicit():
    assert is_cancel("算了") and is_cancel("算了 还是不退了") and is_cancel("never mind")
    assert not is_cancel("算了下金额不对，多扣了我二十块钱，麻烦帮我查一下")
    assert not is_cancel("对")


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("不是这笔，是京东那笔", "京东那笔"),
        ("不是美团是京东", "京东"),
        ("不对 是盒马那笔", "盒马那笔"),
        ("不是這筆，是京東那筆", "京东那笔"),
        ("不是", None),
        ("京东那笔", None),
    ],
)
def test_corrections_keep_what_names_the_right_payment(text, rest):
    assert correction(text) == rest


def _after(action: str, text: str, intent: str = "inform", **kwargs) -> object:
    """A tracker whose latest message answers what ``action`` asked."""
    events = [
        {"event": "user", "text": "我付款失败了", "parse_data": {}},
        {"event": "action", "name": action},
        {"event": "action", "name": "action_listen"},
    ]
    return make_tracker(text, intent, events=events, **kwargs)


def test_a_number_answers_the_list_only_of_the_flow_that_just_asked():
    slots = {CHOICES_SLOT: OFFERED, CHOICES_FLOW_SLOT: "action_diagnose_payment_failure"}
    tracker = _after("action_diagnose_payment_failure", "第二个", slots=slots)
    assert last_bot_action(tracker) == "action_diagnose_payment_failure"
    assert picked_transaction_id(tracker, "action_diagnose_payment_failure") == OFFERED[1]
    # the same words after another question pick nothing from an old list
    later = _after("utter_greet", "第二个", slots=slots)
    assert picked_transaction_id(later, "action_diagnose_payment_failure") is None
    # a button's id always counts
    button = _after(
        "utter_greet", "/payment_failed", entities=[entity("transaction_id", "t202611140102")]
    )
    assert picked_transaction_id(button, "action_diagnose_payment_failure") == "T202611140102"


def test_what_answers_a_forms_payment_question():
    slots = {CHOICES_SLOT: OFFERED}
    assert answer_text(make_tracker("第二个", "inform", slots=slots), "request_refund")
    assert answer_text(make_tracker("外卖那笔", "request_refund"), "request_refund")
    assert answer_text(make_tracker("268的", "nlu_fallback"), "request_refund")
    # only payment words: an answer, whatever intent it was given
    assert answer_text(make_tracker("京东那笔", "refund_status"), "request_refund")
    # another topic about a payment leaves the form
    assert (
        answer_text(make_tracker("京东那笔的退款到哪一步了 怎么还没到账", "refund_status"), "x")
        is None
    )
    assert answer_text(make_tracker("转人工", "request_human"), "request_refund") is None
    assert answer_text(make_tracker("/affirm", "affirm"), "request_refund") is None
    assert answer_text(make_tracker("你好", "greet"), "request_refund") is None


async def test_a_detail_goes_back_to_the_flow_that_just_offered_payments():
    from actions.fallback import ActionHandleNluFallback
    from actions.transaction_choice import ActionAnswerInContext

    from .conftest import followup, responses, run_action

    flow = "action_diagnose_payment_failure"
    slots = {CHOICES_SLOT: OFFERED, CHOICES_FLOW_SLOT: flow}
    for action, text in ((ActionAnswerInContext(), "第二个"), (ActionHandleNluFallback(), "2")):
        dispatcher, events = await run_action(action, _after(flow, text, slots=slots))
        assert followup(events) == flow and dispatcher.messages == [], text
    # a detail after anything else is asked about, as before
    dispatcher, events = await run_action(
        ActionAnswerInContext(), _after("utter_greet", "第二个", slots=slots)
    )
    assert responses(dispatcher) == ["utter_inform_without_context"] and not followup(events)
    dispatcher, _ = await run_action(ActionHandleNluFallback(), _after(flow, "嗯嗯嗯", slots=slots))
    assert responses(dispatcher) == ["utter_ask_rephrase"]


async def test_a_number_that_answered_a_list_is_no_misunderstanding():
    from actions.fallback import consecutive_fallbacks

    answered = [
        {"event": "user", "text": "2", "parse_data": {"intent": {"name": "nlu_fallback"}}},
        {"event": "action", "name": "action_handle_nlu_fallback"},
        {"event": "action", "name": "action_diagnose_payment_failure"},
        {"event": "action", "name": "action_listen"},
    ]
    tracker = make_tracker("？？", "nlu_fallback", events=answered)
    assert consecutive_fallbacks(tracker) == 1  # this one only: no hand-off yet
    missed = [*answered[:2], answered[3]]
    assert consecutive_fallbacks(make_tracker("？？", "nlu_fallback", events=missed)) == 2


@pytest.mark.parametrize(
    ("text", "solved"),
    [
        ("换了工商银行的卡 付成功了", True),
        ("充了钱 可以了", True),
        ("works now thanks", True),
        ("还是不行", False),
        ("still failing", False),
        ("我想想", None),
    ],
)
def test_did_that_solve_it_in_the_customers_words(text, solved):
    from actions.answers import solved_or_not

    assert solved_or_not(text) is solved


def test_an_unplaced_message_after_did_that_solve_it_answers_it():
    from actions.transaction_choice import answered_in_context

    waiting = {"awaiting_resolution": True}
    tracker = make_tracker("充好了 能付了", "nlu_fallback", slots=waiting)
    assert answered_in_context(tracker) == "action_resolution_confirmed"
    tracker = make_tracker("还是付不了", "nlu_fallback", slots=waiting)
    assert answered_in_context(tracker) == "action_checklist_unresolved"
    assert answered_in_context(make_tracker("充好了 能付了", "nlu_fallback")) is None
