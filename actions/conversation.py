"""Actions that steer the conversation itself: complaints, the "did that help?" answer, cancel."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import dispute, password, refund
from actions.common import Events, hand_off
from actions.feedback import ask_for_rating

COMPLAINTS_BEFORE_HANDOFF = 2


def complaints_this_session(tracker: Tracker) -> int:
    """How many messages of the current session were complaints."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            break
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            count += intent == "complain"
    return count


class ActionHandleComplaint(Action):
    """Apologise and ask what went wrong; the second complaint goes to a person."""

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_handle_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """Utters the apology, or hands off with high priority."""
        if complaints_this_session(tracker) >= COMPLAINTS_BEFORE_HANDOFF:
            dispatcher.utter_message(response="utter_complaint_hand_off")
            return hand_off("repeated_complaint")
        dispatcher.utter_message(response="utter_complain")
        return []


class ActionResolutionConfirmed(Action):
    """The customer says the advice solved it, or thanks for it."""

    def name(self) -> str:
        """Runs after a yes or a thanks to "did that solve it?"."""
        return "action_resolution_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """Is glad, stops waiting for the answer, and asks for a rating."""
        dispatcher.utter_message(response="utter_glad_solved")
        return [SlotSet("awaiting_resolution", False), *ask_for_rating(dispatcher, tracker)]


class ActionChecklistUnresolved(Action):
    """The customer says the advice did not help: a person takes over."""

    def name(self) -> str:
        """Runs after a no to "did that solve it?"."""
        return "action_checklist_unresolved"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """Apologises and hands off."""
        dispatcher.utter_message(response="utter_sorry_unresolved")
        return [SlotSet("awaiting_resolution", False), *hand_off("unresolved_checklist")]


class ActionCancelFlow(Action):
    """算了 / 不用了 in the middle of a flow: stop it and clear what it collected."""

    def name(self) -> str:
        """Action name used in the rules of every form."""
        return "action_cancel_flow"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """Deactivates the form and resets its slots."""
        dispatcher.utter_message(response="utter_flow_cancelled")
        slots = {*refund.FORM_SLOTS, *password.FORM_SLOTS, *dispute.FORM_SLOTS}
        return [
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            *[SlotSet(s, None) for s in sorted(slots)],
        ]
