"""Ratings: parsing what customers answer, once per conversation, stored at the desk."""

from __future__ import annotations

import json

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import (
    ActionSayGoodbye,
    ActionSubmitRating,
    ValidateRatingForm,
    ask_for_rating,
    parse_rating,
)

from .conftest import DOMAIN, make_tracker, responses, run_action, slot_events


@pytest.mark.parametrize(
    ("answer", "score", "comment"),
    [
        ("5", 5, None),
        ("4分", 4, None),
        ("★★★", 3, None),
        ("⭐⭐⭐⭐⭐ 5", 5, None),
        ("五星好评", 5, None),
        ("评分：2 分；意见：等太久了", 2, "等太久了"),
        ("rating 4, comment: quick and clear", 4, "quick and clear"),
        ("很好", None, None),
        ("10", None, None),
    ],
)
def test_parse_rating(answer, score, comment):
    assert parse_rating(answer) == (score, comment)


async def test_ratings_are_asked_once_and_never_inside_a_flow():
    dispatcher = CollectingDispatcher()
    events = ask_for_rating(dispatcher, make_tracker("谢谢", "thank"), ask_now=True)
    assert responses(dispatcher) == ["utter_ask_rating_score"]
    assert {"event": "active_loop", "name": "rating_form"} in [
        {k: e.get(k) for k in ("event", "name")} for e in events
    ]
    assert (
        ask_for_rating(CollectingDispatcher(), make_tracker("x", slots={"rating_asked": True}))
        == []
    )
    assert (
        ask_for_rating(CollectingDispatcher(), make_tracker("x", active_loop="refund_form")) == []
    )
    dispatcher, events = await run_action(ActionSayGoodbye(), make_tracker("拜拜", "goodbye"))
    assert responses(dispatcher) == ["utter_goodbye"]  # the form asks next
    assert any(e.get("event") == "active_loop" and e.get("name") == "rating_form" for e in events)


async def test_validation_reads_the_widget_format_and_skips():
    validate = ValidateRatingForm()
    tracker = make_tracker("评分：5 分；意见：很快", "inform")
    result = await validate.validate_rating_score(
        "评分：5 分；意见：很快", CollectingDispatcher(), tracker, DOMAIN
    )
    assert result == {"rating_score": 5.0, "rating_comment": "很快"}
    result = await validate.validate_rating_score("跳过", CollectingDispatcher(), tracker, DOMAIN)
    assert result["rating_skipped"] is True
    dispatcher = CollectingDispatcher()
    result = await validate.validate_rating_score("还行吧", dispatcher, tracker, DOMAIN)
    assert result == {"rating_score": None} and responses(dispatcher) == ["utter_rating_unclear"]
    result = await validate.validate_rating_comment(
        "密码是abc12345 太慢了", CollectingDispatcher(), tracker, DOMAIN
    )
    assert "abc12345" not in result["rating_comment"]


async def test_low_rating_is_stored_and_offers_a_person(monkeypatch):
    from actions.clients import desk as desk_client

    sent = []

    async def fake_rate(self, payload):
        sent.append(payload)
        return 1

    monkeypatch.setattr(desk_client.DeskClient, "rate", fake_rate)
    events = [{"event": "action", "name": "action_hand_off"}]
    tracker = make_tracker(
        "1", "inform", slots={"rating_score": 1.0, "rating_comment": "-"}, events=events
    )
    dispatcher, result = await run_action(ActionSubmitRating(), tracker)
    assert responses(dispatcher) == ["utter_rating_low"]
    assert slot_events(result)["handoff_reason"] == "low_rating"
    assert (
        sent[0]["score"] == 1 and sent[0]["human_involved"] is True and sent[0]["comment"] is None
    )
    assert json.dumps(sent[0])  # serialisable as the contract says


async def test_rating_waits_in_the_outbox_when_the_desk_is_down(monkeypatch, tmp_path):
    monkeypatch.setenv("DESK_URL", "http://127.0.0.1:9")
    from actions.clients import desk as desk_client
    from actions.settings import get_settings

    monkeypatch.setattr(desk_client, "_client", None)
    get_settings.cache_clear()
    tracker = make_tracker("5", "inform", slots={"rating_score": 5.0, "rating_comment": "好"})
    dispatcher, _ = await run_action(ActionSubmitRating(), tracker)
    assert responses(dispatcher) == ["utter_rating_thanks"]
    parked = [json.loads(p.read_text()) for p in get_settings().handoff_outbox_dir.glob("*.json")]
    assert parked[0]["path"] == "/api/internal/ratings" and parked[0]["payload"]["score"] == 5
