"""Verification codes, password resets and the reset page."""

from __future__ import annotations

from datetime import datetime

from pydantic import constr

from backend.models.enums import VerificationChannel, VerificationPurpose
from backend.schemas.common import ApiModel, ResponseModel
from service_kit.schemas import Password, PasswordForm


class VerificationCodeRequest(ApiModel):
    """Send a verification code to the customer's registered phone (sms) or email."""

    channel: VerificationChannel = VerificationChannel.SMS
    purpose: VerificationPurpose = VerificationPurpose.PASSWORD_RESET


class VerificationChallengeOut(ResponseModel):
    """A sent code, without the code: where it went (masked), until when, and the reset page."""

    challenge_id: str
    customer_id: str
    purpose: VerificationPurpose
    channel: VerificationChannel
    destination_masked: str
    expires_at: datetime
    resend_available_at: datetime
    max_attempts: int
    reset_url: str


class VerifyCodeRequest(ApiModel):
    """The code the customer received."""

    code: constr(regex=r"^\d{6}$")


class VerifyCodeResult(ResponseModel):
    """A verified code: a short-lived reset token, and whether a login lock was lifted."""

    customer_id: str
    reset_token: str
    reset_token_expires_at: datetime
    unlocked: bool


class PasswordResetRequest(PasswordForm):
    """Set a new password with a reset token."""

    reset_token: constr(min_length=16, max_length=128)
    new_password: Password


class PasswordResetResult(ResponseModel):
    """The password was changed (and any failed-login lock lifted)."""

    customer_id: str
    password_changed_at: datetime
    unlocked: bool
