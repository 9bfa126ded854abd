"""Find and mask secrets a customer types into chat.

eepay support never asks for a password, a verification code, a card's security code or a
full card number, but stressed customers send them anyway ("我的密码是abc123你帮我登一下").
Whatever reaches storage — trackers, handoff transcripts, logs — goes through ``redact`` first.
Card numbers and ID numbers keep their last four digits, so an agent can still tell cards
apart; passwords and codes are replaced completely.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

PASSWORD = "password"
VERIFICATION_CODE = "verification_code"
CARD_NUMBER = "card_number"
SECURITY_CODE = "security_code"
ID_NUMBER = "id_number"

# Every pattern below runs in time linear in the text, whatever the text (a customer can send
# anything, and one slow match stalls every conversation of the server): what a pattern can
# backtrack into is bounded (a separator word, a secret of a few dozen characters at most), and
# a run of spaces is never given back once taken.


def _spaces(name: str) -> str:
    r"""A run of spaces taken whole: ``(?=(\s*))\1`` is the atomic group ``(?>\s*)`` that
    Python 3.10's ``re`` lacks. Nothing that follows starts with a space, so giving spaces back
    cannot make a match, but trying costs a step per space at every keyword."""
    return rf"(?=(?P<{name}>\s*))(?P={name})"


# Spaces, then optionally a separator word and spaces. (``\s*(?:是|...)?\s*`` tries every split
# of a long run of spaces between its two ``\s*``: quadratic.)
_SEP = rf"{_spaces('spaces')}(?:(?:是|为|:|：|=|应该是|is|was){_spaces('more_spaces')})?"

# The secret is the run of non-space characters after the keyword.
_PASSWORD_RE = re.compile(
    rf"(?:(?:登录|登陆|支付|交易|取款|账户|帐户|账号|帐号)?(?:密码|密碼|秘码|pwd|passwd|password|PIN|pin)){_SEP}"
    # passwords are printable ASCII; at least one letter or digit among the (at most 32)
    # characters taken, so "密码错了" is no secret. The look-ahead is bounded like the secret:
    # an unbounded one rescans the rest of the text at every keyword ("pin" * 66000).
    r"(?P<secret>(?=[!-~]{0,31}[0-9A-Za-z])[!-~]{4,32})",
    re.IGNORECASE,
)
_CODE_RE = re.compile(
    rf"(?:验证码|驗證碼|校验码|动态码|短信码|code|otp){_SEP}(?P<secret>\d{{4,8}})(?!\d)",
    re.IGNORECASE,
)
_SECURITY_CODE_RE = re.compile(
    rf"(?:cvv2?|cvc|安全码|卡背后(?:的)?(?:三位|3位)(?:数|数字)?){_SEP}(?P<secret>\d{{3,4}})(?!\d)",
    re.IGNORECASE,
)
# 13-19 digits, optionally grouped by spaces or dashes; confirmed by the Luhn checksum.
# The look-behind comes after the first digit, so ``re`` skips non-digits without trying it.
_CARD_RE = re.compile(r"(?P<secret>\d(?<![\dA-Za-z]\d)(?:[ -]?\d){12,18})(?![\dA-Za-z])")
# Mainland resident ID: 17 digits and a check character.
_ID_RE = re.compile(r"(?P<secret>[1-9](?<![\dA-Za-z][1-9])\d{16}[\dXx])(?![\dA-Za-z])")
_NON_DIGIT = re.compile(r"\D")

MASK = "******"


@dataclass(frozen=True)
class Secret:
    """A secret found in a text: its kind and the span of the secret itself."""

    kind: str
    start: int
    end: int


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check every payment card number satisfies (ISO/IEC 7812-1)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _id_checksum_valid(number: str) -> bool:
    """GB 11643-1999 check character of an 18-digit resident ID number."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def find_secrets(text: str) -> list[Secret]:
    """Every secret in ``text``, without overlaps, in order of appearance."""
    found: list[Secret] = []
    # the earlier kind wins where two overlap
    found = _add_unless_overlapping(found, VERIFICATION_CODE, _CODE_RE.finditer(text))
    found = _add_unless_overlapping(found, SECURITY_CODE, _SECURITY_CODE_RE.finditer(text))
    found = _add_unless_overlapping(found, PASSWORD, _PASSWORD_RE.finditer(text))
    found = _add_unless_overlapping(found, ID_NUMBER, _ID_RE.finditer(text), _id_checksum_valid)
    return _add_unless_overlapping(found, CARD_NUMBER, _CARD_RE.finditer(text), _card_valid)


def _card_valid(secret: str) -> bool:
    digits = _NON_DIGIT.sub("", secret)
    return 13 <= len(digits) <= 19 and luhn_valid(digits)


def _add_unless_overlapping(
    found: list[Secret],
    kind: str,
    matches: Iterator[re.Match[str]],
    valid: Callable[[str], bool] | None = None,
) -> list[Secret]:
    """``found`` plus the valid ``matches`` that overlap none of it, in order of appearance.

    Both are in order and without overlaps of their own (``finditer``), so one pass over each
    suffices: a text full of secrets costs linear time, not a comparison of every pair (and a
    checksum is computed only for a match that is not already inside another secret).
    """
    kept: list[Secret] = []
    index = 0
    for match in matches:
        start, end = match.span("secret")
        while index < len(found) and found[index].end <= start:
            index += 1
        if index < len(found) and found[index].start < end:
            continue
        if valid is None or valid(match["secret"]):
            kept.append(Secret(kind, start, end))
    if not kept:
        return found
    # two sorted runs: Timsort merges them in linear time
    return sorted(found + kept, key=lambda s: s.start)


def _mask(kind: str, secret: str) -> str:
    if kind in (CARD_NUMBER, ID_NUMBER):
        digits = re.sub(r"[^\dXx]", "", secret)
        return "*" * (len(digits) - 4) + digits[-4:]
    return MASK


def redact(text: str) -> tuple[str, list[str]]:
    """``text`` with every secret masked, and the kinds of secret that were found."""
    if not text:
        return text, []
    secrets = find_secrets(text)
    if not secrets:
        return text, []
    pieces: list[str] = []
    cursor = 0
    for secret in secrets:
        pieces.append(text[cursor : secret.start])
        pieces.append(_mask(secret.kind, text[secret.start : secret.end]))
        cursor = secret.end
    pieces.append(text[cursor:])
    kinds = list(dict.fromkeys(s.kind for s in secrets))
    return "".join(pieces), kinds


def mask_phone(phone: str | None) -> str | None:
    """138****1001: the display form of a phone number outside the account owner's own view."""
    if not phone:
        return phone
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_email(email: str | None) -> str | None:
    """c***g@example.com: first and last character of the local part."""
    if not email or "@" not in email:
        return email
    local, _, domain = email.partition("@")
    if len(local) <= 2:
        return f"{local[:1]}***@{domain}"
    return f"{local[0]}***{local[-1]}@{domain}"
