"""The action server's async client of the payment backend's /v1 API.

Retries, timeouts and the mapping of error answers onto the exceptions of
:mod:`actions.clients.payment_backend.errors` live here; the package docstring states the rules
they follow.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any, Optional, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from actions.clients.payment_backend.errors import (
    NOT_ELIGIBLE_CODES,
    AuthenticationFailed,
    BackendError,
    BackendUnavailable,
    Conflict,
    InvalidRequest,
    NotEligible,
    NotFound,
    RateLimited,
)
from actions.clients.payment_backend.models import (
    Customer,
    Dispute,
    DisputePage,
    DuplicateCharges,
    FeeAllowance,
    FeeQuote,
    FreezeResult,
    PaymentMethod,
    PaymentMethodList,
    Refund,
    RefundEligibility,
    RefundPage,
    Transaction,
    TransactionPage,
    VerificationChallenge,
)
from actions.clients.payment_backend.settings import MAX_TIMEOUT_SECONDS, BackendClientSettings

logger = logging.getLogger(__name__)

_conversation_id: ContextVar[Optional[str]] = ContextVar("backend_conversation_id", default=None)

M = TypeVar("M", bound=BaseModel)


# --- conversation id propagation ------------------------------------------------------------


@contextmanager
def conversation(conversation_id: Optional[str]) -> Iterator[None]:
    """Tag every backend call made inside the block with this conversation id.

    The id travels as ``X-Conversation-ID`` and appears in the backend's access log.
    """
    token = _conversation_id.set(conversation_id)
    try:
        yield
    finally:
        _conversation_id.reset(token)


def new_idempotency_key() -> str:
    """A fresh random idempotency key."""
    return uuid.uuid4().hex


def _segment(value: str) -> str:
    """Quote a path segment so that an id can never change the path."""
    return quote(str(value), safe="")


# --- client ---------------------------------------------------------------------------------


class BackendClient:
    """Async client of the payment backend's /v1 API (one per process; reuses connections)."""

    def __init__(
        self,
        base_url: str,
        api_token: str,
        *,
        timeout_seconds: float = MAX_TIMEOUT_SECONDS,
        max_retries: int = 2,
        backoff_seconds: float = 0.1,
        transport: Optional[httpx.AsyncBaseTransport] = None,
    ) -> None:
        if not 0 < timeout_seconds <= MAX_TIMEOUT_SECONDS:
            raise ValueError(f"timeout_seconds must be in (0, {MAX_TIMEOUT_SECONDS}]")
        self.base_url = base_url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self.max_retries = max(0, max_retries)
        self.backoff_seconds = backoff_seconds
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={
                "Authorization": f"Bearer {api_token}",
                "Accept": "application/json",
                "User-Agent": "eepay-actions/backend-client",
            },
            timeout=httpx.Timeout(
                timeout_seconds,
                connect=min(1.0, timeout_seconds),
                pool=min(1.0, timeout_seconds),
            ),
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
            transport=transport,
        )

    @classmethod
    def from_settings(cls, settings: Optional[BackendClientSettings] = None) -> BackendClient:
        """A client configured from ``BACKEND_URL``, ``BACKEND_API_TOKEN`` and friends."""
        settings = settings or BackendClientSettings()
        return cls(
            settings.url,
            settings.api_token,
            timeout_seconds=settings.timeout_seconds,
            max_retries=settings.max_retries,
        )

    @property
    def is_closed(self) -> bool:
        """True once :meth:`aclose` ran."""
        return self._http.is_closed

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._http.aclose()

    async def __aenter__(self) -> BackendClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # --- transport --------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Optional[dict[str, Any]] = None,
        json: Optional[dict[str, Any]] = None,
        idempotency_key: Optional[str] = None,
    ) -> httpx.Response:
        """Send one logical request; retry GETs on connection failures and 5xx."""
        headers = {}
        conversation_id = _conversation_id.get()
        if conversation_id:
            headers["X-Conversation-ID"] = conversation_id
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        retryable = method == "GET"
        attempts = 1 + (self.max_retries if retryable else 0)
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                response = await asyncio.wait_for(
                    self._http.request(method, path, params=params, json=json, headers=headers),
                    timeout=self.timeout_seconds,
                )
            except (asyncio.TimeoutError, httpx.TimeoutException) as exc:
                if retryable and not last and isinstance(exc, httpx.ConnectTimeout):
                    await self._backoff(attempt, method, path, exc)
                    continue
                raise BackendUnavailable(
                    f"The backend did not answer {method} {path} within "
                    f"{self.timeout_seconds:g} s.",
                    code="BACKEND_TIMEOUT",
                ) from exc
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
                if retryable and not last:
                    await self._backoff(attempt, method, path, exc)
                    continue
                raise BackendUnavailable(
                    f"The backend could not be reached for {method} {path}: {type(exc).__name__}",
                    code="BACKEND_UNREACHABLE",
                ) from exc
            except httpx.HTTPError as exc:
                raise BackendUnavailable(
                    f"{method} {path} failed: {type(exc).__name__}", code="BACKEND_UNREACHABLE"
                ) from exc
            if response.status_code >= 500 and retryable and not last:
                await self._backoff(attempt, method, path, response.status_code)
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def _backoff(self, attempt: int, method: str, path: str, cause: object) -> None:
        delay = self.backoff_seconds * (2 ** (attempt - 1)) * (0.5 + random.random())
        logger.warning(
            "backend %s %s failed (%s); retry %d in %.2fs",
            method,
            path,
            cause if isinstance(cause, int) else type(cause).__name__,
            attempt,
            delay,
            extra={"conversation_id": _conversation_id.get()},
        )
        await asyncio.sleep(delay)

    @staticmethod
    def _raise_for_error(response: httpx.Response) -> None:
        """Map an error answer onto the exception hierarchy."""
        status = response.status_code
        if status < 400:
            return
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        code = str(body.get("code") or f"HTTP_{status}")
        message = str(body.get("message") or response.reason_phrase or "error")
        details = body.get("details") if isinstance(body.get("details"), dict) else None
        kwargs = {"code": code, "status": status, "details": details}
        if status >= 500:
            raise BackendUnavailable(message, **kwargs)
        if status in (401, 403):
            raise AuthenticationFailed(message, **kwargs)
        if status == 404:
            raise NotFound(message, **kwargs)
        if status == 429:
            retry_after = (details or {}).get("retry_after_seconds") or response.headers.get(
                "Retry-After", 60
            )
            raise RateLimited(message, retry_after_seconds=int(retry_after), **kwargs)
        if status in (409, 410):
            raise (NotEligible if code in NOT_ELIGIBLE_CODES else Conflict)(message, **kwargs)
        raise InvalidRequest(message, **kwargs)

    async def _call(
        self,
        model: type[M],
        method: str,
        path: str,
        *,
        params: Optional[dict[str, Any]] = None,
        json: Optional[dict[str, Any]] = None,
        idempotency_key: Optional[str] = None,
    ) -> M:
        response = await self._request(
            method, path, params=params, json=json, idempotency_key=idempotency_key
        )
        self._raise_for_error(response)
        try:
            return model.parse_obj(response.json())
        except (ValueError, ValidationError) as exc:
            raise BackendError(
                f"Unexpected answer to {method} {path}: {exc}",
                code="INVALID_RESPONSE",
                status=response.status_code,
            ) from exc

    # --- API --------------------------------------------------------------------------------

    async def health(self) -> bool:
        """True when the backend and its database answer."""
        try:
            response = await self._request("GET", "/healthz")
        except BackendUnavailable:
            return False
        return response.status_code == 200

    async def get_customer(self, customer_id: str) -> Customer:
        """Profile, status (active/locked/frozen), lock reason and wallet balance."""
        return await self._call(Customer, "GET", f"/v1/customers/{_segment(customer_id)}")

    async def list_payment_methods(self, customer_id: str) -> list[PaymentMethod]:
        """Payment methods with single/daily limits and today's usage."""
        page = await self._call(
            PaymentMethodList, "GET", f"/v1/customers/{_segment(customer_id)}/payment-methods"
        )
        return list(page.items)

    async def get_fee_allowance(self, customer_id: str) -> FeeAllowance:
        """The fee-free allowance for withdrawals to a bank card: used and left."""
        return await self._call(
            FeeAllowance, "GET", f"/v1/customers/{_segment(customer_id)}/fee-allowance"
        )

    async def get_fee_quote(self, customer_id: str, kind: str, amount_fen: int) -> FeeQuote:
        """The fee of one ``kind`` movement (withdrawal, bank_transfer…) of ``amount_fen``."""
        return await self._call(
            FeeQuote,
            "GET",
            f"/v1/customers/{_segment(customer_id)}/fee-quote",
            params={"kind": kind, "amount_fen": amount_fen},
        )

    async def list_transactions(
        self,
        customer_id: str,
        *,
        status: Optional[Sequence[str]] = None,
        type: Optional[Sequence[str]] = None,
        since: Optional[datetime] = None,
        until: Optional[datetime] = None,
        refundable: bool = False,
        limit: int = 20,
        offset: int = 0,
    ) -> TransactionPage:
        """Transactions newest first; e.g. ``status=["failed", "pending"]``, ``refundable=True``."""
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if status:
            params["status"] = list(status)
        if type:
            params["type"] = list(type)
        if since is not None:
            params["since"] = since.isoformat()
        if until is not None:
            params["until"] = until.isoformat()
        if refundable:
            params["refundable"] = "true"
        return await self._call(
            TransactionPage,
            "GET",
            f"/v1/customers/{_segment(customer_id)}/transactions",
            params=params,
        )

    async def get_transaction(self, customer_id: str, transaction_id: str) -> Transaction:
        """One transaction of the customer (NotFound for someone else's)."""
        return await self._call(
            Transaction,
            "GET",
            f"/v1/customers/{_segment(customer_id)}/transactions/{_segment(transaction_id)}",
        )

    async def check_refund_eligibility(
        self, customer_id: str, transaction_id: str, amount_fen: Optional[int] = None
    ) -> RefundEligibility:
        """Whether the transaction (or ``amount_fen`` of it) can be refunded now, and why not."""
        params = {"amount_fen": amount_fen} if amount_fen is not None else None
        return await self._call(
            RefundEligibility,
            "GET",
            f"/v1/customers/{_segment(customer_id)}/transactions/"
            f"{_segment(transaction_id)}/refund-eligibility",
            params=params,
        )

    async def submit_refund(
        self,
        customer_id: str,
        transaction_id: str,
        reason: str,
        *,
        amount_fen: Optional[int] = None,
        idempotency_key: Optional[str] = None,
    ) -> Refund:
        """Submit a refund (the whole remainder unless ``amount_fen``).

        Pass a key derived from the conversation (e.g. ``f"{sender}:{transaction_id}"`` plus a
        per-request nonce kept in a slot) so a repeated action returns the same refund; a random
        key is used otherwise. Raises NotEligible with the policy code when refused.
        """
        body: dict[str, Any] = {"transaction_id": transaction_id, "reason": reason}
        if amount_fen is not None:
            body["amount_fen"] = amount_fen
        return await self._call(
            Refund,
            "POST",
            f"/v1/customers/{_segment(customer_id)}/refunds",
            json=body,
            idempotency_key=idempotency_key or new_idempotency_key(),
        )

    async def list_refunds(
        self,
        customer_id: str,
        *,
        status: Optional[Sequence[str]] = None,
        transaction_id: Optional[str] = None,
        limit: int = 20,
        offset: int = 0,
    ) -> RefundPage:
        """Refunds newest first, with expected arrival and the ``overdue`` flag."""
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if status:
            params["status"] = list(status)
        if transaction_id:
            params["transaction_id"] = transaction_id
        return await self._call(
            RefundPage, "GET", f"/v1/customers/{_segment(customer_id)}/refunds", params=params
        )

    async def get_refund(self, customer_id: str, refund_id: str) -> Refund:
        """One refund of the customer."""
        return await self._call(
            Refund,
            "GET",
            f"/v1/customers/{_segment(customer_id)}/refunds/{_segment(refund_id)}",
        )

    async def send_verification_code(
        self,
        customer_id: str,
        *,
        channel: str = "sms",
        purpose: str = "password_reset",
        idempotency_key: Optional[str] = None,
    ) -> VerificationChallenge:
        """Send a code to the registered phone (``sms``) or ``email``; purpose ``password_reset``
        or ``unlock``. Returns the masked destination and the secure page link (``reset_url``).
        Raises RateLimited (1 per minute, 10 per day) and NotEligible(ACCOUNT_FROZEN)."""
        return await self._call(
            VerificationChallenge,
            "POST",
            f"/v1/customers/{_segment(customer_id)}/verification-codes",
            json={"channel": channel, "purpose": purpose},
            idempotency_key=idempotency_key or new_idempotency_key(),
        )

    async def open_dispute(
        self,
        customer_id: str,
        transaction_id: str,
        dispute_type: str,
        *,
        description: Optional[str] = None,
        freeze_payment_methods: bool = False,
        idempotency_key: Optional[str] = None,
    ) -> Dispute:
        """Open a case (unauthorized, duplicate_charge, wrong_amount, merchant_issue).

        ``freeze_payment_methods`` (unauthorized only) freezes every active method at once.
        Raises Conflict(DISPUTE_ALREADY_OPEN) with ``details["dispute_id"]`` for a second case.
        """
        body: dict[str, Any] = {
            "transaction_id": transaction_id,
            "type": dispute_type,
            "freeze_payment_methods": freeze_payment_methods,
        }
        if description:
            body["description"] = description
        return await self._call(
            Dispute,
            "POST",
            f"/v1/customers/{_segment(customer_id)}/disputes",
            json=body,
            idempotency_key=idempotency_key or new_idempotency_key(),
        )

    async def list_disputes(
        self, customer_id: str, *, limit: int = 20, offset: int = 0
    ) -> DisputePage:
        """Dispute cases newest first."""
        return await self._call(
            DisputePage,
            "GET",
            f"/v1/customers/{_segment(customer_id)}/disputes",
            params={"limit": limit, "offset": offset},
        )

    async def find_duplicate_charges(
        self, customer_id: str, transaction_id: Optional[str] = None
    ) -> DuplicateCharges:
        """Likely duplicate charges (same payee and amount within minutes), optionally only the
        group containing ``transaction_id``."""
        params = {"transaction_id": transaction_id} if transaction_id else None
        return await self._call(
            DuplicateCharges,
            "GET",
            f"/v1/customers/{_segment(customer_id)}/duplicate-charges",
            params=params,
        )

    async def freeze_payment_methods(
        self,
        customer_id: str,
        *,
        reason: str = "customer_request",
        idempotency_key: Optional[str] = None,
    ) -> FreezeResult:
        """Freeze every active payment method now (repeating it is harmless)."""
        return await self._call(
            FreezeResult,
            "POST",
            f"/v1/customers/{_segment(customer_id)}/payment-methods/freeze",
            json={"reason": reason},
            idempotency_key=idempotency_key or new_idempotency_key(),
        )


# --- the shared client ----------------------------------------------------------------------

_shared: Optional[BackendClient] = None
_shared_loop: Optional[asyncio.AbstractEventLoop] = None


def get_backend_client() -> BackendClient:
    """The process-wide client (created on first use from the environment).

    A client belongs to the event loop it was created on; if that loop is gone (tests create one
    loop per test), a new client is made for the running loop.
    """
    global _shared, _shared_loop
    loop = asyncio.get_running_loop()
    if _shared is None or _shared.is_closed or _shared_loop is not loop:
        _shared = BackendClient.from_settings()
        _shared_loop = loop
    return _shared


async def close_backend_client() -> None:
    """Close the shared client (call on action-server shutdown)."""
    global _shared, _shared_loop
    client, _shared, _shared_loop = _shared, None, None
    if client is not None and not client.is_closed:
        await client.aclose()
