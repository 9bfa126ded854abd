"""Complaints, "did that help?", cancelling, fallbacks and handing off."""

from __future__ import annotations

import json

from actions.conversation import ActionCancelFlow, ActionChecklistUnresolved, ActionHandleComplaint
from actions.fallback import ActionHandleNluFallback
from actions.handoff import ActionHandOff

from .conftest import followup, make_tracker, responses, run_action, slot_events


def user(intent: str) -> dict:
    return {"event": "user", "text": "x", "parse_data": {"intent": {"name": intent}}}


async def test_second_complaint_goes_to_a_person():
    first, events = await run_action(ActionHandleComplaint(), make_tracker("垃圾", "complain"))
    assert responses(first) == ["utter_complain"] and followup(events) is None
    second, events = await run_action(
        ActionHandleComplaint(), make_tracker("太差了", "complain", events=[user("complain")])
    )
    assert responses(second) == ["utter_complaint_hand_off"]
    assert slot_events(events)["handoff_reason"] == "repeated_complaint"


async def test_unresolved_checklist_hands_off():
    _, events = await run_action(ActionChecklistUnresolved(), make_tracker("没用", "deny"))
    assert slot_events(events)["handoff_reason"] == "unresolved_checklist"
    assert followup(events) == "action_hand_off"


async def test_cancel_clears_every_form():
    _, events = await run_action(
        ActionCancelFlow(), make_tracker("算了", "deny", active_loop="refund_form")
    )
    assert any(e["event"] == "active_loop" and e["name"] is None for e in events)
    assert slot_events(events)["refund_transaction_id"] is None


async def test_fallback_twice_hands_off():
    _, events = await run_action(
        ActionHandleNluFallback(),
        make_tracker("？？", "nlu_fallback", events=[user("nlu_fallback")]),
    )
    assert slot_events(events)["handoff_reason"] == "repeated_fallback"


async def test_handoff_without_desk_parks_the_ticket_and_pauses(tmp_path, monkeypatch):
    monkeypatch.setenv("DESK_URL", "http://127.0.0.1:9")
    from actions.clients import desk as desk_client

    monkeypatch.setattr(desk_client, "_client", None)
    from actions.settings import get_settings

    get_settings.cache_clear()
    tracker = make_tracker(
        "转人工", "request_human", customer="u1001", slots={"transaction_id": "T202611200001"}
    )
    dispatcher, events = await run_action(ActionHandOff(), tracker)
    assert responses(dispatcher) == ["utter_handoff_pending"]
    assert any(e["event"] == "pause" for e in events)
    parked = [json.loads(p.read_text()) for p in get_settings().handoff_outbox_dir.glob("*.json")]
    assert parked[0]["customer_id"] == "u1001"
    assert parked[0]["reason"] == "customer_request"
    assert parked[0]["summary"]["transaction_id"] == "T202611200001"
