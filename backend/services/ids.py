"""Identifiers of new refunds and disputes."""

from __future__ import annotations

import secrets
from datetime import datetime

from backend.core.clock import china_date


def _dated_id(prefix: str, now: datetime) -> str:
    return f"{prefix}{china_date(now):%Y%m%d}{secrets.randbelow(10**8):08d}"


def new_refund_id(now: datetime) -> str:
    """R + China date + 8 random digits, e.g. R2026112604718263."""
    return _dated_id("R", now)


def new_dispute_id(now: datetime) -> str:
    """D + China date + 8 random digits."""
    return _dated_id("D", now)
