"""Where is my refund: the customer's refunds, what each status means, when the money arrives.

A refund past its expected date (the backend's ``overdue`` flag) is a promise we broke, so
the conversation goes to a person at once.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clients.payment_backend import BackendClient, NotFound, Refund
from actions.common import AccountAction, Events, entity_value, hand_off
from actions.formatting import local_date, method_label, yuan
from actions.i18n import TEXTS, language_of, text

MAX_SHOWN = 3


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
        """Explains the refunds (of one payment when the customer named it)."""
        transaction_id = entity_value(tracker, "transaction_id")
        try:
            page = await backend.list_refunds(
                customer_id, transaction_id=transaction_id, limit=MAX_SHOWN
            )
        except NotFound:
            page = None
        refunds = page.items if page else []
        if not refunds:
            dispatcher.utter_message(response="utter_no_refunds_found")
            dispatcher.utter_message(response="utter_refund_status_guide")
            return []
        overdue = [r for r in refunds if r.overdue]
        dispatcher.utter_message(
            response="utter_refund_status_list",
            refunds="\n".join(describe(r, language_of(tracker)) for r in refunds),
        )
        if overdue:
            late = overdue[0]
            dispatcher.utter_message(
                response="utter_refund_overdue", refund_id=late.id, amount=yuan(late.amount_fen)
            )
            diagnosis = f"refund {late.id} overdue ({late.status})"
            return [
                SlotSet("transaction_id", late.transaction_id),
                SlotSet("diagnosis", diagnosis),
                *hand_off("refund_overdue"),
            ]
        diagnosis = "; ".join(f"{r.id} {r.status}" for r in refunds)
        return [SlotSet("diagnosis", f"refunds: {diagnosis}")]
