"""Password strength rules for a new eepay login password."""

from __future__ import annotations

import unicodedata
from typing import Optional

from service_kit.policy import POLICY

MIN_LENGTH = POLICY.passwords.login_min_length
MAX_LENGTH = 64

# The most common leaked passwords in Chinese and global breach lists (lower-cased).
COMMON_PASSWORDS = frozenset(
    {
        "password",
        "password1",
        "password123",
        "passw0rd",
        "p@ssw0rd",
        "qwerty123",
        "qwertyuiop",
        "1qaz2wsx",
        "1q2w3e4r",
        "1q2w3e4r5t",
        "abc12345",
        "abc123456",
        "a1234567",
        "a12345678",
        "aa123456",
        "aa12345678",
        "iloveyou1",
        "woaini1314",
        "woaini520",
        "5201314a",
        "a5201314",
        "admin123",
        "admin888",
        "zxcvbnm123",
        "asdfghjkl1",
        "qq123456",
        "123456abc",
        "123456aa",
        "12345678a",
        "1234567a",
        "abcd1234",
        "1234abcd",
        "wang123456",
        "zhang123456",
        "li123456",
        "eepay123",
        "eepay2026",
        "eepay888",
    }
)

RULE_MESSAGES = {
    "TOO_SHORT": f"at least {MIN_LENGTH} characters",
    "TOO_LONG": f"at most {MAX_LENGTH} characters",
    "NEEDS_LETTER": "at least one letter",
    "NEEDS_DIGIT": "at least one digit",
    "INVALID_CHARACTERS": "no spaces or control characters",
    "REPETITIVE": "no long runs of one character or of a sequence (aaaa, 12345, abcde)",
    "COMMON_PASSWORD": "not a common password",
    "CONTAINS_PERSONAL_INFO": "not containing your phone number, email name or customer id",
    "SAME_AS_CURRENT": "different from the current password",
}


def _has_run(password: str, run: int = 4) -> bool:
    """True for ``run`` identical characters or ``run + 1`` consecutive ascending/descending."""
    lowered = password.lower()
    same = 1
    for previous, current in zip(lowered, lowered[1:], strict=False):
        same = same + 1 if current == previous else 1
        if same >= run:
            return True
    for step in (1, -1):
        length = 1
        for previous, current in zip(lowered, lowered[1:], strict=False):
            if previous.isalnum() and ord(current) - ord(previous) == step:
                length += 1
                if length >= run + 1:
                    return True
            else:
                length = 1
    return False


def password_violations(
    password: str,
    *,
    phone: Optional[str] = None,
    email: Optional[str] = None,
    customer_id: Optional[str] = None,
) -> list[str]:
    """The codes of every strength rule ``password`` breaks (empty when it is acceptable)."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append("TOO_SHORT")
    if len(password) > MAX_LENGTH:
        problems.append("TOO_LONG")
    if not any(ch.isalpha() for ch in password):
        problems.append("NEEDS_LETTER")
    if not any(ch.isdigit() for ch in password):
        problems.append("NEEDS_DIGIT")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in password):
        problems.append("INVALID_CHARACTERS")
    if _has_run(password):
        problems.append("REPETITIVE")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS:
        problems.append("COMMON_PASSWORD")
    personal = []
    if phone:
        personal += [phone, phone[-8:]]
    if email:
        local = email.split("@", 1)[0].lower()
        if len(local) >= 4:
            personal.append(local)
    if customer_id:
        personal.append(customer_id.lower())
    if any(item and item.lower() in lowered for item in personal):
        problems.append("CONTAINS_PERSONAL_INFO")
    return problems


def describe(violations: list[str]) -> str:
    """A one-line English description of broken rules."""
    return "The new password needs " + "; ".join(RULE_MESSAGES[v] for v in violations) + "."
