"""A payment that did not go through: find it, read why, and walk the right checklist step.

Which payment: the transaction id the customer gave (or the one they pick from the list just
offered: 第二个), else the payment their words describe (京东那笔3299, 订酒店的钱 — the resolver
of actions/resolver.py searches all their payments), else their most recent failed or pending
payment of the last week; with several candidates the customer picks one from buttons. Its
failure code decides which step of eepay's published checklist is the problem:

==================== ===========================================================
INSUFFICIENT_BALANCE balance: the balance against the amount, how to top up
pending              network / processing: still processing, do not pay twice (past its
                     estimate: not normal, a person looks)
NETWORK_TIMEOUT      network: nothing was taken, switch networks and pay again
INVALID_PAYEE        payment information: check payee and amount
LIMIT_EXCEEDED       payment method: the limit actually hit (single or daily), other methods
METHOD_UNAVAILABLE   payment method: expired or frozen, other methods
WRONG_PAY_PASSWORD   payment password: reset it on the secure page
RISK_CONTROL         security check: a person has to verify it, hand off
other                cause unknown (not blamed on risk control): hand off
==================== ===========================================================

Afterwards the bot asks whether that solved it; a no hands the conversation to a person.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import resolution_followup
from actions.clients.payment_backend import BackendClient, NotFound, PaymentMethod, Transaction
from actions.common import AccountAction, Events, ask_if_solved, hand_off
from actions.formatting import local_time, method_label
from actions.i18n import TEXTS, language_of, text
from actions.resolver import read_clues
from actions.transaction_choice import (
    MAX_CHOICES,
    offer,
    picked_transaction_id,
    reset_choices,
    understand,
    unsettled_answer,
)
from service_kit.amounts import yuan
from service_kit.policy import POLICY

# from the published policy (service_kit/policy.yml), which the responses state too
LOOKBACK = timedelta(days=POLICY.payments.diagnosis_lookback_days)
SETTLEMENT_TIME = timedelta(hours=POLICY.payments.pending_result_hours)


def usable_alternatives(
    methods: list[PaymentMethod], transaction: Transaction, exclude_id: Optional[str] = None
) -> list[PaymentMethod]:
    """Active methods other than the failed one that could carry this amount today."""
    return [
        m
        for m in methods
        if m.status == "active"
        and m.id != exclude_id
        and m.single_limit_fen >= transaction.amount_fen
        and m.remaining_today_fen >= transaction.amount_fen
        and (m.available_fen is None or m.available_fen >= transaction.amount_fen)
    ]


def alternatives_text(methods: list[PaymentMethod], language: str) -> str:
    """What else the customer can pay with, as a sentence."""
    if not methods:
        return text("alternatives.none", language)
    separator = text("method.list_separator", language)
    names = separator.join(method_label(m.type, m.bank, m.last4, language) for m in methods)
    return text("alternatives.some", language, names=names)


def resolution_answer(tracker: Tracker) -> Optional[str]:
    """The action for a payment message that answers "did that solve it?": 还是付不了 is a no
    (a person takes over), 换了张卡 付成功了 / used my debit card and it went through a yes
    (the closing), not a new payment to diagnose again — unless it names another payment."""
    if not tracker.get_slot("awaiting_resolution"):
        return None  # nothing asked: no need to read the message's clues
    message = tracker.latest_message or {}
    text = message.get("text") or ""
    if read_clues(text, message.get("entities") or []).names_payment():
        return None
    return resolution_followup(True, text)


def unsettled(transaction: Transaction) -> bool:
    """The failure flow leans to payments that did not go through (a tie-breaker only)."""
    return transaction.status in ("failed", "pending")


class ActionDiagnosePaymentFailure(AccountAction):
    """Finds the failed payment and explains, from the customer's data, what went wrong."""

    general_response = "utter_payment_failed_checklist"
    checked_data = "checked.payments"

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_diagnose_payment_failure"

    async def run_anonymous(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """The published checklist, an invitation to log in, and the usual follow-up."""
        answer = resolution_answer(tracker)
        if answer:
            return [FollowupAction(answer)]
        await super().run_anonymous(dispatcher, tracker, domain)
        return ask_if_solved(dispatcher)

    async def run_for_customer(
        self,
        customer_id: str,
        backend: BackendClient,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> Events:
        """Picks the payment the customer means (id, a choice from the list just offered, or
        their description: 京东那笔3299), then diagnoses it."""
        answer = resolution_answer(tracker)
        if answer:
            return [FollowupAction(answer)]
        language = language_of(tracker)
        transaction_id = picked_transaction_id(tracker, self.name())
        if transaction_id:
            try:
                transaction = await backend.get_transaction(customer_id, transaction_id)
            except NotFound:
                dispatcher.utter_message(
                    response="utter_transaction_not_found", transaction_id=transaction_id
                )
                return await self._offer_recent(customer_id, backend, dispatcher, language)
            return [
                *reset_choices(),
                *await diagnose(transaction, customer_id, backend, dispatcher, language),
            ]

        clues, resolution, payments = await understand(
            backend, customer_id, tracker, prefer=unsettled
        )
        unsettled_events = unsettled_answer(
            dispatcher, clues, resolution, payments, language, "payment_failed", self.name()
        )
        if unsettled_events is not None:
            return unsettled_events
        if resolution.one:
            return [
                *reset_choices(),
                *await diagnose(resolution.one, customer_id, backend, dispatcher, language),
            ]

        page = await backend.list_transactions(
            customer_id,
            status=["failed", "pending"],
            since=datetime.now(timezone.utc) - LOOKBACK,
            limit=MAX_CHOICES,
        )
        if len(page.items) == 1:
            return [
                *reset_choices(),
                *await diagnose(page.items[0], customer_id, backend, dispatcher, language),
            ]
        if not page.items:
            dispatcher.utter_message(response="utter_no_failed_payment_found")
            dispatcher.utter_message(response="utter_payment_failed_checklist")
            return [*reset_choices(), *ask_if_solved(dispatcher)]
        return offer(
            dispatcher, page.items, language, "payment_failed", "utter_which_payment", self.name()
        )

    async def _offer_recent(
        self,
        customer_id: str,
        backend: BackendClient,
        dispatcher: CollectingDispatcher,
        language: str,
    ) -> Events:
        page = await backend.list_transactions(
            customer_id,
            status=["failed", "pending"],
            since=datetime.now(timezone.utc) - LOOKBACK,
            limit=MAX_CHOICES,
        )
        events: Events = [SlotSet("transaction_id", None)]
        if page.items:
            return [
                *events,
                *offer(
                    dispatcher,
                    page.items,
                    language,
                    "payment_failed",
                    "utter_which_payment",
                    self.name(),
                ),
            ]
        return [*events, *reset_choices()]


async def diagnose(
    transaction: Transaction,
    customer_id: str,
    backend: BackendClient,
    dispatcher: CollectingDispatcher,
    language: str,
) -> Events:
    """What went wrong with one payment, from the customer's data (or that nothing did: it
    went through, was refunded, or is still processing). Other flows use it too: a payment
    a customer asks to refund or dispute may simply still be processing."""
    facts = {
        "transaction_id": transaction.id,
        "payee": transaction.payee,
        "amount": yuan(transaction.amount_fen),
        "time": local_time(transaction.created_at, language),
        "method": method_label(
            transaction.payment_method.type,
            transaction.payment_method.bank,
            transaction.payment_method.last4,
            language,
        ),
    }
    code = transaction.failure_code or ""
    events: Events = [SlotSet("transaction_id", transaction.id)]

    if transaction.status == "success":
        dispatcher.utter_message(response="utter_payment_actually_succeeded", **facts)
        return [*events, SlotSet("diagnosis", "payment succeeded")]
    if transaction.status in ("refunded", "partially_refunded"):
        dispatcher.utter_message(response="utter_payment_was_refunded", **facts)
        return [*events, SlotSet("diagnosis", f"payment {transaction.status}")]

    if transaction.status == "pending":
        # a pending payment has its result within the policy's hours of being made
        settles_at = transaction.settles_by or transaction.created_at + SETTLEMENT_TIME
        settles = local_time(settles_at, language)
        if settles_at < datetime.now(timezone.utc):
            # "it will settle before" a time already past would be wrong: a person looks
            dispatcher.utter_message(
                response="utter_diagnosis_pending_overdue", settles_by=settles, **facts
            )
            diagnosis = f"pending ({code or 'processing'}) past its estimate {settles}"
            return [*events, SlotSet("diagnosis", diagnosis), *hand_off("payment_pending_overdue")]
        dispatcher.utter_message(response="utter_diagnosis_pending", settles_by=settles, **facts)
        diagnosis = f"pending ({code or 'processing'}), settles by {settles}"
        return [*events, SlotSet("diagnosis", diagnosis), *ask_if_solved(dispatcher)]

    if code == "INSUFFICIENT_BALANCE":
        customer = await backend.get_customer(customer_id)
        methods = await backend.list_payment_methods(customer_id)
        balance_method = next((m.id for m in methods if m.type == "balance"), None)
        others = usable_alternatives(methods, transaction, exclude_id=balance_method)
        shortfall = max(transaction.amount_fen - customer.balance_fen, 0)
        dispatcher.utter_message(
            response="utter_diagnosis_insufficient_balance",
            balance=yuan(customer.balance_fen),
            shortfall=yuan(shortfall),
            alternatives=alternatives_text(others, language),
            **facts,
        )
        diagnosis = (
            f"INSUFFICIENT_BALANCE: balance {yuan(customer.balance_fen)} "
            f"< amount {yuan(transaction.amount_fen)}"
        )
        return [*events, SlotSet("diagnosis", diagnosis), *ask_if_solved(dispatcher)]

    if code in ("LIMIT_EXCEEDED", "METHOD_UNAVAILABLE"):
        methods = await backend.list_payment_methods(customer_id)
        used = next((m for m in methods if m.id == transaction.payment_method.id), None)
        others = usable_alternatives(methods, transaction, exclude_id=transaction.payment_method.id)
        if code == "LIMIT_EXCEEDED" and used is not None:
            # name the limit actually hit: within the single limit, it was the daily one
            single = transaction.amount_fen > used.single_limit_fen
            dispatcher.utter_message(
                response="utter_diagnosis_limit_exceeded"
                if single
                else "utter_diagnosis_daily_limit_exceeded",
                single_limit=yuan(used.single_limit_fen),
                daily_limit=yuan(used.daily_limit_fen),
                used_today=yuan(used.used_today_fen),
                alternatives=alternatives_text(others, language),
                **facts,
            )
            limit = (
                f"single limit {yuan(used.single_limit_fen)}"
                if single
                else f"daily limit {yuan(used.daily_limit_fen)}"
            )
            diagnosis = (
                f"LIMIT_EXCEEDED: amount {yuan(transaction.amount_fen)} over the {limit} "
                f"(used today {yuan(used.used_today_fen)} of {yuan(used.daily_limit_fen)})"
            )
        else:
            status_key = f"method_status.{used.status if used else 'unknown'}"
            if status_key not in TEXTS:
                status_key = "method_status.unknown"
            status = text(status_key, language)
            dispatcher.utter_message(
                response="utter_diagnosis_method_unavailable",
                method_status=status,
                alternatives=alternatives_text(others, language),
                **facts,
            )
            diagnosis = f"METHOD_UNAVAILABLE: {facts['method']} {used.status if used else '?'}"
        return [*events, SlotSet("diagnosis", diagnosis), *ask_if_solved(dispatcher)]

    if code == "INVALID_PAYEE":
        dispatcher.utter_message(response="utter_diagnosis_invalid_payee", **facts)
        return [*events, SlotSet("diagnosis", "INVALID_PAYEE"), *ask_if_solved(dispatcher)]

    if code == "WRONG_PAY_PASSWORD":
        dispatcher.utter_message(response="utter_diagnosis_wrong_pay_password", **facts)
        return [*events, SlotSet("diagnosis", "WRONG_PAY_PASSWORD"), *ask_if_solved(dispatcher)]

    if code == "NETWORK_TIMEOUT":
        # a timeout is the network's, not a security check: nothing was taken, pay again
        dispatcher.utter_message(response="utter_diagnosis_network_timeout", **facts)
        return [*events, SlotSet("diagnosis", "NETWORK_TIMEOUT"), *ask_if_solved(dispatcher)]

    if code == "RISK_CONTROL":
        dispatcher.utter_message(response="utter_diagnosis_needs_agent", **facts)
        return [*events, SlotSet("diagnosis", code), *hand_off("risk_control")]

    # a code we do not know: a person looks, without blaming the risk checks
    dispatcher.utter_message(response="utter_diagnosis_unknown_failure", **facts)
    diagnosis = f"unknown failure code {code}" if code else "failed without a code"
    return [*events, SlotSet("diagnosis", diagnosis), *hand_off("unresolved_checklist")]
