"""Low-confidence messages: ask to rephrase once; the second time in a row, hand off."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.transaction_choice import answered_in_context

FALLBACK_INTENT = "nlu_fallback"
# what the bot runs after a message it did not understand
NOT_UNDERSTOOD = frozenset({"action_listen", "action_handle_nlu_fallback", "action_hand_off"})


def consecutive_fallbacks(tracker: Tracker) -> int:
    """How many of the latest user messages in a row ended in ``nlu_fallback`` and were not
    understood: one that a flow went on with (``2`` answering its list) does not count."""
    count = 0
    turn_actions: set[str] = set()  # what the bot ran after the message being looked at
    for event in reversed(tracker.events):
        if event.get("event") == "action":
            turn_actions.add(event.get("name") or "")
            continue
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent") or {}
        if intent.get("name") != FALLBACK_INTENT or turn_actions - NOT_UNDERSTOOD:
            break
        count += 1
        turn_actions = set()
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
        answer = answered_in_context(tracker)
        if answer:  # not misunderstood: 2 answers a list, 付成功了 "did that solve it?"
            return [FollowupAction(answer)]
        if consecutive_fallbacks(tracker) >= 2:
            dispatcher.utter_message(response="utter_fallback_hand_off")
            return [
                SlotSet("handoff_reason", "repeated_fallback"),
                FollowupAction("action_hand_off"),
            ]
        dispatcher.utter_message(response="utter_ask_rephrase")
        return []
