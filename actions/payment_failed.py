"""A payment that did not go through: find it, read why, and walk the right checklist step.

Which payment: the transaction id the customer gave, else their most recent failed or pending
payment of the last week; with several candidates the customer picks one from buttons. Its
failure code decides which step of eepay's published checklist is the problem:

==================== ===========================================================
INSUFFICIENT_BALANCE balance: the balance against the amount, how to top up
pending              network / processing: still processing, do not pay twice
INVALID_PAYEE        payment information: check payee and amount
LIMIT_EXCEEDED       payment method: its limit and today's usage, other methods
METHOD_UNAVAILABLE   payment method: expired or frozen, other methods
WRONG_PAY_PASSWORD   payment password: reset it on the secure page
RISK_CONTROL, other  a person has to look: hand off
==================== ===========================================================

Afterwards the bot asks whether that solved it; a no hands the conversation to a person.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clients.payment_backend import BackendClient, NotFound, PaymentMethod, Transaction
from actions.common import AccountAction, Events, ask_if_solved, entity_value, hand_off
from actions.formatting import local_time, method_label, yuan
from actions.i18n import TEXTS, language_of, text

LOOKBACK = timedelta(days=7)
SETTLEMENT_TIME = timedelta(hours=2)
MAX_CHOICES = 5


def transaction_button(
    transaction: Transaction, language: str, intent: str = "payment_failed"
) -> dict[str, str]:
    """A button that names a payment and re-asks ``intent`` about it."""
    when, amount = local_time(transaction.created_at, language), yuan(transaction.amount_fen)
    title = f"{when} {transaction.payee} {amount}"
    return {"title": title, "payload": f'/{intent}{{"transaction_id":"{transaction.id}"}}'}


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
        """Picks the payment, then diagnoses it."""
        language = language_of(tracker)
        transaction_id = entity_value(tracker, "transaction_id")
        if transaction_id:
            try:
                transaction = await backend.get_transaction(customer_id, transaction_id)
            except NotFound:
                dispatcher.utter_message(
                    response="utter_transaction_not_found", transaction_id=transaction_id
                )
                return await self._offer_recent(customer_id, backend, dispatcher, language)
            return await self._diagnose(transaction, customer_id, backend, dispatcher, language)

        page = await backend.list_transactions(
            customer_id,
            status=["failed", "pending"],
            since=datetime.now(timezone.utc) - LOOKBACK,
            limit=MAX_CHOICES,
        )
        if len(page.items) == 1:
            return await self._diagnose(page.items[0], customer_id, backend, dispatcher, language)
        if not page.items:
            dispatcher.utter_message(response="utter_no_failed_payment_found")
            dispatcher.utter_message(response="utter_payment_failed_checklist")
            return ask_if_solved(dispatcher)
        dispatcher.utter_message(
            response="utter_which_payment",
            buttons=[transaction_button(t, language) for t in page.items],
        )
        return []

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
        if page.items:
            dispatcher.utter_message(
                response="utter_which_payment",
                buttons=[transaction_button(t, language) for t in page.items],
            )
        return [SlotSet("transaction_id", None)]

    async def _diagnose(
        self,
        transaction: Transaction,
        customer_id: str,
        backend: BackendClient,
        dispatcher: CollectingDispatcher,
        language: str,
    ) -> Events:
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
            # a pending payment settles within two hours of being made
            settles_at = transaction.settles_by or transaction.created_at + SETTLEMENT_TIME
            settles = local_time(settles_at, language)
            dispatcher.utter_message(
                response="utter_diagnosis_pending", settles_by=settles, **facts
            )
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
            others = usable_alternatives(
                methods, transaction, exclude_id=transaction.payment_method.id
            )
            if code == "LIMIT_EXCEEDED" and used is not None:
                dispatcher.utter_message(
                    response="utter_diagnosis_limit_exceeded",
                    single_limit=yuan(used.single_limit_fen),
                    daily_limit=yuan(used.daily_limit_fen),
                    used_today=yuan(used.used_today_fen),
                    alternatives=alternatives_text(others, language),
                    **facts,
                )
                diagnosis = (
                    f"LIMIT_EXCEEDED: amount {yuan(transaction.amount_fen)} > single limit "
                    f"{yuan(used.single_limit_fen)} (used today {yuan(used.used_today_fen)} "
                    f"of {yuan(used.daily_limit_fen)})"
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

        # RISK_CONTROL, NETWORK_TIMEOUT on a failed payment, or a code we do not know
        dispatcher.utter_message(response="utter_diagnosis_needs_agent", **facts)
        reason = "risk_control" if code == "RISK_CONTROL" else "unresolved_checklist"
        return [*events, SlotSet("diagnosis", code or "unknown failure"), *hand_off(reason)]
