"""How money, times and payment methods are written in answers (formatted at the edge)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from actions.i18n import MONTHS, text
from service_kit.dates import EEPAY_TZ
from service_kit.language import DEFAULT, ENGLISH


def local_time(moment: Optional[datetime], language: str = DEFAULT) -> str:
    """11月26日 18:30, or Nov 26 18:30, in Asia/Shanghai."""
    if moment is None:
        return ""
    local = moment.astimezone(EEPAY_TZ)
    if language == ENGLISH:
        return f"{MONTHS[local.month - 1]} {local.day} {local:%H:%M}"
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def local_date(moment: Optional[datetime], language: str = DEFAULT) -> str:
    """11月26日, or Nov 26, in Asia/Shanghai."""
    if moment is None:
        return ""
    local = moment.astimezone(EEPAY_TZ)
    if language == ENGLISH:
        return f"{MONTHS[local.month - 1]} {local.day}"
    return f"{local.month}月{local.day}日"


def method_label(
    method_type: str,
    bank: Optional[str] = None,
    last4: Optional[str] = None,
    language: str = DEFAULT,
) -> str:
    """余额 / 招商银行储蓄卡（尾号6621）, or balance / 招商银行 debit card ending 6621."""
    key = f"method.{method_type}"
    kind = text(key, language) if key in _KNOWN_METHODS else method_type
    if method_type == "balance":
        return kind
    if last4:
        return text("method.card", language, bank=bank or "", kind=kind, last4=last4).strip()
    return text("method.card_no_last4", language, bank=bank or "", kind=kind).strip()


_KNOWN_METHODS = {"method.balance", "method.debit_card", "method.credit_card"}
