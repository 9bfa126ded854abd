"""The conversation's language: it follows the customer's writing, and an explicit request.

Runs as Rasa's slot-mapping validation after every user message (``action_validate_slot_mappings``
extracts the custom-mapped ``language`` slot). Order of precedence: an explicit request
(请用英文 / speak Chinese please), which then holds until the next explicit request
(``language_chosen``), so a customer who asked for English but types Chinese still gets
English; the language the message is written in, when it says enough to tell; the language
the chat front end was configured with (``metadata.language``), for a conversation's first
message; otherwise the conversation keeps its language. When the
language changes, the bot tells the front end with a custom message
``{"type": "language", "language": ...}`` so the widget's own texts follow.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker, ValidationAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from addons.language import DEFAULT, LANGUAGES

FRONT_END_CODES = {
    "zh": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-hans": "zh-Hans",
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "zh-hant": "zh-Hant",
    "en": "en",
    "en-us": "en",
    "en-gb": "en",
}


def conversation_language(tracker: Tracker) -> str:
    """The language the conversation should now be in."""
    message = tracker.latest_message or {}
    current = tracker.get_slot("language")
    if message.get("language_request") in LANGUAGES:
        return message["language_request"]
    if tracker.get_slot("language_chosen") and current in LANGUAGES:
        return current
    if message.get("language") in LANGUAGES:
        return message["language"]
    metadata = message.get("metadata") or {}
    configured = FRONT_END_CODES.get(str(metadata.get("language") or "").lower())
    user_turns = sum(1 for e in tracker.events if e.get("event") == "user")
    if configured and (current is None or user_turns <= 1):
        return configured
    return current if current in LANGUAGES else DEFAULT


class ValidateSlotMappings(ValidationAction):
    """Extracts the slots with custom mappings that are not part of a form: ``language``."""

    async def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The new value of ``language`` (unchanged values are not re-set)."""
        language = conversation_language(tracker)
        chosen = (tracker.latest_message or {}).get("language_request") in LANGUAGES
        slots: dict[str, Any] = {"language_chosen": True} if chosen else {}
        if language != tracker.get_slot("language"):
            dispatcher.utter_message(json_message={"type": "language", "language": language})
            slots["language"] = language
        return slots
