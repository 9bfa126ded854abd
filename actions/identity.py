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


def flow_customer_id(tracker: Tracker) -> Optional[str]:
    """The customer an open flow (a form and its submission) may act for on this turn, else None.

    That is the verified customer of the latest message, and only if they are the customer the
    flow was started for: the ``customer_id`` slot, which the flow's first action sets from the
    token of that turn. The slot is a record of who started the flow, never a stand-in for the
    token: a turn without a token, or with another customer's, acts for nobody, so the flow
    stops instead of reading or changing the account of whoever started it.
    """
    customer_id = verified_customer_id(tracker)
    if customer_id is None or customer_id != tracker.get_slot("customer_id"):
        return None
    return customer_id
