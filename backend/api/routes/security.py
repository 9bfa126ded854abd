"""Verification codes, code checks and password resets."""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Path, Response

from backend.api.deps import get_ctx, optional_idempotency_key
from backend.schemas.common import (
    CHALLENGE_ID_PATTERN,
    CUSTOMER_ID_PATTERN,
    ERROR_RESPONSES,
)
from backend.schemas.security import (
    PasswordResetRequest,
    PasswordResetResult,
    VerificationChallengeOut,
    VerificationCodeRequest,
    VerifyCodeRequest,
    VerifyCodeResult,
)
from backend.services import verification
from backend.services.context import ServiceContext
from service_kit.schemas import error_responses

router = APIRouter(tags=["security"], responses=ERROR_RESPONSES)


@router.post(
    "/customers/{customer_id}/verification-codes",
    response_model=VerificationChallengeOut,
    status_code=201,
    summary="Send a verification code to the registered phone or email",
    responses={
        200: {"model": VerificationChallengeOut, "description": "Replay (same Idempotency-Key)"},
        **error_responses(
            {
                409: "ACCOUNT_FROZEN or CHANNEL_UNAVAILABLE",
                429: "RATE_LIMITED (1/min) or DAILY_LIMIT_REACHED",
            }
        ),
    },
)
def send_verification_code(
    body: VerificationCodeRequest,
    response: Response,
    customer_id: str = Path(..., pattern=CUSTOMER_ID_PATTERN),
    key: Optional[str] = Depends(optional_idempotency_key),
    ctx: ServiceContext = Depends(get_ctx),
) -> VerificationChallengeOut:
    """The code goes to the outbox (the SMS/email gateway), never into this response."""
    challenge, created = verification.send_code(
        ctx, customer_id, body.channel.value, body.purpose.value, key
    )
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return challenge


@router.post(
    "/verifications/{challenge_id}/verify",
    response_model=VerifyCodeResult,
    summary="Check a code; returns a short-lived reset token and unlocks a login lock",
    responses=error_responses(
        {
            400: "CODE_INVALID (details.remaining_attempts)",
            409: "Attempts exhausted, superseded or used",
            410: "CODE_EXPIRED",
        }
    ),
)
def verify_code(
    body: VerifyCodeRequest,
    challenge_id: str = Path(..., pattern=CHALLENGE_ID_PATTERN),
    ctx: ServiceContext = Depends(get_ctx),
) -> VerifyCodeResult:
    """Used by the secure reset page; the support bot never handles codes."""
    return verification.verify_code(ctx, challenge_id, body.code)


@router.post(
    "/password-resets",
    response_model=PasswordResetResult,
    summary="Set a new password with a reset token",
    responses=error_responses({400: "RESET_TOKEN_INVALID", 410: "RESET_TOKEN_EXPIRED"}),
)
def reset_password(
    body: PasswordResetRequest, ctx: ServiceContext = Depends(get_ctx)
) -> PasswordResetResult:
    """Strength rules apply (WEAK_PASSWORD lists the broken ones); stored as an argon2id hash."""
    return verification.reset_password(ctx, body.reset_token, body.new_password)
