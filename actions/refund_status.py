"""Where is my refund: the customer's refunds, what each status means, when the money arrives.

A refund past its expected date (the backend's ``overdue`` flag) is a promise we broke, so
the conversation goes to a person at once.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.backend_client import BackendClient, NotFound, Refund
from actions.common import AccountAction, Events, entity_value, hand_off
from actions.formatting import local_date, method_label, yuan

MAX_SHOWN = 3

STATUS_TEXT = {
    "submitted": "已提交，等待审核",
    "under_review": "审核中",
    "approved": "审核已通过，正在退回",
    "refunded": "已退回",
    "rejected": "未通过审核",
}


def describe(refund: Refund) -> str:
    """One refund in a line or two: what, status, and when/where the money arrives."""
    method = method_label(
        refund.payment_method.type, refund.payment_method.bank, refund.payment_method.last4
    )
    status = STATUS_TEXT.get(refund.status, refund.status)
    head = f"• {refund.payee} {yuan(refund.amount_fen)}（退款单 {refund.id}）：{status}"
    if refund.status in ("submitted", "under_review"):
        arrival = local_date(refund.expected_arrival_latest) or "审核后"
        return f"{head}，预计 {local_date(refund.review_due_at)} 前审核完，{arrival} 前退回{method}"
    if refund.status == "approved":
        return f"{head}，预计 {local_date(refund.expected_arrival_latest)} 前到账{method}"
    if refund.status == "refunded":
        return f"{head}，已于 {local_date(refund.refunded_at)} 退回{method}"
    if refund.status == "rejected":
        return f"{head}，原因：{refund.rejection_reason or '不符合退款规则'}"
    return head


class ActionCheckRefundStatus(AccountAction):
    """Looks up the customer's refunds and explains each one."""

    general_response = "utter_refund_status_guide"
    checked_data = "您的退款进度"

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
            refunds="\n".join(describe(r) for r in refunds),
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
