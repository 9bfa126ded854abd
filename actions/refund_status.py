"""Where is my refund: the customer's refunds, what each status means, when the money arrives.

The refunds of one payment when the customer names it (盒马那个退款, its id, or a choice from
the list offered just before), else their latest ones. A named payment without a refund gets
its own state instead: one still processing or failed took no money.

A refund past its expected date (the backend's ``overdue`` flag) is a promise we broke, so
the conversation goes to a person at once.
"""

from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clients.payment_backend import BackendClient, NotFound, Refund, Transaction
from actions.common import AccountAction, Events, hand_off
from actions.formatting import local_date, method_label
from actions.i18n import TEXTS, language_of, text
from actions.payment_failed import diagnose
from actions.transaction_choice import (
    payment_facts,
    picked_transaction_id,
    reset_choices,
    understand,
    unsettled_answer,
)
from service_kit.amounts import yuan

MAX_SHOWN = 3


def has_refund(transaction: Transaction) -> bool:
    """The status flow leans to payments with a refund done or under way (a tie-breaker)."""
    return bool(transaction.refunded_fen or transaction.refund_in_progress_fen)


def describe(refund: Refund, language: str) -> str:
    """One refund in a line or two: what, status, and when/where the money arrives."""
    method = method_label(
        refund.payment_method.type,
        refund.payment_method.bank,
        refund.payment_method.last4,
        language,
    )
    status_key = f"refund_status.{refund.status}"
    status = text(status_key, language) if status_key in TEXTS else refund.status
    line = text(
        "refund_line.head",
        language,
        payee=refund.payee,
        amount=yuan(refund.amount_fen),
        refund_id=refund.id,
        status=status,
    )
    if refund.status in ("submitted", "under_review"):
        arrival = local_date(refund.expected_arrival_latest, language) or text(
            "refund_line.after_review", language
        )
        review_due = local_date(refund.review_due_at, language)
        return line + text(
            "refund_line.reviewing", language, review_due=review_due, arrival=arrival, method=method
        )
    if refund.status == "approved":
        arrival = local_date(refund.expected_arrival_latest, language)
        return line + text("refund_line.approved", language, arrival=arrival, method=method)
    if refund.status == "refunded":
        date = local_date(refund.refunded_at, language)
        return line + text("refund_line.refunded", language, date=date, method=method)
    if refund.status == "rejected":
        reason = refund.rejection_reason or text("refusal.other", language)
        return line + text("refund_line.rejected", language, reason=reason)
    return line


class ActionCheckRefundStatus(AccountAction):
    """Looks up the customer's refunds and explains each one."""

    general_response = "utter_refund_status_guide"
    checked_data = "checked.refunds"

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_check_refund_status"

    async def run_for_customer(
        self,
        customer_id: str,
        backend: BackendClient,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> Events:
        """Explains the refunds (of one payment when the customer named it: by id, by a choice
        from the list just offered, or by description such as 盒马那个退款)."""
        language = language_of(tracker)
        named: Optional[Transaction] = None
        transaction_id = picked_transaction_id(tracker, self.name())
        if not transaction_id:
            clues, resolution, payments = await understand(
                backend, customer_id, tracker, prefer=has_refund
            )
            refunded = [t for t in resolution.matches if has_refund(t)]
            if resolution.one or len(refunded) == 1:
                named = resolution.one or refunded[0]
                transaction_id = named.id
            else:
                unsettled_events = unsettled_answer(
                    dispatcher, clues, resolution, payments, language, "refund_status", self.name()
                )
                if unsettled_events is not None:
                    return unsettled_events
        try:
            page = await backend.list_refunds(
                customer_id, transaction_id=transaction_id, limit=MAX_SHOWN
            )
        except NotFound:
            page = None
        refunds = page.items if page else []
        if not refunds and transaction_id:
            return [
                *reset_choices(),
                *await self._no_refund_for(
                    named, transaction_id, customer_id, backend, dispatcher, language
                ),
            ]
        if not refunds:
            dispatcher.utter_message(response="utter_no_refunds_found")
            dispatcher.utter_message(response="utter_refund_status_guide")
            return reset_choices()
        overdue = [r for r in refunds if r.overdue]
        dispatcher.utter_message(
            response="utter_refund_status_list",
            refunds="\n".join(describe(r, language) for r in refunds),
        )
        if overdue:
            late = overdue[0]
            dispatcher.utter_message(
                response="utter_refund_overdue", refund_id=late.id, amount=yuan(late.amount_fen)
            )
            diagnosis = f"refund {late.id} overdue ({late.status})"
            return [
                *reset_choices(),
                SlotSet("transaction_id", late.transaction_id),
                SlotSet("diagnosis", diagnosis),
                *hand_off("refund_overdue"),
            ]
        diagnosis = "; ".join(f"{r.id} {r.status}" for r in refunds)
        return [*reset_choices(), SlotSet("diagnosis", f"refunds: {diagnosis}")]

    async def _no_refund_for(
        self,
        named: Optional[Transaction],
        transaction_id: str,
        customer_id: str,
        backend: BackendClient,
        dispatcher: CollectingDispatcher,
        language: str,
    ) -> Events:
        """A payment without a refund: what state it is in (a payment still processing or
        that failed took no money, so that is the answer), never someone else's."""
        try:
            transaction = named or await backend.get_transaction(customer_id, transaction_id)
        except NotFound:
            dispatcher.utter_message(
                response="utter_transaction_not_found", transaction_id=transaction_id
            )
            return []
        if transaction.status in ("pending", "failed"):
            return await diagnose(transaction, customer_id, backend, dispatcher, language)
        dispatcher.utter_message(
            response="utter_no_refund_for_payment", **payment_facts(transaction, language)
        )
        return [SlotSet("transaction_id", transaction.id)]
