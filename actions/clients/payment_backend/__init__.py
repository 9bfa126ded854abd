"""Typed async client for eepay's payment backend (the sandbox in backend/ or the real API).

The action server talks to account data only through this package; it never opens the backend's
database. Production points it at the real API with ``BACKEND_URL`` and ``BACKEND_API_TOKEN``.

Behaviour:

- every attempt is bounded by ``timeout_seconds`` (at most 3 s; connect at most 1 s);
- only idempotent reads (GET) are retried, with exponential backoff and jitter, on connection
  failures and 5xx answers; a read timeout is not retried (the backend is slow, not gone);
- writes (POST) always carry an ``Idempotency-Key`` so that a caller who retries a whole action
  with the same key can never create a second refund, dispute or code;
- failures become exceptions the actions handle: :class:`BackendUnavailable` (timeouts,
  connection errors, 5xx), :class:`NotFound`, :class:`NotEligible` (a policy refusal) and other
  :class:`Conflict`, :class:`RateLimited`, :class:`InvalidRequest`, :class:`AuthenticationFailed`,
  all subclasses of :class:`BackendError` with the backend's stable ``code``;
- one shared client per process (:func:`get_backend_client`) reuses connections; close it with
  :func:`close_backend_client` on shutdown.

Verification codes and passwords never pass through here: the bot asks the backend to send a
code and hands the customer the secure page link (``VerificationChallenge.reset_url``).

Modules: ``client`` (the client), ``models`` (its answers), ``errors`` (its failures) and
``settings`` (what the environment configures).
"""

from actions.clients.payment_backend.client import (
    BackendClient,
    close_backend_client,
    conversation,
    get_backend_client,
    new_idempotency_key,
)
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
    DuplicateGroup,
    FeeAllowance,
    FeeQuote,
    FreezeResult,
    MethodSummary,
    PaymentMethod,
    Refund,
    RefundEligibility,
    RefundPage,
    Transaction,
    TransactionPage,
    VerificationChallenge,
)
from actions.clients.payment_backend.settings import MAX_TIMEOUT_SECONDS, BackendClientSettings

__all__ = [
    "MAX_TIMEOUT_SECONDS",
    "NOT_ELIGIBLE_CODES",
    "AuthenticationFailed",
    "BackendClient",
    "BackendClientSettings",
    "BackendError",
    "BackendUnavailable",
    "Conflict",
    "Customer",
    "Dispute",
    "DisputePage",
    "DuplicateCharges",
    "DuplicateGroup",
    "FeeAllowance",
    "FeeQuote",
    "FreezeResult",
    "InvalidRequest",
    "MethodSummary",
    "NotEligible",
    "NotFound",
    "PaymentMethod",
    "RateLimited",
    "Refund",
    "RefundEligibility",
    "RefundPage",
    "Transaction",
    "TransactionPage",
    "VerificationChallenge",
    "close_backend_client",
    "conversation",
    "get_backend_client",
    "new_idempotency_key",
]
