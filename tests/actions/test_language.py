"""The conversation's language: explicit requests, then the message, then the front end."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.language import ValidateSlotMappings, conversation_language

from .conftest import DOMAIN, make_tracker


def tracker_with(language_slot, detected=None, requested=None, metadata_language=None, turns=1):
    tracker = make_tracker("x", "greet", customer=None, slots={"language": language_slot})
    tracker.latest_message["language"] = detected
    tracker.latest_message["language_request"] = requested
    if metadata_language:
        tracker.latest_message["metadata"]["language"] = metadata_language
    tracker.events = [{"event": "user"}] * turns
    return tracker


def test_an_explicit_choice_holds():
    tracker = tracker_with("en", detected="zh-Hans", turns=3)
    tracker.slots["language_chosen"] = True
    assert conversation_language(tracker) == "en"


def test_precedence():
    assert conversation_language(tracker_with("zh-Hans", detected="en")) == "en"
    assert (
        conversation_language(tracker_with("en", detected="en", requested="zh-Hans")) == "zh-Hans"
    )
    # too little to tell keeps the conversation's language
    assert conversation_language(tracker_with("en", detected=None, turns=5)) == "en"
    # the widget's configured language decides the first message when the text cannot
    assert conversation_language(tracker_with("zh-Hans", metadata_language="en")) == "en"
    assert (
        conversation_language(tracker_with("zh-Hans", metadata_language="en", turns=4)) == "zh-Hans"
    )


async def test_slot_extraction_tells_the_front_end_when_the_language_changes():
    dispatcher = CollectingDispatcher()
    result = await ValidateSlotMappings().extract_language(
        dispatcher, tracker_with("zh-Hans", detected="en"), DOMAIN
    )
    assert result == {"language": "en"}
    assert dispatcher.messages[0]["custom"] == {"type": "language", "language": "en"}

    dispatcher = CollectingDispatcher()
    result = await ValidateSlotMappings().extract_language(
        dispatcher, tracker_with("en", detected="en"), DOMAIN
    )
    assert result == {} and dispatcher.messages == []
