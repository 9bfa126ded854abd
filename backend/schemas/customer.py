"""Customer, payment-method and WeChat-binding shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from pydantic import Field, constr, validator

from backend.models.enums import CustomerStatus, LockReason, MethodStatus, MethodType
from backend.schemas.common import CUSTOMER_ID_PATTERN, ApiModel, ResponseModel, clean_text
from service_kit.schemas import Password, PasswordForm


class CustomerOut(ResponseModel):
    """A customer as the support bot may see them (contact details masked)."""

    id: str
    name: str
    phone_masked: str
    email_masked: Optional[str]
    language: str
    status: CustomerStatus
    lock_reason: Optional[LockReason]
    locked_at: Optional[datetime]
    failed_login_count: int
    login_attempts_remaining: int
    can_self_unlock: bool = Field(
        description="Locked only for failed logins: a verification code unlocks it."
    )
    balance_fen: int
    currency: str = "CNY"
    created_at: datetime


class PaymentMethodOut(ResponseModel):
    """A payment method with its limits and today's usage (China calendar day)."""

    id: str
    type: MethodType
    bank: Optional[str]
    last4: Optional[str]
    status: MethodStatus
    single_limit_fen: int
    daily_limit_fen: int
    used_today_fen: int
    remaining_today_fen: int
    available_fen: Optional[int] = Field(
        None, description="Wallet balance, for the balance method only."
    )
    frozen_at: Optional[datetime]
    frozen_reason: Optional[str]


class PaymentMethodList(ResponseModel):
    """All payment methods of a customer."""

    items: list[PaymentMethodOut]


class FreezeRequest(ApiModel):
    """Freeze every active payment method of a customer at once."""

    reason: constr(min_length=1, max_length=200) = "customer_request"

    _clean = validator("reason", allow_reuse=True)(clean_text)


class FreezeResult(ResponseModel):
    """Which methods were frozen by this request and which already were."""

    customer_id: str
    frozen_payment_method_ids: list[str]
    already_frozen_ids: list[str]
    items: list[PaymentMethodOut]


class LoginRequest(PasswordForm):
    """A simulated login attempt (sandbox only; the bot never sends passwords)."""

    password: Password


class LoginResult(ResponseModel):
    """Outcome of a simulated login."""

    customer_id: str
    result: str = Field(description="ok | wrong_password | locked | frozen")
    status: CustomerStatus
    failed_login_count: int
    login_attempts_remaining: int


class WeChatBindRequest(ApiModel):
    """Bind a WeChat openid to an eepay customer."""

    customer_id: constr(regex=CUSTOMER_ID_PATTERN)


class WeChatBindingOut(ResponseModel):
    """A WeChat openid and the customer it belongs to."""

    openid: str
    customer_id: str
    created_at: datetime
