"""Handing a conversation to a person, and taking it back.

``action_hand_off`` records why (the ``handoff_reason`` slot, set by the flow that gave up;
a customer asking is the default), files a ticket with a summary at the agent desk, tells
the customer what happens next, and pauses the bot for the conversation so that an agent can
take over. ``action_back_to_bot`` and ``action_close_conversation`` are run by the desk
through Rasa's HTTP API when an agent resolves the ticket (docs/contracts.md).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clients.desk import DeskUndeliverable, get_desk_client
from actions.common import channel_of
from actions.feedback import ask_for_rating
from actions.formatting import local_time
from actions.i18n import language_of, text
from actions.identity import verified_customer_id
from actions.summary import build_summary

logger = logging.getLogger(__name__)

CUSTOMER_REQUEST = "customer_request"
PRIORITY_BY_REASON = {
    "unauthorized_transaction": "urgent",
    # money sent to a scammer or a stolen account: minutes decide whether it can be stopped
    "scam_victim": "urgent",
    "account_takeover": "urgent",
    "repeated_complaint": "high",
    "backend_unavailable": "high",
    "risk_control": "high",
    "account_frozen": "high",
    "refund_overdue": "high",
    # a payment still processing past its estimate: money may be held
    "payment_pending_overdue": "high",
}


def people_ahead(position: int) -> int:
    """How many customers wait before this one: the desk's position is the customer's own
    1-based place in the queue (0 when an agent already has the conversation)."""
    return max(0, position - 1)


def handoff_payload(tracker: Tracker, reason: str) -> dict[str, Any]:
    """The desk's handoff request for this conversation (docs/contracts.md)."""
    return {
        "conversation_id": tracker.sender_id,
        "channel": channel_of(tracker),
        # the token of this message, never the slot: a stranger who knows the conversation id
        # must not file a ticket an agent would read as the customer's own
        "customer_id": verified_customer_id(tracker),
        "language": language_of(tracker),
        "reason": reason,
        "priority": PRIORITY_BY_REASON.get(reason, "normal"),
        "summary": build_summary(tracker),
    }


class ActionHandOff(Action):
    """File a desk ticket, tell the customer what happens next, pause the bot."""

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_hand_off"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Queues the conversation at the desk and pauses the bot."""
        reason = tracker.get_slot("handoff_reason") or CUSTOMER_REQUEST
        try:
            ticket = await get_desk_client().hand_off(handoff_payload(tracker, reason))
        except DeskUndeliverable:
            # kept aside and logged by the client; no agent will come, so do not pause
            dispatcher.utter_message(text=text("handoff.undeliverable", language_of(tracker)))
            dispatcher.utter_message(response="utter_contact_info")
            return [SlotSet("handoff_reason", None)]
        opens = ""
        if ticket is not None and not ticket.within_hours and ticket.next_open_at:
            language = language_of(tracker)
            opens = local_time(datetime.fromisoformat(ticket.next_open_at), language)
        if ticket is None or (not ticket.within_hours and not opens):
            dispatcher.utter_message(response="utter_handoff_pending")
        elif not ticket.within_hours:
            dispatcher.utter_message(response="utter_handoff_after_hours", next_open=opens)
        elif people_ahead(ticket.position) == 0:
            dispatcher.utter_message(response="utter_handoff_next")
        else:
            dispatcher.utter_message(
                response="utter_handoff_queued",
                ahead=people_ahead(ticket.position),
                wait_minutes=max(1, ticket.estimated_wait_minutes),
            )
        logger.info(
            "conversation handed off",
            extra={
                "conversation_id": tracker.sender_id,
                "reason": reason,
                "queued": ticket is not None,
            },
        )
        events: list[dict[str, Any]] = [SlotSet("handoff_reason", None)]
        customer_id = verified_customer_id(tracker)
        if customer_id:
            events.append(SlotSet("customer_id", customer_id))
        if ticket is not None:
            events.append(SlotSet("handoff_ticket", str(ticket.id)))
        events.append(ConversationPaused())
        return events


class ActionBackToBot(Action):
    """Run by the desk when an agent hands the conversation back: the bot greets again."""

    def name(self) -> str:
        """Action name the desk executes through Rasa's HTTP API."""
        return "action_back_to_bot"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Tells the customer the bot is back, and asks how the agent did."""
        dispatcher.utter_message(response="utter_back_to_bot")
        return [
            SlotSet("handoff_ticket", None),
            *ask_for_rating(dispatcher, tracker, ask_now=True),
        ]


class ActionCloseConversation(Action):
    """Run by the desk when an agent closes the conversation."""

    def name(self) -> str:
        """Action name the desk executes through Rasa's HTTP API."""
        return "action_close_conversation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Says goodbye for the agent and asks for a rating."""
        dispatcher.utter_message(response="utter_conversation_closed")
        return [
            SlotSet("handoff_ticket", None),
            *ask_for_rating(dispatcher, tracker, ask_now=True),
        ]
