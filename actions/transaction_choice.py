"""The payment a flow works on: from the customer's words to one payment, said back to them.

Every payment flow (failure, refund, refund status, dispute) asks the resolver
(actions/resolver.py) which of the customer's payments the message names, and answers the same
way: one match is named back (merchant, amount, date); several are offered as buttons,
likeliest first; none is said plainly, with the customer's recent payments to pick from. The
ids offered are kept in the ``transaction_choices`` slot so that ``第二个`` or ``2`` can answer.

While a form waits for a payment or a yes / no, :func:`answer_text` decides whether the latest
message is that answer — whatever intent the classifier gave it — or another topic that should
leave the form (its rules in data/rules_forms.yml then apply).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import i18n
from actions.answers import correction, is_cancel, ordinal, resolution_followup, yes_or_no
from actions.clients.payment_backend import BackendClient, NotFound, Transaction
from actions.common import Events
from actions.formatting import local_time
from actions.resolver import (
    Clues,
    Resolution,
    find_payments,
    is_transaction_id,
    normalise,
    read_clues,
    vocabulary,
)
from actions.summary import SUPPORT_INTENTS
from service_kit.amounts import yuan

MAX_CHOICES = 5
CHOICES_SLOT = "transaction_choices"
# the flow action that offered the choices outside a form: a typed answer goes back to it
CHOICES_FLOW_SLOT = "transaction_choices_flow"
# intents with a flow of their own: such a message leaves a form unless it is only an answer
SUPPORT_TOPICS = frozenset(SUPPORT_INTENTS) - {"complain"}
# what is left of a pure answer once its payment words are taken out: 那笔 / 的 / 是 ...
_FILLER = re.compile(
    r"[\s\d.,，。!！?？~～¥￥]|那笔|这笔|那个|这个|哪笔|一笔|那一笔|块钱|块|元|的|是|吧|呢|啊|呀|就|嗯|钱"
    r"|the|one|that|this|payment|please"
)
LEFTOVER_OF_AN_ANSWER = 4  # characters


def payment_title(transaction: Transaction, language: str) -> str:
    """How a payment is named on a button and back to the customer: time, merchant, amount."""
    when, amount = local_time(transaction.created_at, language), yuan(transaction.amount_fen)
    return f"{when} {transaction.payee} {amount}"


def payment_button(transaction: Transaction, language: str, intent: str) -> dict[str, str]:
    """A button that names a payment and sends ``intent`` about it."""
    return {
        "title": payment_title(transaction, language),
        "payload": f'/{intent}{{"transaction_id":"{transaction.id}"}}',
    }


def payment_facts(transaction: Transaction, language: str) -> dict[str, str]:
    """The response variables that name a payment back to the customer."""
    return {
        "transaction_id": transaction.id,
        "payee": transaction.payee,
        "amount": yuan(transaction.amount_fen),
        "time": local_time(transaction.created_at, language),
    }


def ask_to_confirm(
    dispatcher: CollectingDispatcher, transaction: Transaction, language: str
) -> None:
    """Names the payment the customer described and asks whether it is the one."""
    # the yes carries the payment's id, like a list's button
    buttons = [
        {
            "title": i18n.text("button.confirm.yes", language),
            "payload": f'/affirm{{"transaction_id":"{transaction.id}"}}',
        },
        {"title": i18n.text("button.confirm.no", language), "payload": "/deny"},
    ]
    dispatcher.utter_message(
        response="utter_confirm_payment", buttons=buttons, **payment_facts(transaction, language)
    )


def say_identified(
    dispatcher: CollectingDispatcher, transaction: Transaction, language: str
) -> None:
    """Names the payment the bot understood, so a wrong guess is caught at once."""
    dispatcher.utter_message(
        response="utter_payment_identified", **payment_facts(transaction, language)
    )


def offer(
    dispatcher: CollectingDispatcher,
    payments: Sequence[Transaction],
    language: str,
    intent: str,
    response: str = "utter_which_of_these",
    flow: Optional[str] = None,
) -> Events:
    """Buttons for the payments (in the given order) and the slots that remember them; ``flow``
    is the action outside a form that a typed answer (``第二个``) goes back to."""
    shown = list(payments)[:MAX_CHOICES]
    buttons = [payment_button(t, language, intent) for t in shown]
    dispatcher.utter_message(response=response, buttons=buttons)
    return [SlotSet(CHOICES_SLOT, [t.id for t in shown]), SlotSet(CHOICES_FLOW_SLOT, flow)]


def say_not_found(
    dispatcher: CollectingDispatcher,
    clues: Clues,
    recent: Sequence[Transaction],
    language: str,
    intent: str,
    flow: Optional[str] = None,
) -> Events:
    """Nothing of theirs fits: say so, and offer their most recent payments instead."""
    if clues.transaction_ids:
        dispatcher.utter_message(
            response="utter_transaction_not_found", transaction_id=clues.transaction_ids[0]
        )
    else:
        dispatcher.utter_message(response="utter_no_matching_payment")
    if not recent:
        return reset_choices()
    return offer(dispatcher, recent, language, intent, response="utter_recent_payments", flow=flow)


def unsettled_answer(
    dispatcher: CollectingDispatcher,
    clues: Clues,
    resolution: Resolution,
    payments: Sequence[Transaction],
    language: str,
    intent: str,
    flow: str,
) -> Optional[Events]:
    """What a flow outside a form says when the words do not settle one payment: several fit
    (offered, likeliest first) or none of theirs does (said, with their recent ones). None
    when one payment fits or no payment was named: the flow goes on."""
    if len(resolution.matches) > 1:
        return offer(
            dispatcher, resolution.matches, language, intent, "utter_several_payments_fit", flow
        )
    if resolution.named and not resolution.matches:
        return say_not_found(dispatcher, clues, payments, language, intent, flow=flow)
    return None


def last_bot_action(tracker: Tracker) -> Optional[str]:
    """The action the bot ran last before the latest message: the question it answers."""
    before_latest = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if before_latest:
                return None
            before_latest = True
        elif before_latest and kind == "action" and event.get("name") != "action_listen":
            return event.get("name")
    return None


def picked_transaction_id(tracker: Tracker, *askers: str) -> Optional[str]:
    """The payment the latest message gives: a button's id, or ``第二个`` / ``2`` answering
    the list that one of ``askers`` (the flow's action or form) offered just before — never
    an older list."""
    given = next(
        (
            e.get("value")
            for e in (tracker.latest_message or {}).get("entities") or []
            if e.get("entity") == "transaction_id" and e.get("value")
        ),
        None,
    )
    if given:
        return str(given).strip().upper()
    if last_bot_action(tracker) not in askers:
        return None
    return chosen_from_list(tracker, (tracker.latest_message or {}).get("text") or "")


async def understand(
    backend: BackendClient,
    customer_id: str,
    tracker: Tracker,
    prefer: Optional[Callable[[Transaction], bool]] = None,
    text: Optional[str] = None,
) -> tuple[Clues, Resolution, list[Transaction]]:
    """The clues of the latest message (or of ``text``), what they resolve to, and the
    customer's payments (empty when the message named none and no history was read)."""
    message = tracker.latest_message or {}
    if text is None:
        clues = read_clues(message.get("text") or "", message.get("entities") or [])
    else:
        clues = read_clues(text)
    resolution, payments = await find_payments(backend, customer_id, clues, prefer=prefer)
    return clues, resolution, payments


def chosen_from_list(tracker: Tracker, text: str) -> Optional[str]:
    """The id a ``第二个`` / ``2`` / ``最后那笔`` picks from the payments offered last."""
    choices = tracker.get_slot(CHOICES_SLOT) or []
    position = ordinal(text, len(choices))
    return choices[position] if position is not None else None


def _leftover(text: str) -> int:
    """Characters of the message that are neither payment words nor filler."""
    plain = normalise(text)
    for phrase, _targets in vocabulary().what:
        plain = plain.replace(phrase, "")
    return len(_FILLER.sub("", plain))


def answer_text(tracker: Tracker, own_intent: str) -> Optional[str]:
    """The latest message, when it answers the payment question of a form; None when it is
    something else (a person asked for, another support topic, a button of another flow).

    An answer is a choice from the list, a yes / no, a cancellation, a correction, or words
    that name a payment (merchant, amount, date, id). A message of another support topic
    (``美团那笔退款到哪了`` during a refund request) is an answer only when nothing but the
    payment words is left in it.
    """
    message = tracker.latest_message or {}
    text = (message.get("text") or "").strip()
    intent = (message.get("intent") or {}).get("name")
    if not text or text.startswith("/") or intent == "request_human":
        return None  # a button sends its own intent and entities
    if chosen_from_list(tracker, text) or yes_or_no(text) is not None or is_cancel(text):
        return text
    # 不是这笔，是京东那笔 corrects the payment; 不对 我是想问付款失败 changes the topic
    named = correction(text) or text
    clues = read_clues(named, message.get("entities") or [])
    if not (clues.names_payment() or clues.loose_amounts_fen or chosen_from_list(tracker, named)):
        return None
    if intent in SUPPORT_TOPICS - {own_intent} and _leftover(named) > LEFTOVER_OF_AN_ANSWER:
        return None
    return text


async def payment_from_answer(
    text: str,
    tracker: Tracker,
    dispatcher: CollectingDispatcher,
    backend: BackendClient,
    customer_id: str,
    prefer: Optional[Callable[[Transaction], bool]] = None,
) -> tuple[Optional[str], dict[str, Any]]:
    """The payment a form's answer names, as (transaction id, slots to set).

    The id is None when the answer does not settle it; then the slots hold the payments to
    offer next (the form's question shows them): the ones that fit, or the recent ones when
    none does (said to the customer here).
    """
    text = text.strip()
    if is_transaction_id(text):
        return text.upper(), {}
    picked = chosen_from_list(tracker, text)
    if picked:
        return picked, {}
    choices = tracker.get_slot(CHOICES_SLOT) or []
    if yes_or_no(text) is True and len(choices) == 1:
        return choices[0], {}
    clues, resolution, payments = await understand(
        backend, customer_id, tracker, prefer, text=correction(text) or text
    )
    if resolution.one:
        return resolution.one.id, {}
    if resolution.matches:
        dispatcher.utter_message(response="utter_several_payments_fit")
        return None, {CHOICES_SLOT: [t.id for t in resolution.matches[:MAX_CHOICES]]}
    if resolution.named:
        if clues.transaction_ids:
            dispatcher.utter_message(
                response="utter_transaction_not_found", transaction_id=clues.transaction_ids[0]
            )
        else:
            dispatcher.utter_message(response="utter_no_matching_payment")
        return None, {CHOICES_SLOT: [t.id for t in payments[:MAX_CHOICES]] or None}
    return None, {}


async def find_by_ids(
    backend: BackendClient, customer_id: str, ids: Sequence[str]
) -> list[Transaction]:
    """The customer's payments with these ids, in that order (another's id is skipped)."""
    found: list[Transaction] = []
    for transaction_id in ids[:MAX_CHOICES]:
        try:
            found.append(await backend.get_transaction(customer_id, transaction_id))
        except NotFound:
            continue
    return found


async def choice_buttons(
    backend: BackendClient, customer_id: str, ids: Sequence[str], language: str, intent: str
) -> list[dict[str, str]]:
    """Buttons for the offered payments, in the order they were offered."""
    payments = await find_by_ids(backend, customer_id, ids)
    return [payment_button(t, language, intent) for t in payments]


def reset_choices() -> list[dict[str, Any]]:
    """Forget the payments offered (a new flow starts)."""
    return [SlotSet(CHOICES_SLOT, None), SlotSet(CHOICES_FLOW_SLOT, None)]


def flow_answered(tracker: Tracker) -> Optional[str]:
    """The flow (outside a form) whose list of payments the latest message answers —
    ``第二个`` / ``2`` / ``京东那笔`` right after it offered them — whatever its intent."""
    flow = tracker.get_slot(CHOICES_FLOW_SLOT)
    if not (flow and tracker.get_slot(CHOICES_SLOT) and last_bot_action(tracker) == flow):
        return None
    message = tracker.latest_message or {}
    text = message.get("text") or ""
    if chosen_from_list(tracker, text):
        return flow
    clues = read_clues(text, message.get("entities") or [])
    return flow if clues.names_payment() or clues.loose_amounts_fen else None


def answered_in_context(tracker: Tracker) -> Optional[str]:
    """The action that goes on with a message the classifier could not place: the flow whose
    list of payments it answers, or the yes / no to "did that solve it?" (换了卡 付成功了)."""
    flow = flow_answered(tracker)
    if flow:
        return flow
    text = (tracker.latest_message or {}).get("text") or ""
    return resolution_followup(bool(tracker.get_slot("awaiting_resolution")), text)


class ActionAnswerInContext(Action):
    """A detail with no question of its own (``inform``): when the bot just offered payments
    outside a form, ``第二个`` / ``2`` / ``京东那笔`` answers that list, and the flow that
    offered it goes on with it; after "did that solve it?", 付成功了 is that answer;
    otherwise the bot asks what the detail is about."""

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_answer_in_context"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """Hands the answer to the flow that asked, or utters the generic prompt."""
        flow = answered_in_context(tracker)
        if flow:
            return [FollowupAction(flow)]
        dispatcher.utter_message(response="utter_inform_without_context")
        return []
