"""Low-confidence messages: ask to rephrase once; the second time in a row, hand off."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

FALLBACK_INTENT = "nlu_fallback"


def consecutive_fallbacks(tracker: Tracker) -> int:
    """How many of the latest user messages in a row ended in ``nlu_fallback``."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent") or {}
        if intent.get("name") != FALLBACK_INTENT:
            break
        count += 1
    return count


class ActionHandleNluFallback(Action):
    """First fallback: ask to rephrase. Second in a row: hand off to a person."""

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_handle_nlu_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Utters the rephrase request, or hands off after two misunderstandings."""
        if consecutive_fallbacks(tracker) >= 2:
            dispatcher.utter_message(response="utter_fallback_hand_off")
            return [
                SlotSet("handoff_reason", "repeated_fallback"),
                FollowupAction("action_hand_off"),
            ]
        dispatcher.utter_message(response="utter_ask_rephrase")
        return []
