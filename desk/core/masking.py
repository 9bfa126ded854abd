"""Personal data as the desk shows it: masked except the last four digits.

The bot already masks secrets before anything is stored (``service_kit.redaction``); the
desk runs the same ``redact`` again (it is idempotent, so what the bot masked stays masked)
and also masks phone numbers and email addresses that customers type, which the bot keeps
for its own entity extraction. Every text that reaches an agent — transcripts, summaries,
exports, the queue — passes :func:`mask_text`.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from service_kit.redaction import mask_email, redact

# Mainland mobile numbers, optionally with +86 and spaces or dashes: 13800001001, 138 0000 1001.
_PHONE_RE = re.compile(r"(?<![\dA-Za-z*])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d){8}(?![\dA-Za-z])")
# A phone someone else masked the usual way (138****1001): still shows the first three digits.
_HALF_MASKED_PHONE_RE = re.compile(r"(?<![\dA-Za-z])1[3-9]\d\*{4}(\d{4})(?!\d)")
_EMAIL_RE = re.compile(r"[A-Za-z0-9*._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def mask_last4(value: Optional[str]) -> Optional[str]:
    """Every character except the last four digits becomes ``*``: 138****1001 -> *******1001."""
    if not value:
        return value
    digits_seen = 0
    chars = list(value)
    for index in range(len(chars) - 1, -1, -1):
        if chars[index].isdigit() and digits_seen < 4:
            digits_seen += 1
            continue
        if chars[index] not in " -":
            chars[index] = "*"
    return "".join(chars)


def _mask_phone_match(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_text(text: Optional[str]) -> Optional[str]:
    """``text`` with secrets, card and ID numbers, phone numbers and emails masked."""
    if not text:
        return text
    masked, _kinds = redact(text)
    masked = _PHONE_RE.sub(_mask_phone_match, masked)
    masked = _HALF_MASKED_PHONE_RE.sub(lambda m: "*******" + m.group(1), masked)
    return _EMAIL_RE.sub(lambda m: mask_email(m.group(0)) or "", masked)


def mask_value(value: Any) -> Any:
    """:func:`mask_text` applied to every string inside lists and dicts."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [mask_value(item) for item in value]
    if isinstance(value, dict):
        return {key: mask_value(item) for key, item in value.items()}
    return value
