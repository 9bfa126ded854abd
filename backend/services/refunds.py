"""Refunds: eligibility, idempotent submission under row locks, review lifecycle."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from backend.core.errors import NotEligibleError
from backend.core.security import fingerprint
from backend.db import lock_one
from backend.models import Customer, Refund, Transaction
from backend.models.enums import MethodType, RefundStatus, TransactionStatus
from backend.schemas.refund import (
    RefundAdvance,
    RefundCreate,
    RefundEligibilityOut,
    RefundOut,
    RefundPage,
)
from backend.services.context import ServiceContext
from backend.services.customers import load_customer
from backend.services.ids import new_refund_id
from backend.services.policy import Eligibility, arrival_window, refund_eligibility
from backend.services.transactions import in_progress_amounts, load_transaction
from backend.services.views import method_summary, refund_view, review_due
from service_kit.db import try_insert
from service_kit.errors import ConflictError, InvalidRequestError, NotFoundError
from service_kit.schemas import from_attributes

# The review lifecycle: each status and the statuses an admin may move it to.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    RefundStatus.SUBMITTED.value: (RefundStatus.UNDER_REVIEW.value, RefundStatus.REJECTED.value),
    RefundStatus.UNDER_REVIEW.value: (RefundStatus.APPROVED.value, RefundStatus.REJECTED.value),
    RefundStatus.APPROVED.value: (RefundStatus.REFUNDED.value,),
    RefundStatus.REFUNDED.value: (),
    RefundStatus.REJECTED.value: (),
}
NEXT_STEP = {
    RefundStatus.SUBMITTED.value: RefundStatus.UNDER_REVIEW.value,
    RefundStatus.UNDER_REVIEW.value: RefundStatus.APPROVED.value,
    RefundStatus.APPROVED.value: RefundStatus.REFUNDED.value,
}


def _eligibility(
    session: Session, transaction: Transaction, now: datetime, requested_fen: Optional[int]
) -> tuple[Eligibility, int]:
    in_progress = in_progress_amounts(session, [transaction.id]).get(transaction.id, 0)
    result = refund_eligibility(
        status=transaction.status,
        type_=transaction.type,
        merchant_category=transaction.merchant_category,
        amount_fen=transaction.amount_fen,
        refunded_fen=transaction.refunded_fen,
        in_progress_fen=in_progress,
        refund_deadline_at=transaction.refund_deadline_at,
        now=now,
        requested_fen=requested_fen,
    )
    return result, in_progress


def check_eligibility(
    ctx: ServiceContext, customer_id: str, transaction_id: str, amount_fen: Optional[int] = None
) -> RefundEligibilityOut:
    """Whether a transaction can be refunded now (optionally a given amount), and why not."""
    now = ctx.now()
    with ctx.db.session() as session:
        load_customer(session, customer_id)
        transaction = load_transaction(session, customer_id, transaction_id)
        result, in_progress = _eligibility(session, transaction, now, amount_fen)
        due = review_due(now, ctx.settings) if result.eligible else None
        earliest, latest = (
            arrival_window(transaction.payment_method.type, due) if due else (None, None)
        )
        # The rules' verdict, the transaction's amounts, deadline and category, and these:
        return from_attributes(
            RefundEligibilityOut,
            transaction,
            **asdict(result),
            transaction_id=transaction.id,
            refund_in_progress_fen=in_progress,
            requested_fen=amount_fen,
            payment_method=method_summary(transaction.payment_method),
            review_due_at=due,
            expected_arrival_earliest=earliest,
            expected_arrival_latest=latest,
        )


def _find_by_key(session: Session, customer_id: str, key: str) -> Optional[Refund]:
    return (
        session.execute(select(Refund).filter_by(customer_id=customer_id, idempotency_key=key))
        .scalars()
        .first()
    )


def _replay(existing: Refund, request_fingerprint: str, now: datetime) -> RefundOut:
    if existing.request_fingerprint != request_fingerprint:
        raise ConflictError(
            "This idempotency key was already used for a different refund request.",
            code="IDEMPOTENCY_KEY_REUSED",
            details={"refund_id": existing.id},
        )
    return refund_view(existing, now)


def submit_refund(
    ctx: ServiceContext, customer_id: str, request: RefundCreate, idempotency_key: str
) -> tuple[RefundOut, bool]:
    """Submit a refund; returns (refund, created).

    The transaction row is locked first (``SELECT ... FOR UPDATE`` on PostgreSQL, the database
    write lock on SQLite), so submissions for one transaction run one at a time and can never
    together exceed its remainder. The idempotency key is checked after the lock: a retried or
    concurrent submission with the same key returns the first refund instead of a second one,
    and the unique constraint on (customer, key) backs that up if the key is reused across
    transactions at the same moment.
    """
    now = ctx.now()
    request_fingerprint = fingerprint(request.transaction_id, request.amount_fen, request.reason)
    with ctx.db.session(write=True) as session:
        load_customer(session, customer_id)
        transaction = load_transaction(
            session, customer_id, request.transaction_id, for_update=True
        )
        existing = _find_by_key(session, customer_id, idempotency_key)
        if existing is not None:
            return _replay(existing, request_fingerprint, now), False

        result, _ = _eligibility(session, transaction, now, request.amount_fen)
        if not result.eligible:
            raise NotEligibleError(
                result.reason or "Not eligible for a refund.",
                code=result.reason_code,
                details={"refundable_fen": result.refundable_fen},
            )
        amount = request.amount_fen if request.amount_fen is not None else result.refundable_fen
        for _attempt in range(5):
            refund = Refund(
                id=new_refund_id(now),
                customer_id=customer_id,
                transaction_id=transaction.id,
                payment_method_id=transaction.payment_method_id,
                amount_fen=amount,
                reason=request.reason,
                status=RefundStatus.SUBMITTED.value,
                idempotency_key=idempotency_key,
                request_fingerprint=request_fingerprint,
                submitted_at=now,
                review_due_at=review_due(now, ctx.settings),
                updated_at=now,
            )
            if not try_insert(session, refund):
                existing = _find_by_key(session, customer_id, idempotency_key)
                if existing is not None:
                    return _replay(existing, request_fingerprint, now), False
                continue  # an id collision: draw another id
            return refund_view(refund, now), True
    raise ConflictError("Could not allocate a refund id; retry.", code="CONCURRENT_UPDATE")


def _load_refund(session: Session, customer_id: Optional[str], refund_id: str) -> Refund:
    refund = session.get(Refund, refund_id)
    if refund is None or (customer_id is not None and refund.customer_id != customer_id):
        raise NotFoundError(f"No refund {refund_id}.", code="REFUND_NOT_FOUND")
    return refund


def get_refund(ctx: ServiceContext, customer_id: str, refund_id: str) -> RefundOut:
    """One of a customer's refunds."""
    with ctx.db.session() as session:
        load_customer(session, customer_id)
        return refund_view(_load_refund(session, customer_id, refund_id), ctx.now())


def list_refunds(
    ctx: ServiceContext,
    customer_id: str,
    *,
    statuses: Optional[list[str]] = None,
    transaction_id: Optional[str] = None,
    limit: int = 20,
    offset: int = 0,
) -> RefundPage:
    """A customer's refunds, newest first."""
    conditions = [Refund.customer_id == customer_id]
    if statuses:
        conditions.append(Refund.status.in_(statuses))
    if transaction_id:
        conditions.append(Refund.transaction_id == transaction_id)
    now = ctx.now()
    with ctx.db.session() as session:
        load_customer(session, customer_id)
        total = session.execute(
            select(func.count()).select_from(Refund).where(*conditions)
        ).scalar()
        rows = (
            session.execute(
                select(Refund)
                .where(*conditions)
                # refund_view reads both: two queries for the page instead of two per refund
                .options(selectinload(Refund.payment_method), selectinload(Refund.transaction))
                .order_by(Refund.submitted_at.desc(), Refund.id.desc())
                .limit(limit)
                .offset(offset)
            )
            .scalars()
            .all()
        )
        return RefundPage(
            items=[refund_view(row, now) for row in rows],
            total=int(total or 0),
            limit=limit,
            offset=offset,
        )


def advance_refund(ctx: ServiceContext, refund_id: str, request: RefundAdvance) -> RefundOut:
    """Move a refund along its review (admin/demo): the next step, or a named status.

    Paying out (``refunded``) adds the amount to the transaction's refunded total, updates the
    transaction's status and, for balance payments, credits the customer's wallet at once.
    """
    now = ctx.now()
    with ctx.db.session(write=True) as session:
        found = _load_refund(session, None, refund_id)
        # Lock order (see backend.db): customer, transaction, then the refund.
        customer = lock_one(session, Customer, id=found.customer_id)
        transaction = lock_one(session, Transaction, id=found.transaction_id)
        refund = lock_one(session, Refund, id=refund_id)
        current = refund.status
        target = request.to.value if request.to is not None else NEXT_STEP.get(current)
        if target is None or target not in TRANSITIONS[current]:
            raise ConflictError(
                f"A refund cannot go from {current} to {target or 'a next step'}.",
                code="INVALID_TRANSITION",
                details={"status": current, "allowed": list(TRANSITIONS[current])},
            )
        if target == RefundStatus.REJECTED.value and not request.reason:
            raise InvalidRequestError(
                "A rejection needs a reason.", code="REJECTION_REASON_REQUIRED"
            )
        refund.status = target
        refund.updated_at = now
        if target == RefundStatus.UNDER_REVIEW.value:
            refund.review_started_at = now
        elif target in (RefundStatus.APPROVED.value, RefundStatus.REJECTED.value):
            refund.review_started_at = refund.review_started_at or now
            refund.reviewed_at = now
            if target == RefundStatus.REJECTED.value:
                refund.rejection_reason = request.reason
        elif target == RefundStatus.REFUNDED.value:
            refund.refunded_at = now
            _pay_out(customer, transaction, refund, now)
        session.flush()
        return refund_view(refund, now)


def _pay_out(customer: Customer, transaction: Transaction, refund: Refund, now: datetime) -> None:
    transaction.refunded_fen += refund.amount_fen
    transaction.status = (
        TransactionStatus.REFUNDED.value
        if transaction.refunded_fen >= transaction.amount_fen
        else TransactionStatus.PARTIALLY_REFUNDED.value
    )
    transaction.updated_at = now
    if refund.payment_method.type == MethodType.BALANCE.value:
        customer.balance_fen += refund.amount_fen
