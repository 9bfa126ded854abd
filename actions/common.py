"""What every account-aware action shares: who is asking, and what to do when the backend fails.

An ``AccountAction`` runs ``run_for_customer`` for a verified customer and ``run_anonymous``
(the published checklist and an invitation to log in) for everyone else; never someone
else's data. When the payment backend is down or answers nonsense, the customer hears what
could not be checked, gets the general checklist, and is handed to a person — never a stack
trace, never silence.

A form that acts on the account (``AccountFormValidation``) goes on only while each message
comes from the customer it was opened for; otherwise it stops, and its submission invites the
customer to log in (docs/security.md, identity).
"""

from __future__ import annotations

import abc
import logging
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.clients.payment_backend import (
    AuthenticationFailed,
    BackendClient,
    BackendError,
    BackendUnavailable,
    conversation,
    get_backend_client,
)
from actions.i18n import language_of, text
from actions.identity import flow_customer_id, verified_customer_id

logger = logging.getLogger(__name__)

Events = list[dict[str, Any]]


def channel_of(tracker: Tracker) -> str:
    """The channel the customer writes from: socketio, wechat or rest."""
    return (tracker.get_latest_input_channel() or "rest").lower()


def entity_value(tracker: Tracker, entity: str) -> Optional[Any]:
    """The first value of ``entity`` in the latest message."""
    for item in (tracker.latest_message or {}).get("entities") or []:
        if item.get("entity") == entity:
            return item.get("value")
    return None


def hand_off(reason: str) -> Events:
    """Events that hand the conversation to a person for ``reason`` right after this action."""
    return [SlotSet("handoff_reason", reason), FollowupAction("action_hand_off")]


def ask_if_solved(dispatcher: CollectingDispatcher) -> Events:
    """Asks whether the advice solved the problem; the rules route the yes or no (a no hands
    off) while ``awaiting_resolution`` is set."""
    dispatcher.utter_message(response="utter_ask_problem_solved")
    return [SlotSet("awaiting_resolution", True)]


class AccountAction(Action, abc.ABC):
    """Base of the diagnostic actions: identity check and backend failure handling.

    Abstract, so the action server does not register it as an action of its own.
    """

    #: the published checklist for an anonymous customer or a backend failure
    general_response: str = ""
    #: what could not be checked, for the apology when the backend fails (an i18n key)
    checked_data: str = "checked.account"

    @abc.abstractmethod
    async def run_for_customer(
        self,
        customer_id: str,
        backend: BackendClient,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> Events:
        """The flow for a verified customer."""

    async def run_anonymous(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """The published checklist and an invitation to log in."""
        dispatcher.utter_message(response=self.general_response)
        dispatcher.utter_message(response="utter_login_for_account_help")
        return []

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """Dispatches on identity and turns backend failures into a polite handoff."""
        customer_id = verified_customer_id(tracker)
        # a new flow answers any earlier "did that help?" and opens no form unless it says so
        fresh = [
            SlotSet("awaiting_resolution", False),
            SlotSet("flow_next", None),
            SlotSet("handoff_reason", None),
        ]
        if customer_id is None:
            return [*fresh, *await self.run_anonymous(dispatcher, tracker, domain)]
        try:
            with conversation(tracker.sender_id):
                events = await self.run_for_customer(
                    customer_id, get_backend_client(), dispatcher, tracker, domain
                )
        except BackendUnavailable as error:
            return self._backend_failed(dispatcher, tracker, error)
        except (AuthenticationFailed, BackendError) as error:
            # not an outage but a mistake (ours or the backend's): same answer, louder log
            logger.error("unexpected backend error in %s: %r", self.name(), error)
            return self._backend_failed(dispatcher, tracker, error)
        return [*fresh, SlotSet("customer_id", customer_id), *events]

    def _backend_failed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, error: Exception
    ) -> Events:
        logger.warning(
            "backend unavailable during %s",
            self.name(),
            extra={"conversation_id": tracker.sender_id, "error": repr(error)},
        )
        checked = text(self.checked_data, language_of(tracker))
        dispatcher.utter_message(response="utter_backend_unavailable", checked=checked)
        if self.general_response:
            dispatcher.utter_message(response=self.general_response)
        return [
            SlotSet("awaiting_resolution", False),
            SlotSet("flow_next", None),
            *hand_off("backend_unavailable"),
        ]


class LeavableFormValidation(FormValidationAction, abc.ABC):
    """Validation of a form the customer may leave half-way (算了, skip): once a validator set
    ``left_slot``, nothing more is asked.

    Abstract, so the action server does not register it as an action of its own.
    """

    #: the slot a validator sets when the customer cancels or skips the form
    left_slot: str = ""

    @abc.abstractmethod
    def name(self) -> str:
        """Validation action name (``validate_<form>``)."""

    def is_open(self, tracker: Tracker) -> bool:
        """Whether the form goes on: not once the customer left it."""
        return not tracker.get_slot(self.left_slot)

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Nothing more to ask (or validate) once the form is no longer open."""
        return domain_slots if self.is_open(tracker) else []


class AccountFormValidation(LeavableFormValidation, abc.ABC):
    """Validation of a form that reads or changes the customer's account.

    The form goes on only while the latest message carries the token of the customer it was
    opened for. With no slot left to ask, rasa-sdk validates none of the turn's answers and
    Rasa ends the form; its submission action then finds no ``flow_customer_id`` and invites
    the customer to log in. So a turn without a token, or with another customer's, neither
    reads nor changes anything.

    Abstract, so the action server does not register it as an action of its own.
    """

    def is_open(self, tracker: Tracker) -> bool:
        """Open while the customer who opened it writes, with their token, and stays in it."""
        return super().is_open(tracker) and flow_customer_id(tracker) is not None
