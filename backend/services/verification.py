"""Verification codes, reset tokens, password resets and login unlocking.

The bot asks for a code to be sent and hands the customer the reset page link; the code and the
new password only ever travel between the customer and this service (the outbox stands in for the
SMS and email gateways).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional
from urllib.parse import urlencode

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core.errors import NotEligibleError
from backend.core.security import (
    fingerprint,
    keyed_digest,
    mask_email,
    mask_phone,
    new_verification_code,
)
from backend.db import lock_one
from backend.models import Customer, OutboxMessage, ResetToken, VerificationChallenge
from backend.models.enums import (
    ChallengeStatus,
    CustomerStatus,
    LockReason,
    VerificationChannel,
    VerificationPurpose,
)
from backend.schemas.security import (
    PasswordResetResult,
    VerificationChallengeOut,
    VerifyCodeResult,
)
from backend.services.context import ServiceContext
from backend.services.customers import load_customer
from backend.services.passwords import describe, password_violations
from service_kit.errors import (
    ApiError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
)
from service_kit.passwords import verify_password_hash
from service_kit.security import new_token, tokens_match

SMS_TEMPLATE = (
    "【eepay】您的验证码为{code}，{minutes}分钟内有效，用于{purpose}。"
    "请勿告诉任何人，客服不会索要验证码。"
)
PURPOSE_TEXT = {
    VerificationPurpose.PASSWORD_RESET.value: "重置登录密码",
    VerificationPurpose.UNLOCK.value: "解锁账户",
}


def _destination(customer: Customer, channel: str) -> str:
    if channel == VerificationChannel.EMAIL.value:
        if not customer.email:
            raise ConflictError(
                "The customer has no registered email; use sms.", code="CHANNEL_UNAVAILABLE"
            )
        return customer.email
    return customer.phone


def _masked(channel: str, destination: str) -> str:
    return (
        mask_email(destination)
        if channel == VerificationChannel.EMAIL.value
        else mask_phone(destination)
    )


def reset_url(ctx: ServiceContext, challenge_id: str) -> str:
    """The customer-facing secure page for a challenge."""
    base = ctx.settings.reset_page_url
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}{urlencode({'challenge': challenge_id})}"


def _challenge_view(
    ctx: ServiceContext, challenge: VerificationChallenge
) -> VerificationChallengeOut:
    return VerificationChallengeOut(
        challenge_id=challenge.id,
        customer_id=challenge.customer_id,
        purpose=challenge.purpose,
        channel=challenge.channel,
        destination_masked=_masked(challenge.channel, challenge.destination),
        expires_at=challenge.expires_at,
        resend_available_at=challenge.created_at
        + timedelta(seconds=ctx.settings.code_min_interval_seconds),
        max_attempts=challenge.max_attempts,
        reset_url=reset_url(ctx, challenge.id),
    )


def _enforce_rate_limits(
    session: Session, ctx: ServiceContext, customer_id: str, now: datetime
) -> None:
    """1 code per minute and 10 per rolling 24 hours per customer (the SMS gateway's rule)."""
    settings = ctx.settings
    day_ago = now - timedelta(days=1)
    recent = session.execute(
        select(func.count(), func.max(VerificationChallenge.created_at)).where(
            VerificationChallenge.customer_id == customer_id,
            VerificationChallenge.created_at > day_ago,
        )
    ).one()
    count, latest = int(recent[0] or 0), recent[1]
    if latest is not None:
        latest = latest if latest.tzinfo else latest.replace(tzinfo=now.tzinfo)
        wait = (
            latest + timedelta(seconds=settings.code_min_interval_seconds) - now
        ).total_seconds()
        if wait > 0:
            raise RateLimitedError(
                "A code was sent less than a minute ago; wait before asking again.",
                retry_after_seconds=int(wait + 0.999),
            )
    if count >= settings.code_daily_limit:
        oldest = session.execute(
            select(VerificationChallenge.created_at)
            .where(
                VerificationChallenge.customer_id == customer_id,
                VerificationChallenge.created_at > day_ago,
            )
            .order_by(VerificationChallenge.created_at)
            .limit(1)
        ).scalar_one()
        wait = (oldest + timedelta(days=1) - now).total_seconds()
        raise RateLimitedError(
            f"At most {settings.code_daily_limit} codes a day; try again later.",
            retry_after_seconds=int(wait + 0.999),
            code="DAILY_LIMIT_REACHED",
        )


def send_code(
    ctx: ServiceContext,
    customer_id: str,
    channel: str,
    purpose: str,
    idempotency_key: Optional[str] = None,
) -> tuple[VerificationChallengeOut, bool]:
    """Send a 6-digit code to the registered phone or email; returns (challenge, created).

    A repeated request with the same idempotency key returns the first challenge without sending
    another code. A new code supersedes earlier unused ones.
    """
    now = ctx.now()
    settings = ctx.settings
    request_fingerprint = fingerprint(channel, purpose)
    with ctx.db.session(write=True) as session:
        customer = load_customer(session, customer_id, for_update=True)
        if idempotency_key:
            existing = _challenge_by_key(session, customer_id, idempotency_key)
            if existing is not None:
                return _replay(ctx, existing, request_fingerprint), False
        if customer.status == CustomerStatus.FROZEN.value:
            raise NotEligibleError(
                "The account is frozen; only a support agent can help.", code="ACCOUNT_FROZEN"
            )
        destination = _destination(customer, channel)
        _enforce_rate_limits(session, ctx, customer_id, now)

        session.execute(
            update(VerificationChallenge)
            .where(
                VerificationChallenge.customer_id == customer_id,
                VerificationChallenge.status == ChallengeStatus.PENDING.value,
            )
            .values(status=ChallengeStatus.SUPERSEDED.value)
            .execution_options(synchronize_session=False)
        )
        code = new_verification_code()
        challenge_id = new_token(24)
        challenge = VerificationChallenge(
            id=challenge_id,
            customer_id=customer_id,
            purpose=purpose,
            channel=channel,
            destination=destination,
            code_digest=keyed_digest(settings.secret_key, "code", challenge_id, code),
            status=ChallengeStatus.PENDING.value,
            attempts=0,
            max_attempts=settings.code_max_attempts,
            idempotency_key=idempotency_key,
            request_fingerprint=request_fingerprint,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.code_ttl_seconds),
        )
        try:
            with session.begin_nested():
                session.add(challenge)
        except IntegrityError:
            existing = _challenge_by_key(session, customer_id, idempotency_key or "")
            if existing is None:
                raise
            view = _replay(ctx, existing, request_fingerprint)
            session.rollback()  # keep the earlier codes: this request sent nothing
            return view, False
        body = SMS_TEMPLATE.format(
            code=code,
            minutes=max(1, settings.code_ttl_seconds // 60),
            purpose=PURPOSE_TEXT.get(purpose, "身份验证"),
        )
        session.add(
            OutboxMessage(
                customer_id=customer_id,
                challenge_id=challenge_id,
                channel=channel,
                destination=destination,
                code=code,
                body=body,
                created_at=now,
            )
        )
        session.flush()
        return _challenge_view(ctx, challenge), True


def _challenge_by_key(
    session: Session, customer_id: str, key: str
) -> Optional[VerificationChallenge]:
    return (
        session.execute(
            select(VerificationChallenge).filter_by(customer_id=customer_id, idempotency_key=key)
        )
        .scalars()
        .first()
    )


def _replay(
    ctx: ServiceContext, existing: VerificationChallenge, request_fingerprint: str
) -> VerificationChallengeOut:
    if existing.request_fingerprint != request_fingerprint:
        raise ConflictError(
            "This idempotency key was already used for a different request.",
            code="IDEMPOTENCY_KEY_REUSED",
        )
    return _challenge_view(ctx, existing)


@dataclass(frozen=True)
class ChallengeInfo:
    """What the reset page may show about a challenge."""

    challenge_id: str
    customer_id: str
    purpose: str
    channel: str
    destination_masked: str
    expires_at: datetime
    usable: bool
    problem: Optional[str]


def describe_challenge(ctx: ServiceContext, challenge_id: str) -> Optional[ChallengeInfo]:
    """The reset page's view of a challenge, or None when it does not exist."""
    now = ctx.now()
    with ctx.db.session() as session:
        challenge = session.get(VerificationChallenge, challenge_id)
        if challenge is None:
            return None
        problem = _challenge_problem(challenge, now)
        return ChallengeInfo(
            challenge_id=challenge.id,
            customer_id=challenge.customer_id,
            purpose=challenge.purpose,
            channel=challenge.channel,
            destination_masked=_masked(challenge.channel, challenge.destination),
            expires_at=challenge.expires_at,
            usable=problem is None,
            problem=problem,
        )


def _challenge_problem(challenge: VerificationChallenge, now: datetime) -> Optional[str]:
    if challenge.status == ChallengeStatus.VERIFIED.value:
        return "CODE_ALREADY_USED"
    if challenge.status == ChallengeStatus.SUPERSEDED.value:
        return "CODE_SUPERSEDED"
    if (
        challenge.status == ChallengeStatus.EXHAUSTED.value
        or challenge.attempts >= challenge.max_attempts
    ):
        return "CODE_ATTEMPTS_EXCEEDED"
    if now >= challenge.expires_at:
        return "CODE_EXPIRED"
    return None


_PROBLEMS: dict[str, tuple[int, str]] = {
    "CODE_ALREADY_USED": (409, "This code was already used."),
    "CODE_SUPERSEDED": (409, "A newer code was sent; use the latest one."),
    "CODE_ATTEMPTS_EXCEEDED": (409, "Too many wrong codes; ask for a new code."),
    "CODE_EXPIRED": (410, "The code has expired; ask for a new code."),
}


def verify_code(ctx: ServiceContext, challenge_id: str, code: str) -> VerifyCodeResult:
    """Check a code (at most ``max_attempts`` tries, before expiry) and issue a reset token.

    Wrong attempts are committed before the error is raised so they always count. A verified
    code also lifts a lock caused by failed logins: proving control of the registered phone or
    email is the unlock path.
    """
    now = ctx.now()
    settings = ctx.settings
    with ctx.db.session(write=True) as session:
        found = session.get(VerificationChallenge, challenge_id)
        if found is None:
            raise NotFoundError("Unknown verification challenge.", code="CHALLENGE_NOT_FOUND")
        # Lock order (see backend.db): the customer first, then the challenge.
        customer = load_customer(session, found.customer_id, for_update=True)
        challenge = lock_one(session, VerificationChallenge, id=challenge_id)
        problem = _challenge_problem(challenge, now)
        if problem is not None:
            status, message = _PROBLEMS[problem]
            raise ApiError(message, code=problem, status_code=status)
        challenge.attempts += 1
        expected = challenge.code_digest
        supplied = keyed_digest(settings.secret_key, "code", challenge.id, code)
        if not tokens_match(supplied, expected):
            remaining = max(0, challenge.max_attempts - challenge.attempts)
            if remaining == 0:
                challenge.status = ChallengeStatus.EXHAUSTED.value
            session.commit()
            raise ApiError(
                "The code is wrong.",
                code="CODE_INVALID",
                status_code=400,
                details={"remaining_attempts": remaining},
            )
        challenge.status = ChallengeStatus.VERIFIED.value
        challenge.verified_at = now
        unlocked = _unlock_if_login_locked(customer)
        token = new_token(32)
        session.add(
            ResetToken(
                token_digest=keyed_digest(settings.secret_key, "reset", token),
                customer_id=customer.id,
                challenge_id=challenge.id,
                created_at=now,
                expires_at=now + timedelta(seconds=settings.reset_token_ttl_seconds),
            )
        )
        session.flush()
        return VerifyCodeResult(
            customer_id=customer.id,
            reset_token=token,
            reset_token_expires_at=now + timedelta(seconds=settings.reset_token_ttl_seconds),
            unlocked=unlocked,
        )


def _unlock_if_login_locked(customer: Customer) -> bool:
    if (
        customer.status == CustomerStatus.LOCKED.value
        and customer.lock_reason == LockReason.TOO_MANY_FAILED_LOGINS.value
    ):
        customer.status = CustomerStatus.ACTIVE.value
        customer.lock_reason = None
        customer.locked_at = None
        customer.failed_login_count = 0
        return True
    if customer.status == CustomerStatus.ACTIVE.value:
        customer.failed_login_count = 0
    return False


def check_new_password(ctx: ServiceContext, customer_id: str, new_password: str) -> None:
    """Raise WEAK_PASSWORD listing every broken rule (read-only; runs before using a token)."""
    with ctx.db.session() as session:
        customer = load_customer(session, customer_id)
        _check_strength(ctx, customer, new_password)


def _check_strength(ctx: ServiceContext, customer: Customer, new_password: str) -> None:
    violations = password_violations(
        new_password, phone=customer.phone, email=customer.email, customer_id=customer.id
    )
    if not violations and verify_password_hash(ctx.hasher, customer.password_hash, new_password):
        violations.append("SAME_AS_CURRENT")
    if violations:
        raise InvalidRequestError(
            describe(violations), code="WEAK_PASSWORD", details={"violations": violations}
        )


def reset_password(ctx: ServiceContext, reset_token: str, new_password: str) -> PasswordResetResult:
    """Set a new password with a reset token (single use, short-lived); argon2id-hashed."""
    now = ctx.now()
    settings = ctx.settings
    digest = keyed_digest(settings.secret_key, "reset", reset_token)
    with ctx.db.session(write=True) as session:
        found = session.get(ResetToken, digest)
        if found is None:
            raise ApiError(
                "The reset token is not valid.", code="RESET_TOKEN_INVALID", status_code=400
            )
        # Lock order (see backend.db): the customer first, then the token.
        customer = load_customer(session, found.customer_id, for_update=True)
        token = lock_one(session, ResetToken, token_digest=digest)
        if token.used_at is not None:
            raise ConflictError("The reset token was already used.", code="RESET_TOKEN_USED")
        if now >= token.expires_at:
            raise ApiError(
                "The reset token has expired; verify again.",
                code="RESET_TOKEN_EXPIRED",
                status_code=410,
            )
        if customer.status == CustomerStatus.FROZEN.value:
            raise NotEligibleError(
                "The account is frozen; only a support agent can help.", code="ACCOUNT_FROZEN"
            )
        _check_strength(ctx, customer, new_password)
        customer.password_hash = ctx.hasher.hash(new_password)
        customer.password_changed_at = now
        unlocked = _unlock_if_login_locked(customer)
        customer.failed_login_count = 0
        token.used_at = now
        session.execute(
            update(ResetToken)
            .where(ResetToken.customer_id == customer.id, ResetToken.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return PasswordResetResult(
            customer_id=customer.id, password_changed_at=now, unlocked=unlocked
        )


@dataclass(frozen=True)
class ResetOutcome:
    """What the secure page achieved for the customer."""

    password_changed: bool
    unlocked: bool


def complete_reset(
    ctx: ServiceContext, challenge_id: str, code: str, new_password: Optional[str]
) -> ResetOutcome:
    """The secure page's whole step: check the new password first (a weak one must not burn the
    code), verify the code, then set the password. An ``unlock`` challenge may come without a
    new password: the verified code alone lifts the failed-login lock.
    """
    info = describe_challenge(ctx, challenge_id)
    if info is None:
        raise NotFoundError("Unknown verification challenge.", code="CHALLENGE_NOT_FOUND")
    if new_password is None and info.purpose != VerificationPurpose.UNLOCK.value:
        raise InvalidRequestError("A new password is required.", code="PASSWORD_REQUIRED")
    if new_password is not None:
        check_new_password(ctx, info.customer_id, new_password)
    verified = verify_code(ctx, challenge_id, code)
    if new_password is None:
        return ResetOutcome(password_changed=False, unlocked=verified.unlocked)
    reset = reset_password(ctx, verified.reset_token, new_password)
    return ResetOutcome(password_changed=True, unlocked=verified.unlocked or reset.unlocked)


def latest_outbox(
    ctx: ServiceContext, customer_id: Optional[str] = None, limit: int = 20
) -> list[OutboxMessage]:
    """The newest outbox messages (demo and CLI only; never exposed over the API)."""
    with ctx.db.session() as session:
        statement = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
        if customer_id:
            statement = statement.where(OutboxMessage.customer_id == customer_id)
        return list(session.execute(statement).scalars().all())
