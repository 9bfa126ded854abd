"""How money, times and payment methods are written in answers (formatted at the edge)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Optional

from addons.dates import EEPAY_TZ

METHOD_TYPES = {"balance": "余额", "debit_card": "储蓄卡", "credit_card": "信用卡"}


def yuan(fen: int) -> str:
    """¥1,200.00 for 120000 fen."""
    value = Decimal(fen) / 100
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.2f}"


def local_time(moment: Optional[datetime]) -> str:
    """11月26日 18:30 in Asia/Shanghai."""
    if moment is None:
        return ""
    local = moment.astimezone(EEPAY_TZ)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def local_date(moment: Optional[datetime]) -> str:
    """11月26日 in Asia/Shanghai."""
    if moment is None:
        return ""
    local = moment.astimezone(EEPAY_TZ)
    return f"{local.month}月{local.day}日"


def method_label(method_type: str, bank: Optional[str] = None, last4: Optional[str] = None) -> str:
    """余额, or 招商银行储蓄卡（尾号6621）."""
    kind = METHOD_TYPES.get(method_type, method_type)
    if method_type == "balance":
        return kind
    name = f"{bank or ''}{kind}"
    return f"{name}（尾号{last4}）" if last4 else name
