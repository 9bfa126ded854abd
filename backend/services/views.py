"""Turn table rows into API shapes, with the values derived from the clock and the policies.

Each view names only what it computes, masks or nests; the other fields are the row's columns of
the same names (``service_kit.schemas.from_attributes``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from backend.core.clock import china_date
from backend.core.security import mask_email, mask_phone
from backend.core.settings import Settings
from backend.models import Customer, Dispute, PaymentMethod, Refund, Transaction
from backend.models.enums import (
    CustomerStatus,
    DisputeType,
    LockReason,
    MethodType,
    RefundStatus,
)
from backend.schemas.customer import CustomerOut, PaymentMethodOut
from backend.schemas.dispute import DisputeOut
from backend.schemas.refund import RefundOut
from backend.schemas.transaction import MethodSummary, TransactionOut
from backend.services.policy import add_working_days, arrival_window
from service_kit.schemas import from_attributes


def customer_view(customer: Customer, settings: Settings) -> CustomerOut:
    """A customer with masked contact details and their login-lock position."""
    locked = customer.status == CustomerStatus.LOCKED.value
    return from_attributes(
        CustomerOut,
        customer,
        phone_masked=mask_phone(customer.phone),
        email_masked=mask_email(customer.email) if customer.email else None,
        login_attempts_remaining=0
        if customer.status != CustomerStatus.ACTIVE.value
        else max(0, settings.login_max_failures - customer.failed_login_count),
        can_self_unlock=locked and customer.lock_reason == LockReason.TOO_MANY_FAILED_LOGINS.value,
    )


def used_today(method: PaymentMethod, now: datetime) -> int:
    """Today's usage of a method; a usage counter from an earlier China date counts as zero."""
    if method.usage_date is None or method.usage_date != china_date(now):
        return 0
    return method.used_today_fen


def payment_method_view(method: PaymentMethod, now: datetime) -> PaymentMethodOut:
    """A method with today's usage and what remains of its daily limit."""
    used = used_today(method, now)
    return from_attributes(
        PaymentMethodOut,
        method,
        used_today_fen=used,
        remaining_today_fen=max(0, method.daily_limit_fen - used),
        available_fen=method.customer.balance_fen
        if method.type == MethodType.BALANCE.value
        else None,
    )


def method_summary(method: PaymentMethod) -> MethodSummary:
    """The identifying fields of a payment method."""
    return from_attributes(MethodSummary, method)


def transaction_view(transaction: Transaction, in_progress_fen: int) -> TransactionOut:
    """A transaction with the amount of refunds still under way."""
    return from_attributes(
        TransactionOut,
        transaction,
        payment_method=method_summary(transaction.payment_method),
        refund_in_progress_fen=in_progress_fen,
    )


def refund_arrival(
    refund_status: str,
    method_type: str,
    review_due_at: datetime,
    decided_at: Optional[datetime],
    refunded_at: Optional[datetime],
) -> tuple[Optional[datetime], Optional[datetime]]:
    """Expected arrival of a refund's money, from the latest fact known about it.

    Refunded: counted from the refund; approved: from the approval; still in review: from the
    review deadline; rejected: no arrival.
    """
    if refund_status == RefundStatus.REJECTED.value:
        return None, None
    if refund_status == RefundStatus.REFUNDED.value and refunded_at is not None:
        start = refunded_at
    elif refund_status == RefundStatus.APPROVED.value and decided_at is not None:
        start = decided_at
    else:
        start = review_due_at
    return arrival_window(method_type, start)


def refund_view(refund: Refund, now: datetime) -> RefundOut:
    """A refund with its expected arrival and whether it is overdue."""
    method = refund.payment_method
    earliest, latest = refund_arrival(
        refund.status, method.type, refund.review_due_at, refund.reviewed_at, refund.refunded_at
    )
    in_review = refund.status in (RefundStatus.SUBMITTED.value, RefundStatus.UNDER_REVIEW.value)
    overdue = (in_review and now > refund.review_due_at) or (
        refund.status == RefundStatus.APPROVED.value and latest is not None and now > latest
    )
    return from_attributes(
        RefundOut,
        refund,
        payee=refund.transaction.payee,
        payment_method=method_summary(method),
        expected_arrival_earliest=earliest,
        expected_arrival_latest=latest,
        overdue=overdue,
    )


def review_due(submitted_at: datetime, settings: Settings) -> datetime:
    """When the review of a refund submitted at ``submitted_at`` must be decided."""
    return add_working_days(submitted_at, settings.refund_review_working_days)


def dispute_view(dispute: Dispute) -> DisputeOut:
    """A dispute case."""
    related = list(dispute.related_transaction_ids or [])
    return from_attributes(
        DisputeOut,
        dispute,
        duplicate_detected=dispute.type == DisputeType.DUPLICATE_CHARGE.value and bool(related),
        related_transaction_ids=related,
        frozen_payment_method_ids=list(dispute.frozen_payment_method_ids or []),
    )
