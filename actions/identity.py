"""Who is talking: the verified customer id of the latest message, or None (anonymous).

Front ends send a signed token with every message (docs/contracts.md). It is verified on
every turn, so a conversation id alone never unlocks account data.
"""

from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker

from service_kit import customer_token


def verified_customer_id(tracker: Tracker) -> Optional[str]:
    """The customer id of the latest message's valid token, else None."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    if not isinstance(metadata, dict):
        return None
    return customer_token.verify(metadata.get("customer_token"))
