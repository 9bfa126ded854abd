"""Turn table rows into API shapes, with the values derived from the clock and the policies."""

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


def customer_view(customer: Customer, settings: Settings) -> CustomerOut:
    """A customer with masked contact details and their login-lock position."""
    locked = customer.status == CustomerStatus.LOCKED.value
    return CustomerOut(
        id=customer.id,
        name=customer.name,
        phone_masked=mask_phone(customer.phone),
        email_masked=mask_email(customer.email) if customer.email else None,
        language=customer.language,
        status=customer.status,
        lock_reason=customer.lock_reason,
        locked_at=customer.locked_at,
        failed_login_count=customer.failed_login_count,
        login_attempts_remaining=0
        if customer.status != CustomerStatus.ACTIVE.value
        else max(0, settings.login_max_failures - customer.failed_login_count),
        can_self_unlock=locked and customer.lock_reason == LockReason.TOO_MANY_FAILED_LOGINS.value,
        balance_fen=customer.balance_fen,
        created_at=customer.created_at,
    )


def used_today(method: PaymentMethod, now: datetime) -> int:
    """Today's usage of a method; a usage counter from an earlier China date counts as zero."""
    if method.usage_date is None or method.usage_date != china_date(now):
        return 0
    return method.used_today_fen


def payment_method_view(method: PaymentMethod, now: datetime) -> PaymentMethodOut:
    """A method with today's usage and what remains of its daily limit."""
    used = used_today(method, now)
    return PaymentMethodOut(
        id=method.id,
        type=method.type,
        bank=method.bank,
        last4=method.last4,
        status=method.status,
        single_limit_fen=method.single_limit_fen,
        daily_limit_fen=method.daily_limit_fen,
        used_today_fen=used,
        remaining_today_fen=max(0, method.daily_limit_fen - used),
        available_fen=method.customer.balance_fen
        if method.type == MethodType.BALANCE.value
        else None,
        frozen_at=method.frozen_at,
        frozen_reason=method.frozen_reason,
    )


def method_summary(method: PaymentMethod) -> MethodSummary:
    """The identifying fields of a payment method."""
    return MethodSummary(
        id=method.id, type=method.type, bank=method.bank, last4=method.last4, status=method.status
    )


def transaction_view(transaction: Transaction, in_progress_fen: int) -> TransactionOut:
    """A transaction with the amount of refunds still under way."""
    return TransactionOut(
        id=transaction.id,
        customer_id=transaction.customer_id,
        type=transaction.type,
        payee=transaction.payee,
        merchant_id=transaction.merchant_id,
        merchant_category=transaction.merchant_category,
        amount_fen=transaction.amount_fen,
        currency=transaction.currency,
        status=transaction.status,
        failure_code=transaction.failure_code,
        payment_method=method_summary(transaction.payment_method),
        created_at=transaction.created_at,
        updated_at=transaction.updated_at,
        settles_by=transaction.settles_by,
        refunded_fen=transaction.refunded_fen,
        refund_in_progress_fen=in_progress_fen,
        refund_deadline_at=transaction.refund_deadline_at,
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
    return RefundOut(
        id=refund.id,
        customer_id=refund.customer_id,
        transaction_id=refund.transaction_id,
        payee=refund.transaction.payee,
        amount_fen=refund.amount_fen,
        reason=refund.reason,
        status=refund.status,
        rejection_reason=refund.rejection_reason,
        payment_method=method_summary(method),
        submitted_at=refund.submitted_at,
        review_due_at=refund.review_due_at,
        review_started_at=refund.review_started_at,
        reviewed_at=refund.reviewed_at,
        refunded_at=refund.refunded_at,
        expected_arrival_earliest=earliest,
        expected_arrival_latest=latest,
        overdue=overdue,
        updated_at=refund.updated_at,
    )


def review_due(submitted_at: datetime, settings: Settings) -> datetime:
    """When the review of a refund submitted at ``submitted_at`` must be decided."""
    return add_working_days(submitted_at, settings.refund_review_working_days)


def dispute_view(dispute: Dispute) -> DisputeOut:
    """A dispute case."""
    related = list(dispute.related_transaction_ids or [])
    return DisputeOut(
        id=dispute.id,
        customer_id=dispute.customer_id,
        transaction_id=dispute.transaction_id,
        type=dispute.type,
        status=dispute.status,
        priority=dispute.priority,
        description=dispute.description,
        duplicate_detected=dispute.type == DisputeType.DUPLICATE_CHARGE.value and bool(related),
        related_transaction_ids=related,
        frozen_payment_method_ids=list(dispute.frozen_payment_method_ids or []),
        created_at=dispute.created_at,
        updated_at=dispute.updated_at,
    )
