"""查看详情 / More details (issue 19, docs/style.md): short answers, their ``_details``
responses, and ``action_show_details`` choosing which one to show."""

from __future__ import annotations

import pytest

from actions.details import (
    DETAILS_RESPONSES,
    NOTHING_OFFERED,
    ActionShowDetails,
    details_in_payload,
    details_to_show,
    offered_details,
)

from .conftest import DOMAIN, entity, make_tracker, responses, run_action

SHORT_ANSWERS = [
    "utter_payment_failed_checklist",
    "utter_login_problem_checklist",
    "utter_login_active_checklist",
    "utter_request_refund_guide",
    "utter_transaction_dispute_guide",
    "utter_refund_status_guide",
]
RESPONSES = DOMAIN["responses"]


def bot_said(name: str, variant: int = 0) -> dict:
    """The bot event a response leaves in the tracker, buttons included."""
    response = RESPONSES[name][variant]
    return {
        "event": "bot",
        "text": response["text"],
        "data": {"buttons": response.get("buttons") or []},
    }


async def shown(*events: dict, details: str | None = None, **kwargs) -> list[str]:
    """The responses action_show_details says after ``events`` and a request for more: a
    button naming ``details``, or typed (详细说说) when None."""
    tracker = make_tracker(
        "查看详情" if details else "详细说说",
        "more_details",
        customer=None,
        entities=[entity("details", details)] if details else None,
        events=list(events),
        **kwargs,
    )
    dispatcher, events_back = await run_action(ActionShowDetails(), tracker)
    assert events_back == []
    return responses(dispatcher)


def test_the_allow_list_is_the_domains_details_responses():
    in_domain = {n for n in RESPONSES if n.endswith("_details") and n != NOTHING_OFFERED}
    assert in_domain == DETAILS_RESPONSES == {f"{name}_details" for name in SHORT_ANSWERS}


@pytest.mark.parametrize("name", SHORT_ANSWERS)
def test_every_short_answer_offers_its_details_in_both_languages(name):
    for variant in RESPONSES[name]:
        offered = [details_in_payload(b["payload"]) for b in variant.get("buttons") or []]
        assert f"{name}_details" in offered, variant["text"]
        titles = [b["title"] for b in variant["buttons"]]
        assert ("查看详情" in titles) != ("More details" in titles)
    details = RESPONSES[f"{name}_details"]
    assert [bool(v.get("condition")) for v in details] == [False, True]  # zh, then en
    # the details are the full version: longer than the short answer in each language
    for short, full in zip(RESPONSES[name], details, strict=True):
        assert len(full["text"]) > len(short["text"]) * 0.9


def test_the_short_answers_keep_what_the_customer_must_act_on():
    def zh(name: str) -> str:
        return RESPONSES[name][0]["text"]

    assert "余额" in zh("utter_payment_failed_checklist")
    assert "别重复付款" in zh("utter_payment_failed_checklist")
    assert "收款方" in zh("utter_payment_failed_checklist_details")
    assert "诈骗" in zh("utter_request_refund_guide")  # the static warning stays up front
    assert "虚拟商品" in zh("utter_request_refund_guide_details")
    assert "冻结" in zh("utter_transaction_dispute_guide")  # a stolen account acts at once
    assert "交易有疑问" in zh("utter_transaction_dispute_guide_details")
    assert "60 秒" in zh("utter_login_problem_checklist")
    assert "App" in zh("utter_login_problem_checklist_details")
    assert "信用卡退款会冲抵账单" in zh("utter_refund_status_guide_details")


REFUND_DETAILS = "utter_refund_status_guide_details"
FAILED_DETAILS = "utter_payment_failed_checklist_details"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (f'/more_details{{"details":"{REFUND_DETAILS}"}}', REFUND_DETAILS),
        (f'/more_details{{"details": "{FAILED_DETAILS}"}} ', FAILED_DETAILS),
        ('/more_details{"details":"utter_contact_info"}', None),  # not a details response
        ('/more_details{"details":', None),
        ("/request_human", None),
        (None, None),
    ],
)
def test_details_in_payload(payload, expected):
    assert details_in_payload(payload) == expected


async def test_the_button_shows_the_details_it_names():
    said = await shown(
        bot_said("utter_request_refund_guide"),
        bot_said("utter_refund_status_guide"),
        details="utter_request_refund_guide_details",
    )
    assert said == ["utter_request_refund_guide_details"]


async def test_typed_request_shows_the_latest_answers_details_and_asks_again_if_solved():
    said = await shown(
        bot_said("utter_login_problem_checklist"),
        bot_said("utter_payment_failed_checklist", variant=1),
        bot_said("utter_ask_problem_solved"),
        slots={"awaiting_resolution": True},
    )
    assert said == ["utter_payment_failed_checklist_details", "utter_ask_problem_solved"]


async def test_inside_a_form_only_the_details_are_said():
    # the form asks its own question next (RulePolicy goes back to the active loop)
    said = await shown(
        bot_said("utter_transaction_dispute_guide"),
        slots={"awaiting_resolution": True},
        active_loop="dispute_form",
    )
    assert said == ["utter_transaction_dispute_guide_details"]


async def test_a_hand_typed_payload_cannot_pick_a_response_the_bot_did_not_offer():
    said = await shown(
        bot_said("utter_refund_status_guide"), details="utter_login_active_checklist_details"
    )
    assert said == ["utter_refund_status_guide_details"]


async def test_nothing_offered_asks_what_to_explain():
    said = await shown(
        bot_said("utter_refund_status_guide"),
        {"event": "action", "name": "action_session_start"},  # a new session since
        bot_said("utter_greet"),
    )
    assert said == [NOTHING_OFFERED]
    topics = [b["payload"] for b in RESPONSES[NOTHING_OFFERED][0]["buttons"]]
    assert "/payment_failed" in topics and "/request_refund" in topics


def test_only_details_the_domain_has_are_shown():
    offered = offered_details([bot_said("utter_payment_failed_checklist")])
    assert offered == ["utter_payment_failed_checklist_details"]
    assert details_to_show(None, offered, {"utter_greet": []}) is None
    assert details_to_show(None, offered, RESPONSES) == offered[0]
