"""Bring a request the desk refused as invalid (400, 413, 422) within its contract.

The desk validates every field of ``/api/internal/handoffs`` and ``/api/internal/ratings``
(docs/contracts.md; ``desk/schemas``). A slot that grew longer than the contract allows must
not cost a customer their place in the queue, so such a request is repaired and sent again:
over-long texts are cut, lists shortened, malformed labels replaced by their defaults, a
customer id that cannot be one dropped (the ticket is then anonymous, never someone else's).
What cannot be repaired — the conversation id, a rating's score — is left alone, and the
request is kept aside as unsendable (``actions.clients.desk_outbox``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Optional

HANDOFFS_PATH = "/api/internal/handoffs"
RATINGS_PATH = "/api/internal/ratings"

# the desk's limits (desk/schemas/handoff.py, desk/schemas/analytics.py)
MAX_TEXT = 2000
MAX_LINE = 1000
MAX_LINES = 50
MAX_LABEL = 64
MAX_CUSTOMER_ID = 32
MAX_SESSION_ID = 64
CHANNEL = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
REASON = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
INTENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
PRIORITIES = ("urgent", "high", "normal")
ELLIPSIS = "…"
# the desk refuses control characters in free text, but for line breaks and tabs
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def cut(value: Any, limit: int) -> Optional[str]:
    """``value`` as text of at most ``limit`` characters, marked "…" where it was cut."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    text = CONTROL.sub("", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def _lines(value: Any, limit: int) -> list[str]:
    items = value if isinstance(value, list) else [value]
    lines = [cut(item, limit) for item in items if item is not None]
    return [line for line in lines if line][:MAX_LINES]


def _label(value: Any, pattern: re.Pattern[str], default: Optional[str]) -> Optional[str]:
    return value if isinstance(value, str) and pattern.match(value) else default


def _summary(summary: Any) -> dict[str, Any]:
    summary = summary if isinstance(summary, dict) else {}
    repaired = dict(summary)
    for key in ("intent", "transaction_id"):
        value = summary.get(key)
        repaired[key] = value if isinstance(value, str) and len(value) <= MAX_LABEL else None
    repaired["diagnosis"] = cut(summary.get("diagnosis"), MAX_TEXT)
    repaired["told_customer"] = _lines(summary.get("told_customer") or [], MAX_LINE)
    said = summary.get("customer_said")
    if isinstance(said, list):
        repaired["customer_said"] = _lines(said, MAX_TEXT)
    else:
        repaired["customer_said"] = cut(said, MAX_TEXT * 2)
    return repaired


def _common(payload: dict[str, Any]) -> Optional[dict[str, Any]]:
    conversation_id = payload.get("conversation_id")
    if not isinstance(conversation_id, str) or not 0 < len(conversation_id.strip()) <= 255:
        return None  # the ticket's address: no other conversation may stand in for it
    repaired = dict(payload)
    repaired["channel"] = _label(payload.get("channel"), CHANNEL, "unknown")
    repaired["language"] = _label(payload.get("language"), LANGUAGE, "zh-Hans")
    return repaired


def repair_handoff(payload: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The handoff within the contract, or None when it cannot be."""
    repaired = _common(payload)
    if repaired is None:
        return None
    customer_id = payload.get("customer_id")
    if not (isinstance(customer_id, str) and 0 < len(customer_id) <= MAX_CUSTOMER_ID):
        repaired["customer_id"] = None
    repaired["reason"] = _label(payload.get("reason"), REASON, "customer_request")
    if payload.get("priority") not in PRIORITIES:
        repaired["priority"] = "normal"
    repaired["summary"] = _summary(payload.get("summary"))
    return repaired


def repair_rating(payload: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The rating within the contract, or None when it cannot be."""
    score = payload.get("score")
    if not (isinstance(score, int) and not isinstance(score, bool) and 1 <= score <= 5):
        return None
    repaired = _common(payload)
    if repaired is None:
        return None
    repaired["human_involved"] = payload.get("human_involved") is True
    repaired["main_intent"] = _label(payload.get("main_intent"), INTENT, None)
    repaired["comment"] = cut(payload.get("comment"), MAX_TEXT) or None
    session_id = payload.get("session_id")
    repaired["session_id"] = cut(session_id, MAX_SESSION_ID) if session_id else None
    return repaired


REPAIRS: dict[str, Callable[[dict[str, Any]], Optional[dict[str, Any]]]] = {
    HANDOFFS_PATH: repair_handoff,
    RATINGS_PATH: repair_rating,
}


def repair(path: str, payload: dict[str, Any]) -> Optional[dict[str, Any]]:
    """A repaired copy of a request to ``path`` that differs from ``payload``; None when
    nothing could be repaired (so sending it again would be refused again)."""
    repairer = REPAIRS.get(path)
    repaired = repairer(payload) if repairer else None
    return repaired if repaired is not None and repaired != payload else None
