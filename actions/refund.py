"""Asking for a refund: pick the payment, check the policy, collect a reason, confirm, submit.

A verified customer goes through ``refund_form``: the payment (named in their own words —
外卖那笔, 点卡那笔268的, 第二个, 不是这笔，是京东那笔 — and resolved against all their payments by
actions/resolver.py, or picked from buttons of their refundable payments; a refused one is
explained with the policy reason), the reason, and a confirmation
that states the amount, the route back and when the money arrives. The submission carries an
idempotency key tied to this request, so a retried action never files a second refund.
Anonymous customers get the published refund steps and an invitation to log in. Every step
acts only for the customer who started the request, on a turn that carries their token; a turn
without it stops the form (``AccountFormValidation``) and files nothing.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import correction, is_cancel, yes_or_no
from actions.clients.payment_backend import (
    BackendClient,
    NotEligible,
    NotFound,
    RefundEligibility,
    Transaction,
    conversation,
    get_backend_client,
)
from actions.common import AccountAction, AccountFormValidation, Events, entity_value
from actions.feedback import goodbye_if_said
from actions.formatting import local_date, method_label
from actions.i18n import TEXTS, language_of, text
from actions.identity import flow_customer_id
from actions.resolver import fen_of, is_transaction_id
from actions.transaction_choice import (
    CHOICES_SLOT,
    MAX_CHOICES,
    answer_text,
    choice_buttons,
    payment_button,
    payment_from_answer,
    picked_transaction_id,
    say_identified,
    understand,
)
from service_kit.amounts import yuan
from service_kit.policy import POLICY, day_span

FORM_SLOTS = (
    "refund_transaction_id",
    "refund_reason",
    "refund_confirmed",
    "refund_cancelled",
    "refund_amount_fen",
    "refund_amount_text",
    "refund_payee",
    "refund_arrival",
    "refund_request_id",
    CHOICES_SLOT,
)
CANCEL_PHRASES = (
    "算了", "不用了", "不退了", "先不退", "取消", "不要退", "不申请了",
    "cancel", "never mind", "nevermind", "forget it", "no refund",
)  # fmt: skip


def refusal_text(eligibility: RefundEligibility, language: str) -> str:
    """Why a refund is refused, in the customer's words; with the deadline when it passed."""
    reason = refusal_for_code(eligibility.reason_code, language)
    if eligibility.reason_code == "REFUND_WINDOW_EXPIRED" and eligibility.refund_deadline_at:
        deadline = local_date(eligibility.refund_deadline_at, language)
        reason += text("refusal.deadline", language, date=deadline)
    return reason


def refusal_for_code(code: str | None, language: str) -> str:
    """The policy reason behind a refusal code, as the customer should hear it."""
    key = f"refusal.{code}"
    return text(key if key in TEXTS else "refusal.other", language)


def arrival_text(eligibility: RefundEligibility, language: str) -> str:
    """Where the money goes back to and when."""
    method = eligibility.payment_method
    key = f"arrival.{method.type}"
    if key not in TEXTS:
        return text("refund.route", language)
    label = method_label(method.type, method.bank, method.last4, language)
    # every method with an arrival text has its days in the policy (the policy file is strict)
    days = day_span(POLICY.refunds.arrival_working_days[method.type])
    return text(key, language, method=label, days=days)


def refundable_status(transaction: Transaction) -> bool:
    """The refund flow leans to payments that took money (a tie-breaker only)."""
    return transaction.status in ("success", "partially_refunded")


def requested_amount_fen(tracker: Tracker) -> Optional[int]:
    """The amount the customer asked back (退50块), in fen, if they named one."""
    value = entity_value(tracker, "amount")
    return None if value is None else fen_of(value)


def idempotency_key(tracker: Tracker, transaction_id: str, amount_fen: Optional[int]) -> str:
    """One key per refund request of this conversation: retries of the submission reuse it."""
    request_id = tracker.get_slot("refund_request_id") or ""
    material = f"{tracker.sender_id}:{request_id}:{transaction_id}:{amount_fen or 'all'}"
    return hashlib.sha256(material.encode()).hexdigest()[:40]


def _said_no(tracker: Tracker, answer: str) -> bool:
    """A plain no or 算了 classified as deny: the form's cancel rule answers it."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    return intent == "deny" and (yes_or_no(answer) is False or is_cancel(answer))


def reset_form_slots() -> Events:
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


class ActionStartRefund(AccountAction):
    """Starts ``refund_form`` for a verified customer who has something to refund."""

    general_response = "utter_request_refund_guide"
    checked_data = "checked.refundable"

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_start_refund"

    async def run_for_customer(
        self,
        customer_id: str,
        backend: BackendClient,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> Events:
        """Prefills the payment the customer named, or lists what can be refunded."""
        start = [
            *reset_form_slots(),
            SlotSet("refund_request_id", uuid.uuid4().hex),
            SlotSet("refund_amount_fen", requested_amount_fen(tracker)),
        ]
        # a button's id, or 第二个 answering the list the form showed just before
        transaction_id = picked_transaction_id(tracker, "refund_form")
        if not transaction_id:
            # 点卡那笔 / 外卖那笔: every payment of theirs, refundable or not, so that a refused
            # one hears the policy reason
            _clues, resolution, _payments = await understand(
                backend, customer_id, tracker, prefer=refundable_status
            )
            if resolution.one:
                # the form's validation resolves the customer's words again and names the
                # payment back to them (a wrong guess shows at once)
                transaction_id = (tracker.latest_message or {}).get("text") or resolution.one.id
            elif resolution.matches:
                dispatcher.utter_message(response="utter_several_payments_fit")
                ids = [t.id for t in resolution.matches[:MAX_CHOICES]]
                return [*start, SlotSet(CHOICES_SLOT, ids), SlotSet("flow_next", "refund_form")]
            elif resolution.named:
                dispatcher.utter_message(response="utter_no_matching_payment")
        if transaction_id:
            # the form validates it on activation, with the policy reason if refused
            return [
                *start,
                SlotSet("refund_transaction_id", transaction_id),
                SlotSet("flow_next", "refund_form"),
            ]
        page = await backend.list_transactions(customer_id, refundable=True, limit=MAX_CHOICES)
        if not page.items:
            dispatcher.utter_message(response="utter_no_refundable_transactions")
            return []
        return [*start, SlotSet("flow_next", "refund_form")]


class ActionAskRefundTransactionId(Action):
    """Asks which payment to refund, offering the customer's refundable payments."""

    def name(self) -> str:
        """Called by refund_form to ask for refund_transaction_id."""
        return "action_ask_refund_transaction_id"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """Utters the question with the payments that fit the customer's words, else one
        button per refundable payment; remembers them so that 第二个 can answer."""
        customer_id = flow_customer_id(tracker)
        language = language_of(tracker)
        if not customer_id:
            dispatcher.utter_message(response="utter_ask_refund_transaction_id", buttons=[])
            return []
        offered = tracker.get_slot(CHOICES_SLOT) or []
        backend = get_backend_client()
        with conversation(tracker.sender_id):
            if offered:
                buttons = await choice_buttons(backend, customer_id, offered, language, "inform")
                dispatcher.utter_message(response="utter_which_of_these", buttons=buttons)
                return []
            page = await backend.list_transactions(customer_id, refundable=True, limit=MAX_CHOICES)
        buttons = [payment_button(t, language, "inform") for t in page.items]
        dispatcher.utter_message(response="utter_ask_refund_transaction_id", buttons=buttons)
        return [SlotSet(CHOICES_SLOT, [t.id for t in page.items] or None)]


class ActionAskRefundConfirmed(Action):
    """States what will be refunded, where to and when, and asks to confirm."""

    def name(self) -> str:
        """Called by refund_form to ask for refund_confirmed."""
        return "action_ask_refund_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """Utters the confirmation question with the facts of the refund."""
        dispatcher.utter_message(
            response="utter_ask_refund_confirmed",
            amount=tracker.get_slot("refund_amount_text") or "",
            payee=tracker.get_slot("refund_payee") or "",
            transaction_id=tracker.get_slot("refund_transaction_id") or "",
            arrival=tracker.get_slot("refund_arrival")
            or text("refund.route", language_of(tracker)),
        )
        return []


class ValidateRefundForm(AccountFormValidation):
    """Checks the payment against the refund policy, the reason, and cancellation."""

    left_slot = "refund_cancelled"

    def name(self) -> str:
        """Validation action of refund_form."""
        return "validate_refund_form"

    async def extract_refund_transaction_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The customer's words answer "which payment?" (外卖那笔, 第二个, 268的), whatever
        intent they were given; validation resolves them. A button's id comes by its entity."""
        if tracker.get_slot("requested_slot") != "refund_transaction_id" or entity_value(
            tracker, "transaction_id"
        ):
            return {}
        answer = answer_text(tracker, "request_refund")
        if answer is None or (_said_no(tracker, answer)):
            return {}  # another topic, or a no / 算了 the cancel rule handles
        return {"refund_transaction_id": answer}

    async def extract_refund_reason(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """不是这笔，是京东那笔 while asked for the reason changes the payment instead."""
        if tracker.get_slot("requested_slot") != "refund_reason":
            return {}
        rest = correction((tracker.latest_message or {}).get("text") or "")
        if not rest:
            return {}
        return {"refund_transaction_id": rest, "refund_reason": None}

    async def extract_refund_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """At "shall I submit?": 是 / 对 / 不是 answer whatever intent they were given; a
        correction or another payment's name (not another topic about it) changes the
        payment."""
        if tracker.get_slot("requested_slot") != "refund_confirmed":
            return {}
        answer = answer_text(tracker, "request_refund")
        if answer is None:
            return {}
        said = yes_or_no(answer)
        if said is None and is_cancel(answer):
            said = False
        if said is not None:
            return {"refund_confirmed": said}
        return {"refund_transaction_id": answer, "refund_confirmed": None}

    async def validate_refund_transaction_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accepts a payment of this customer that the policy allows to refund."""
        customer_id = flow_customer_id(tracker)
        answer = str(value or "").strip()
        if not customer_id or not answer:  # a reset, not an answer
            return {"refund_transaction_id": None}
        if not is_transaction_id(answer) and is_cancel(answer):
            return {"refund_transaction_id": None, "refund_cancelled": True}
        # an amount asked for (退50块) is for the payment of the request's first answer; once
        # a payment was accepted, another one (不是这笔，是京东那笔) is refunded in full
        amount_fen = (
            None if tracker.get_slot("refund_payee") else tracker.get_slot("refund_amount_fen")
        )
        backend = get_backend_client()
        with conversation(tracker.sender_id):
            transaction_id, offered = await payment_from_answer(
                answer, tracker, dispatcher, backend, customer_id, prefer=refundable_status
            )
        if transaction_id is None:
            return {"refund_transaction_id": None, **offered}
        try:
            with conversation(tracker.sender_id):
                eligibility = await backend.check_refund_eligibility(
                    customer_id, transaction_id, amount_fen
                )
                transaction = await backend.get_transaction(customer_id, transaction_id)
        except NotFound:
            dispatcher.utter_message(
                response="utter_transaction_not_found", transaction_id=transaction_id
            )
            return {"refund_transaction_id": None}
        if not eligibility.eligible:
            dispatcher.utter_message(
                response="utter_refund_not_eligible",
                payee=transaction.payee,
                amount=yuan(transaction.amount_fen),
                reason=refusal_text(eligibility, language_of(tracker)),
            )
            return {"refund_transaction_id": None, "refund_amount_fen": None}
        refund_fen = eligibility.requested_fen or eligibility.refundable_fen
        if not is_transaction_id(answer):
            # named by description: say which payment that is, so a wrong guess shows at once
            say_identified(dispatcher, transaction, language_of(tracker))
        return {
            CHOICES_SLOT: None,
            "refund_transaction_id": transaction_id,
            "refund_amount_fen": refund_fen,
            "refund_amount_text": yuan(refund_fen),
            "refund_payee": transaction.payee,
            "refund_arrival": arrival_text(eligibility, language_of(tracker)),
            "diagnosis": f"refund eligible: {yuan(refund_fen)} of {transaction_id}",
        }

    async def validate_refund_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Any short text is a reason; 算了 / 取消 cancels the request."""
        if value is None:  # a reset, not an answer
            return {"refund_reason": None}
        reason = str(value).strip()
        if any(phrase in reason for phrase in CANCEL_PHRASES) and len(reason) <= 12:
            return {"refund_reason": None, "refund_cancelled": True}
        if len(reason) < 2 or reason.startswith("/"):
            dispatcher.utter_message(response="utter_refund_reason_too_short")
            return {"refund_reason": None}
        return {"refund_reason": reason[:200]}

    async def validate_refund_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes submits, no cancels."""
        if value is None:  # a reset, not an answer
            return {"refund_confirmed": None}
        if value is False:
            return {"refund_confirmed": False, "refund_cancelled": True}
        return {"refund_confirmed": bool(value)}


class ActionSubmitRefund(Action):
    """Submits the confirmed refund and says when and where the money comes back."""

    def name(self) -> str:
        """Runs when refund_form is complete."""
        return "action_submit_refund"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """Files the refund with the request's idempotency key."""
        customer_id = flow_customer_id(tracker)
        transaction_id = tracker.get_slot("refund_transaction_id")
        if customer_id is None:  # the form stopped: this turn is not its customer's
            dispatcher.utter_message(response="utter_login_to_continue")
            return reset_form_slots()
        if tracker.get_slot("refund_cancelled") or not tracker.get_slot("refund_confirmed"):
            dispatcher.utter_message(response="utter_refund_cancelled")
            return [*reset_form_slots(), *goodbye_if_said(dispatcher, tracker)]
        if not transaction_id:
            dispatcher.utter_message(response="utter_request_refund_guide")
            return reset_form_slots()
        amount_fen = tracker.get_slot("refund_amount_fen")
        backend = get_backend_client()
        try:
            with conversation(tracker.sender_id):
                refund = await backend.submit_refund(
                    customer_id,
                    transaction_id,
                    tracker.get_slot("refund_reason") or text("refund.default_reason", "en"),
                    amount_fen=amount_fen,
                    idempotency_key=idempotency_key(tracker, transaction_id, amount_fen),
                )
        except NotEligible as error:
            reason = refusal_for_code(error.code, language_of(tracker))
            dispatcher.utter_message(
                response="utter_refund_not_eligible",
                payee=tracker.get_slot("refund_payee") or "",
                amount=tracker.get_slot("refund_amount_text") or "",
                reason=reason,
            )
            return reset_form_slots()
        dispatcher.utter_message(
            response="utter_refund_submitted",
            refund_id=refund.id,
            amount=yuan(refund.amount_fen),
            review_due=local_date(refund.review_due_at, language_of(tracker)),
            arrival=tracker.get_slot("refund_arrival")
            or text("refund.route", language_of(tracker)),
            arrival_by=local_date(
                refund.expected_arrival_latest or refund.review_due_at, language_of(tracker)
            ),
        )
        return [
            *reset_form_slots(),
            SlotSet("diagnosis", f"refund {refund.id} submitted for {transaction_id}"),
        ]
