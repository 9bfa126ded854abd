"""Customers, payment methods, simulated login."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query

from backend.api.deps import get_ctx
from backend.schemas.common import CUSTOMER_ID_PATTERN, ERROR_RESPONSES
from backend.schemas.customer import (
    CustomerOut,
    FreezeRequest,
    FreezeResult,
    LoginRequest,
    LoginResult,
    PaymentMethodList,
)
from backend.schemas.fee import FeeAllowanceOut, FeeQuoteOut
from backend.services import customers, fees
from backend.services.context import ServiceContext

router = APIRouter(prefix="/customers/{customer_id}", tags=["customers"], responses=ERROR_RESPONSES)
CustomerId = Path(..., pattern=CUSTOMER_ID_PATTERN, description="e.g. u1001")


@router.get("", response_model=CustomerOut, summary="Customer profile, status and balance")
def get_customer(
    customer_id: str = CustomerId, ctx: ServiceContext = Depends(get_ctx)
) -> CustomerOut:
    """Profile with masked phone/email, account status, lock reason and wallet balance."""
    return customers.get_customer(ctx, customer_id)


@router.get(
    "/payment-methods",
    response_model=PaymentMethodList,
    summary="Payment methods with limits and today's usage",
)
def list_payment_methods(
    customer_id: str = CustomerId, ctx: ServiceContext = Depends(get_ctx)
) -> PaymentMethodList:
    """Balance, debit and credit cards: status, single and daily limits, today's usage."""
    return customers.list_payment_methods(ctx, customer_id)


@router.get(
    "/fee-allowance",
    response_model=FeeAllowanceOut,
    summary="Fee-free allowance for withdrawals and transfers to a bank card",
)
def get_fee_allowance(
    customer_id: str = CustomerId, ctx: ServiceContext = Depends(get_ctx)
) -> FeeAllowanceOut:
    """The lifetime allowance, how much of it is used and left, and the fee beyond it."""
    return fees.fee_allowance(ctx, customer_id)


@router.get(
    "/fee-quote",
    response_model=FeeQuoteOut,
    summary="The fee of one withdrawal or transfer for this customer now",
)
def get_fee_quote(
    customer_id: str = CustomerId,
    kind: fees.FeeKind = Query(
        ..., description="withdrawal, bank_transfer, balance_transfer, top_up"
    ),
    amount_fen: int = Query(..., gt=0, le=10**11),
    ctx: ServiceContext = Depends(get_ctx),
) -> FeeQuoteOut:
    """The fee, the part the fee-free allowance covers and what it leaves (not repayments)."""
    return fees.customer_fee_quote(ctx, customer_id, kind, amount_fen)


@router.post(
    "/payment-methods/freeze",
    response_model=FreezeResult,
    summary="Freeze every active payment method now",
)
def freeze_payment_methods(
    body: FreezeRequest,
    customer_id: str = CustomerId,
    ctx: ServiceContext = Depends(get_ctx),
) -> FreezeResult:
    """Naturally idempotent: methods already frozen stay frozen and are reported as such."""
    return customers.freeze_payment_methods(ctx, customer_id, body.reason)


@router.post(
    "/login",
    response_model=LoginResult,
    summary="Simulated login attempt (sandbox; counts failures, locks at the limit)",
)
def simulate_login(
    body: LoginRequest, customer_id: str = CustomerId, ctx: ServiceContext = Depends(get_ctx)
) -> LoginResult:
    """Stands in for eepay's login page so lock/unlock and password resets can be exercised."""
    return customers.simulate_login(ctx, customer_id, body.password)
