"""The structured summary an agent reads first when a conversation is handed off."""

from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Tracker

from service_kit.redaction import redact

SUPPORT_INTENTS = (
    "payment_failed",
    "request_refund",
    "refund_status",
    "forgot_password",
    "login_problem",
    "transaction_dispute",
    "payment_guide",
    "contact_info",
    "complain",
)
MAX_LINES = 6
MAX_LINE_CHARS = 120


def _short(text: Optional[str]) -> str:
    first_line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return (
        first_line if len(first_line) <= MAX_LINE_CHARS else first_line[: MAX_LINE_CHARS - 1] + "…"
    )


def main_intent(tracker: Tracker) -> Optional[str]:
    """The latest support intent of the conversation (what the handoff is about)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if name in SUPPORT_INTENTS:
                return name
    return None


def build_summary(tracker: Tracker) -> dict[str, Any]:
    """Intent, transaction, diagnosis, what the bot said and what the customer said."""
    told: list[str] = []
    said: list[str] = []
    for event in tracker.events:
        if event.get("event") == "bot" and event.get("text"):
            told.append(_short(event["text"]))
        elif (
            event.get("event") == "user" and event.get("text") and not event["text"].startswith("/")
        ):
            said.append(redact(_short(event["text"]))[0])
    return {
        "intent": main_intent(tracker),
        "transaction_id": tracker.get_slot("transaction_id"),
        "diagnosis": tracker.get_slot("diagnosis"),
        "told_customer": told[-MAX_LINES:],
        "customer_said": " / ".join(said[-3:]),
    }
