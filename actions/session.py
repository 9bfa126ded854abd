"""Session start that keeps a handed-off conversation with its agent.

Rasa starts a new session after ``session_expiration_time`` of silence and a new session is
no longer paused — so a customer who waits overnight for an agent (after hours) would get the
bot back in the morning, in the middle of their ticket. While a desk ticket is open
(``handoff_ticket`` is set) the new session starts paused again.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import Events

# Slots about one conversation, not about the customer: a new session starts without them
# (a returning customer is asked for a rating again, and no old "did that help?" lingers).
PER_CONVERSATION = {"requested_slot", "rating_asked", "awaiting_resolution", "flow_next"}


def carried_over_slots(tracker: Tracker) -> Events:
    """The customer's slots of the previous session (carry_over_slots_to_new_session)."""
    return [
        SlotSet(name, value)
        for name, value in tracker.slots.items()
        if value is not None and name not in PER_CONVERSATION
    ]


class ActionSessionStart(Action):
    """Rasa's session start, plus: stay paused while an agent has the conversation."""

    def name(self) -> str:
        """Replaces Rasa's default action_session_start."""
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """SessionStarted, the carried-over slots, pause if a ticket is open, then listen."""
        events: Events = [SessionStarted(), *carried_over_slots(tracker)]
        if tracker.get_slot("handoff_ticket"):
            events.append(ConversationPaused())
        events.append(ActionExecuted("action_listen"))
        return events
