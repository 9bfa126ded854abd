"""Transaction queries: filtered lists, details and duplicate-charge detection."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload

from backend.db import lock_one
from backend.models import Refund, Transaction
from backend.models.enums import RefundStatus, TransactionStatus, TransactionType
from backend.schemas.transaction import (
    DuplicateGroup,
    DuplicateList,
    TransactionOut,
    TransactionPage,
)
from backend.services.context import ServiceContext
from backend.services.customers import load_customer
from backend.services.policy import NON_REFUNDABLE_CATEGORIES, REFUNDABLE_STATUSES
from backend.services.views import transaction_view
from service_kit.clock import as_utc
from service_kit.errors import NotFoundError

# Refunds that hold part of a transaction's amount but have not paid out yet.
IN_PROGRESS_REFUND_STATUSES = (
    RefundStatus.SUBMITTED.value,
    RefundStatus.UNDER_REVIEW.value,
    RefundStatus.APPROVED.value,
)


def load_transaction(
    session: Session, customer_id: str, transaction_id: str, *, for_update: bool = False
) -> Transaction:
    """A customer's transaction, or TRANSACTION_NOT_FOUND (also for another customer's id)."""
    if for_update:
        transaction = lock_one(session, Transaction, id=transaction_id, customer_id=customer_id)
    else:
        transaction = session.get(Transaction, transaction_id)
    if transaction is None or transaction.customer_id != customer_id:
        raise NotFoundError(
            f"Customer {customer_id} has no transaction {transaction_id}.",
            code="TRANSACTION_NOT_FOUND",
        )
    return transaction


def in_progress_amounts(session: Session, transaction_ids: Iterable[str]) -> dict[str, int]:
    """Sum of refunds still under way, per transaction id."""
    ids = list(transaction_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Refund.transaction_id, func.sum(Refund.amount_fen))
        .where(Refund.transaction_id.in_(ids), Refund.status.in_(IN_PROGRESS_REFUND_STATUSES))
        .group_by(Refund.transaction_id)
    ).all()
    return {transaction_id: int(total or 0) for transaction_id, total in rows}


def _in_progress_subquery():
    return (
        select(func.coalesce(func.sum(Refund.amount_fen), 0))
        .where(
            Refund.transaction_id == Transaction.id,
            Refund.status.in_(IN_PROGRESS_REFUND_STATUSES),
        )
        .scalar_subquery()
    )


def list_transactions(
    ctx: ServiceContext,
    customer_id: str,
    *,
    statuses: Optional[Sequence[str]] = None,
    types: Optional[Sequence[str]] = None,
    since: Optional[datetime] = None,
    until: Optional[datetime] = None,
    refundable_only: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> TransactionPage:
    """A customer's transactions, newest first, filtered and paginated, with the total count."""
    now = ctx.now()
    since, until = as_utc(since), as_utc(until)
    conditions = [Transaction.customer_id == customer_id]
    if statuses:
        conditions.append(Transaction.status.in_(list(statuses)))
    if types:
        conditions.append(Transaction.type.in_(list(types)))
    if since is not None:
        conditions.append(Transaction.created_at >= since)
    if until is not None:
        conditions.append(Transaction.created_at < until)
    if refundable_only:
        conditions.extend(
            [
                Transaction.status.in_(REFUNDABLE_STATUSES),
                Transaction.type == TransactionType.PAYMENT.value,
                Transaction.merchant_category.notin_(sorted(NON_REFUNDABLE_CATEGORIES)),
                Transaction.refund_deadline_at.isnot(None),
                Transaction.refund_deadline_at > now,
                Transaction.amount_fen - Transaction.refunded_fen - _in_progress_subquery() > 0,
            ]
        )
    where = and_(*conditions)
    with ctx.db.session() as session:
        load_customer(session, customer_id)
        total = session.execute(select(func.count()).select_from(Transaction).where(where)).scalar()
        rows = (
            session.execute(
                select(Transaction)
                .where(where)
                .options(selectinload(Transaction.payment_method))
                .order_by(Transaction.created_at.desc(), Transaction.id.desc())
                .limit(limit)
                .offset(offset)
            )
            .scalars()
            .all()
        )
        amounts = in_progress_amounts(session, (row.id for row in rows))
        return TransactionPage(
            items=[transaction_view(row, amounts.get(row.id, 0)) for row in rows],
            total=int(total or 0),
            limit=limit,
            offset=offset,
        )


def get_transaction(ctx: ServiceContext, customer_id: str, transaction_id: str) -> TransactionOut:
    """One of a customer's transactions."""
    with ctx.db.session() as session:
        load_customer(session, customer_id)
        transaction = load_transaction(session, customer_id, transaction_id)
        amounts = in_progress_amounts(session, [transaction.id])
        return transaction_view(transaction, amounts.get(transaction.id, 0))


DUPLICATE_STATUSES = (
    TransactionStatus.SUCCESS.value,
    TransactionStatus.PARTIALLY_REFUNDED.value,
    TransactionStatus.PENDING.value,
)


def group_duplicates(
    transactions: Sequence[Transaction], window: timedelta
) -> list[list[Transaction]]:
    """Cluster charges with the same payee and amount whose neighbours are within ``window``."""
    by_key: dict[tuple, list[Transaction]] = {}
    for transaction in sorted(transactions, key=lambda t: (t.created_at, t.id)):
        key = (transaction.merchant_id or "", transaction.payee, transaction.amount_fen)
        by_key.setdefault(key, []).append(transaction)
    groups: list[list[Transaction]] = []
    for charges in by_key.values():
        current = [charges[0]]
        for charge in charges[1:]:
            if charge.created_at - current[-1].created_at <= window:
                current.append(charge)
            else:
                if len(current) > 1:
                    groups.append(current)
                current = [charge]
        if len(current) > 1:
            groups.append(current)
    groups.sort(key=lambda group: group[-1].created_at, reverse=True)
    return groups


def find_duplicate_groups(
    session: Session, ctx: ServiceContext, customer_id: str, around: Optional[Transaction] = None
) -> list[list[Transaction]]:
    """Likely duplicate charges of a customer, optionally only those containing ``around``."""
    window = timedelta(minutes=ctx.settings.duplicate_window_minutes)
    if around is not None:
        since = around.created_at - window
        until = around.created_at + window
    else:
        until = ctx.now() + window
        since = ctx.now() - timedelta(days=ctx.settings.duplicate_lookback_days)
    rows = (
        session.execute(
            select(Transaction)
            .where(
                Transaction.customer_id == customer_id,
                Transaction.status.in_(DUPLICATE_STATUSES),
                Transaction.created_at >= since,
                Transaction.created_at <= until,
            )
            .order_by(Transaction.created_at)
            .limit(5000)
        )
        .scalars()
        .all()
    )
    groups = group_duplicates(rows, window)
    if around is not None:
        groups = [group for group in groups if any(t.id == around.id for t in group)]
    return groups


def list_duplicate_charges(
    ctx: ServiceContext, customer_id: str, transaction_id: Optional[str] = None
) -> DuplicateList:
    """Groups of likely duplicate charges (same payee and amount within the window)."""
    with ctx.db.session() as session:
        load_customer(session, customer_id)
        around = load_transaction(session, customer_id, transaction_id) if transaction_id else None
        groups = find_duplicate_groups(session, ctx, customer_id, around)
        return DuplicateList(
            window_minutes=ctx.settings.duplicate_window_minutes,
            items=[
                DuplicateGroup(
                    payee=group[0].payee,
                    merchant_id=group[0].merchant_id,
                    amount_fen=group[0].amount_fen,
                    transaction_ids=[t.id for t in group],
                    first_at=group[0].created_at,
                    last_at=group[-1].created_at,
                    span_seconds=int((group[-1].created_at - group[0].created_at).total_seconds()),
                )
                for group in groups
            ],
        )
