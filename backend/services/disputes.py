"""Dispute cases: idempotent opening, duplicate-charge detection, freezing on unauthorized use."""

from __future__ import annotations

from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.core.errors import NotEligibleError
from backend.core.security import fingerprint
from backend.models import Dispute
from backend.models.enums import DisputeStatus, DisputeType, Priority, TransactionStatus
from backend.schemas.dispute import DisputeCreate, DisputeOut, DisputePage
from backend.services.context import ServiceContext
from backend.services.customers import freeze_methods, load_customer
from backend.services.ids import new_dispute_id
from backend.services.transactions import find_duplicate_groups, load_transaction
from backend.services.views import dispute_view
from service_kit.db import try_insert
from service_kit.errors import ConflictError, NotFoundError

OPEN_STATUSES = (DisputeStatus.OPEN.value, DisputeStatus.INVESTIGATING.value)
NOT_DISPUTABLE = {
    TransactionStatus.FAILED.value: "The payment failed, so no money was taken.",
    TransactionStatus.REFUNDED.value: "The payment was already refunded in full.",
}


def _by_key(session: Session, customer_id: str, key: str) -> Optional[Dispute]:
    return (
        session.execute(select(Dispute).filter_by(customer_id=customer_id, idempotency_key=key))
        .scalars()
        .first()
    )


def _replay(existing: Dispute, request_fingerprint: str) -> DisputeOut:
    if existing.request_fingerprint != request_fingerprint:
        raise ConflictError(
            "This idempotency key was already used for a different dispute.",
            code="IDEMPOTENCY_KEY_REUSED",
            details={"dispute_id": existing.id},
        )
    return dispute_view(existing)


def open_dispute(
    ctx: ServiceContext, customer_id: str, request: DisputeCreate, idempotency_key: str
) -> tuple[DisputeOut, bool]:
    """Open a case for a transaction; returns (dispute, created).

    - the same idempotency key returns the first case (also under concurrency: the transaction
      row is locked and a unique constraint backs the key);
    - one open case per transaction and type (DISPUTE_ALREADY_OPEN names the existing one);
    - duplicate_charge cases record the other charges found (same payee and amount within the
      detection window);
    - unauthorized cases are high priority and may freeze every active payment method at once.
    """
    now = ctx.now()
    request_fingerprint = fingerprint(
        request.transaction_id,
        request.type.value,
        request.description,
        request.freeze_payment_methods,
    )
    with ctx.db.session(write=True) as session:
        customer = load_customer(session, customer_id, for_update=True)
        transaction = load_transaction(
            session, customer_id, request.transaction_id, for_update=True
        )
        existing = _by_key(session, customer_id, idempotency_key)
        if existing is not None:
            return _replay(existing, request_fingerprint), False
        if transaction.status in NOT_DISPUTABLE:
            raise NotEligibleError(
                NOT_DISPUTABLE[transaction.status], code="TRANSACTION_NOT_DISPUTABLE"
            )
        already_open = (
            session.execute(
                select(Dispute).where(
                    Dispute.transaction_id == transaction.id,
                    Dispute.type == request.type.value,
                    Dispute.status.in_(OPEN_STATUSES),
                )
            )
            .scalars()
            .first()
        )
        if already_open is not None:
            raise ConflictError(
                f"Case {already_open.id} is already open for this transaction.",
                code="DISPUTE_ALREADY_OPEN",
                details={"dispute_id": already_open.id},
            )
        related: list[str] = []
        if request.type == DisputeType.DUPLICATE_CHARGE:
            for group in find_duplicate_groups(session, ctx, customer_id, transaction):
                related.extend(t.id for t in group if t.id != transaction.id)
        frozen: list[str] = []
        if request.freeze_payment_methods:
            frozen, _already = freeze_methods(
                session, customer, now, f"unauthorized use reported ({transaction.id})"
            )
        for _attempt in range(5):
            dispute = Dispute(
                id=new_dispute_id(now),
                customer_id=customer_id,
                transaction_id=transaction.id,
                type=request.type.value,
                status=DisputeStatus.OPEN.value,
                priority=Priority.HIGH.value
                if request.type == DisputeType.UNAUTHORIZED
                else Priority.NORMAL.value,
                description=request.description,
                related_transaction_ids=related,
                frozen_payment_method_ids=frozen,
                idempotency_key=idempotency_key,
                request_fingerprint=request_fingerprint,
                created_at=now,
                updated_at=now,
            )
            if not try_insert(session, dispute):
                existing = _by_key(session, customer_id, idempotency_key)
                if existing is not None:
                    view = _replay(existing, request_fingerprint)
                    session.rollback()  # undo this request's freeze: the key's owner won
                    return view, False
                continue
            return dispute_view(dispute), True
    raise ConflictError("Could not allocate a dispute id; retry.", code="CONCURRENT_UPDATE")


def get_dispute(ctx: ServiceContext, customer_id: str, dispute_id: str) -> DisputeOut:
    """One of a customer's dispute cases."""
    with ctx.db.session() as session:
        load_customer(session, customer_id)
        dispute = session.get(Dispute, dispute_id)
        if dispute is None or dispute.customer_id != customer_id:
            raise NotFoundError(f"No dispute {dispute_id}.", code="DISPUTE_NOT_FOUND")
        return dispute_view(dispute)


def list_disputes(
    ctx: ServiceContext,
    customer_id: str,
    *,
    statuses: Optional[list[str]] = None,
    limit: int = 20,
    offset: int = 0,
) -> DisputePage:
    """A customer's dispute cases, newest first."""
    conditions = [Dispute.customer_id == customer_id]
    if statuses:
        conditions.append(Dispute.status.in_(statuses))
    with ctx.db.session() as session:
        load_customer(session, customer_id)
        total = session.execute(
            select(func.count()).select_from(Dispute).where(*conditions)
        ).scalar()
        rows = (
            session.execute(
                select(Dispute)
                .where(*conditions)
                .order_by(Dispute.created_at.desc(), Dispute.id.desc())
                .limit(limit)
                .offset(offset)
            )
            .scalars()
            .all()
        )
        return DisputePage(
            items=[dispute_view(row) for row in rows],
            total=int(total or 0),
            limit=limit,
            offset=offset,
        )
