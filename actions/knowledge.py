"""Knowledge answers: product questions (limits, fees, cards, phone, closing the account…).

``payment_guide`` is a retrieval intent: its training examples are labelled by topic
(``payment_guide/limits`` in data/nlu/faq/), the intent classifier learns ``payment_guide`` and
the response selector (addons/nlu/response_selector.py) picks the topic, in the message's
``response_selector`` parse data. This action answers with the topic's response
(``utter_payment_guide/limits``) and, for the topics whose answer depends on the customer,
adds the customer's own figures from the payment backend: only for the customer whose token
came with this message (actions/common.py). Anonymous customers get the general answer and an
invitation to log in.

A custom action rather than Rasa's retrieval action ``utter_payment_guide``, because that one
fails when the message has no selector prediction (a ``/payment_guide`` button, a story), and
the customer's figures must follow the answer anyway. Without a prediction, or with a topic
the domain does not answer, the general how-to answer is given.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clients.payment_backend import BackendClient, BackendError, PaymentMethod
from actions.common import AccountAction, Events
from actions.fee_quote import answer_fee_question, fee_question
from actions.formatting import method_label
from actions.i18n import language_of, text
from service_kit.amounts import yuan

logger = logging.getLogger(__name__)

RETRIEVAL_INTENT = "payment_guide"
# Rasa's name for the retrieval intent's answers: utter_payment_guide/<topic>
RETRIEVAL_RESPONSES = "utter_payment_guide"
GENERAL_TOPIC = "how_to_pay"
# Rasa's parse data keys (rasa.nlu.constants), not imported: the action server does not load
# Rasa itself
_SELECTOR = "response_selector"
_DEFAULT_SELECTOR = "default"


def selected_topic(parse_data: Optional[dict], responses: Optional[dict] = None) -> str:
    """The topic the response selector picked for ``payment_guide`` (``limits``), or the
    general topic when it picked none, picked another retrieval intent's answer, or one
    ``responses`` (the domain's, when given) has no answer for."""
    properties = (parse_data or {}).get(_SELECTOR) or {}
    selected = properties.get(RETRIEVAL_INTENT) or properties.get(_DEFAULT_SELECTOR) or {}
    key = str((selected.get("response") or {}).get("intent_response_key") or "")
    intent, _, topic = key.partition("/")
    if intent != RETRIEVAL_INTENT or not topic:
        return GENERAL_TOPIC
    if responses is not None and response_of(topic) not in responses:
        return GENERAL_TOPIC
    return topic


def response_of(topic: str) -> str:
    """The domain response answering ``topic``: ``utter_payment_guide/limits``."""
    return f"{RETRIEVAL_RESPONSES}/{topic}"


def limit_lines(methods: list[PaymentMethod], language: str) -> str:
    """One line per payment method: its limits and what is left today, or why it is unusable."""
    lines = []
    for method in methods:
        label = method_label(method.type, method.bank, method.last4, language)
        if method.status != "active":
            status_key = f"method_status.{method.status}"
            known = status_key in ("method_status.frozen", "method_status.expired")
            status = text(status_key if known else "method_status.unknown", language)
            lines.append(text("knowledge.method_unusable", language, method=label, status=status))
            continue
        lines.append(
            text(
                "knowledge.limit_line",
                language,
                method=label,
                single=yuan(method.single_limit_fen),
                daily=yuan(method.daily_limit_fen),
                remaining=yuan(method.remaining_today_fen),
            )
        )
    return "\n".join(lines)


Personal = Callable[[str, BackendClient, CollectingDispatcher, str], Awaitable[None]]


async def _your_limits(
    customer_id: str, backend: BackendClient, dispatcher: CollectingDispatcher, language: str
) -> None:
    methods = await backend.list_payment_methods(customer_id)
    if methods:
        lines = limit_lines(methods, language)
        dispatcher.utter_message(response="utter_knowledge_your_limits", lines=lines)


async def _your_cards(
    customer_id: str, backend: BackendClient, dispatcher: CollectingDispatcher, language: str
) -> None:
    cards = [m for m in await backend.list_payment_methods(customer_id) if m.type != "balance"]
    if not cards:
        dispatcher.utter_message(response="utter_knowledge_no_cards")
        return
    labels = [method_label(m.type, m.bank, m.last4, language) for m in cards]
    separator = text("method.list_separator", language)
    dispatcher.utter_message(response="utter_knowledge_your_cards", cards=separator.join(labels))


async def _your_phone(
    customer_id: str, backend: BackendClient, dispatcher: CollectingDispatcher, language: str
) -> None:
    customer = await backend.get_customer(customer_id)
    dispatcher.utter_message(response="utter_knowledge_your_phone", phone=customer.phone_masked)


async def _your_fee_allowance(
    customer_id: str, backend: BackendClient, dispatcher: CollectingDispatcher, language: str
) -> None:
    # the general answer states the allowance; this is how much of it is theirs still
    allowance = await backend.get_fee_allowance(customer_id)
    dispatcher.utter_message(
        response="utter_knowledge_your_fee_allowance",
        remaining=yuan(allowance.remaining_fen),
        used=yuan(allowance.used_fen),
    )


# the topics whose answer depends on the customer, what is looked up, and what the apology
# names when the backend cannot say
PERSONAL: dict[str, tuple[Personal, str]] = {
    "limits": (_your_limits, "method.yours"),
    "unbind_card": (_your_cards, "method.yours"),
    "change_phone": (_your_phone, "checked.account"),
    "fees": (_your_fee_allowance, "checked.account"),
}


class ActionAnswerKnowledge(AccountAction):
    """The selected knowledge answer, with the customer's own figures where they matter."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_answer_knowledge"

    async def run_anonymous(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """The general answer; for a personal topic, how to see one's own figures."""
        topic = selected_topic(tracker.latest_message, domain.get("responses"))
        dispatcher.utter_message(response=response_of(topic))
        if topic in PERSONAL:
            dispatcher.utter_message(response="utter_login_for_account_help")
        return []

    async def run_for_customer(
        self,
        customer_id: str,
        backend: BackendClient,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> Events:
        """The general answer, then the customer's figures for a personal topic.

        A backend failure costs only the personal part: the general answer has been given
        and answers the question, so the customer hears what could not be looked up instead
        of being handed to a person for a question the answer covers.
        """
        topic = selected_topic(tracker.latest_message, domain.get("responses"))
        language = language_of(tracker)
        question = fee_question(tracker.latest_message.get("text") or "")
        if topic == "fees" and question is not None:
            # one amount asked about: its fee is the answer, not the rules that give it
            try:
                await answer_fee_question(question, customer_id, backend, dispatcher, language)
                return []
            except BackendError as error:
                logger.warning(
                    "fee quote failed",
                    extra={"conversation_id": tracker.sender_id, "error": repr(error)},
                )
        dispatcher.utter_message(response=response_of(topic))
        if topic in PERSONAL:
            lookup, checked = PERSONAL[topic]
            try:
                await lookup(customer_id, backend, dispatcher, language)
            except BackendError as error:
                logger.warning(
                    "knowledge lookup failed",
                    extra={"conversation_id": tracker.sender_id, "error": repr(error)},
                )
                dispatcher.utter_message(
                    response="utter_knowledge_lookup_failed", checked=text(checked, language)
                )
        return []
