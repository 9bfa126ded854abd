"""Customers, payment methods, simulated logins and WeChat bindings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db import lock_one
from backend.models import Customer, PaymentMethod, WeChatBinding
from backend.models.enums import CustomerStatus, LockReason, MethodStatus
from backend.schemas.customer import (
    CustomerOut,
    FreezeResult,
    LoginResult,
    PaymentMethodList,
    WeChatBindingOut,
)
from backend.services.context import ServiceContext
from backend.services.views import customer_view, payment_method_view
from service_kit.db import try_insert
from service_kit.errors import ConflictError, NotFoundError
from service_kit.passwords import verify_password_hash


def load_customer(session: Session, customer_id: str, *, for_update: bool = False) -> Customer:
    """The customer row, or CUSTOMER_NOT_FOUND."""
    if for_update:
        customer = lock_one(session, Customer, id=customer_id)
    else:
        customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFoundError(f"No customer {customer_id}.", code="CUSTOMER_NOT_FOUND")
    return customer


def get_customer(ctx: ServiceContext, customer_id: str) -> CustomerOut:
    """A customer's profile, status and balance."""
    with ctx.db.session() as session:
        return customer_view(load_customer(session, customer_id), ctx.settings)


def list_payment_methods(ctx: ServiceContext, customer_id: str) -> PaymentMethodList:
    """Every payment method of a customer with limits and today's usage."""
    now = ctx.now()
    with ctx.db.session() as session:
        customer = load_customer(session, customer_id)
        return PaymentMethodList(
            items=[payment_method_view(method, now) for method in customer.payment_methods]
        )


def freeze_methods(
    session: Session, customer: Customer, now: datetime, reason: str
) -> tuple[list, list]:
    """Freeze every active method of a locked customer row; return (newly frozen, already)."""
    methods = (
        session.execute(
            select(PaymentMethod)
            .where(PaymentMethod.customer_id == customer.id)
            .order_by(PaymentMethod.id)
            .with_for_update()
        )
        .scalars()
        .all()
    )
    newly, already = [], []
    for method in methods:
        if method.status == MethodStatus.ACTIVE.value:
            method.status = MethodStatus.FROZEN.value
            method.frozen_at = now
            method.frozen_reason = reason
            newly.append(method.id)
        elif method.status == MethodStatus.FROZEN.value:
            already.append(method.id)
    return newly, already


def freeze_payment_methods(ctx: ServiceContext, customer_id: str, reason: str) -> FreezeResult:
    """Freeze all of a customer's active payment methods (idempotent: frozen stays frozen)."""
    now = ctx.now()
    with ctx.db.session(write=True) as session:
        customer = load_customer(session, customer_id, for_update=True)
        newly, already = freeze_methods(session, customer, now, reason)
        session.flush()
        return FreezeResult(
            customer_id=customer.id,
            frozen_payment_method_ids=newly,
            already_frozen_ids=already,
            items=[payment_method_view(method, now) for method in customer.payment_methods],
        )


def simulate_login(ctx: ServiceContext, customer_id: str, password: str) -> LoginResult:
    """Check a password like eepay's login does: count failures and lock at the threshold."""
    now = ctx.now()
    limit = ctx.settings.login_max_failures
    with ctx.db.session(write=True) as session:
        customer = load_customer(session, customer_id, for_update=True)
        if customer.status == CustomerStatus.FROZEN.value:
            result = "frozen"
        elif customer.status == CustomerStatus.LOCKED.value:
            result = "locked"
        elif verify_password_hash(ctx.hasher, customer.password_hash, password):
            customer.failed_login_count = 0
            result = "ok"
        else:
            customer.failed_login_count += 1
            result = "wrong_password"
            if customer.failed_login_count >= limit:
                customer.status = CustomerStatus.LOCKED.value
                customer.lock_reason = LockReason.TOO_MANY_FAILED_LOGINS.value
                customer.locked_at = now
                result = "locked"
        remaining = (
            max(0, limit - customer.failed_login_count)
            if customer.status == CustomerStatus.ACTIVE.value
            else 0
        )
        return LoginResult(
            customer_id=customer.id,
            result=result,
            status=customer.status,
            failed_login_count=customer.failed_login_count,
            login_attempts_remaining=remaining,
        )


def _binding_view(binding: WeChatBinding) -> WeChatBindingOut:
    return WeChatBindingOut(
        openid=binding.openid, customer_id=binding.customer_id, created_at=binding.created_at
    )


def get_wechat_binding(ctx: ServiceContext, openid: str) -> WeChatBindingOut:
    """The customer an openid is bound to, or WECHAT_BINDING_NOT_FOUND."""
    with ctx.db.session() as session:
        binding = session.get(WeChatBinding, openid)
        if binding is None:
            raise NotFoundError("This WeChat user is not bound.", code="WECHAT_BINDING_NOT_FOUND")
        return _binding_view(binding)


def bind_wechat(
    ctx: ServiceContext, openid: str, customer_id: str
) -> tuple[WeChatBindingOut, bool]:
    """Bind an openid to a customer; returns (binding, created).

    Binding again to the same customer is a no-op; an openid bound to someone else must be
    unbound first (OPENID_ALREADY_BOUND), so one WeChat user can never silently take over
    another customer's account.
    """
    now = ctx.now()
    for _ in range(2):
        with ctx.db.session(write=True) as session:
            load_customer(session, customer_id)
            existing = lock_one(session, WeChatBinding, openid=openid)
            if existing is not None:
                if existing.customer_id != customer_id:
                    raise ConflictError(
                        "This WeChat user is bound to another customer.",
                        code="OPENID_ALREADY_BOUND",
                    )
                return _binding_view(existing), False
            binding = WeChatBinding(openid=openid, customer_id=customer_id, created_at=now)
            if not try_insert(session, binding):
                continue  # bound concurrently: read it again in a fresh transaction
            return _binding_view(binding), True
    raise ConflictError("The binding changed concurrently; retry.", code="CONCURRENT_UPDATE")


def unbind_wechat(ctx: ServiceContext, openid: str) -> None:
    """Remove an openid's binding (WECHAT_BINDING_NOT_FOUND when there is none)."""
    with ctx.db.session(write=True) as session:
        binding = lock_one(session, WeChatBinding, openid=openid)
        if binding is None:
            raise NotFoundError("This WeChat user is not bound.", code="WECHAT_BINDING_NOT_FOUND")
        session.delete(binding)
