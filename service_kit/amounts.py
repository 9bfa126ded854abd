"""Find money amounts in customer text and normalise them to a number of yuan.

Customers write amounts in many ways: ``¥199``, ``199元``, ``199.00``, ``3千``, ``两百块``,
``一百二十元五角``, ``三块五`` (colloquial for 3.5 yuan). This module finds those spans and
converts them; Chinese numerals are read by ``cn2an``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import cn2an

_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"
# Numbers have a bounded length (an amount has at most nine digits before the point: see
# MAX_AMOUNT). Unbounded, a long run of digits or numerals with no unit after it would be
# scanned to its end again from each of its characters: quadratic in the message's length.
_CN_RUN = f"[{_CN_DIGITS}]{{1,20}}"
_CN_NUMBER = f"{_CN_RUN}(?:点{_CN_RUN})?"
_AR_NUMBER = r"\d{1,3}(?:,\d{3}){1,5}(?:\.\d{1,2})?|\d{1,15}(?:\.\d{1,2})?"
# one run of spaces before the multiplier and the unit, not two adjacent runs to split
_NUMBER = rf"(?:{_AR_NUMBER})(?:\s*[千万kKwW])?|{_CN_NUMBER}"
_YUAN = r"(?:元|块钱|块|圆|rmb|RMB|人民币)"
_SMALL_DIGIT = f"[{_CN_DIGITS}]|\\d"

# Ordered from the most to the least specific; the first match at a position wins.
_PATTERNS = [
    # ¥199 / ￥1,200.00 / RMB 58
    re.compile(rf"(?:[¥￥]|RMB|rmb|CNY|cny)\s*(?P<number>{_AR_NUMBER})(?:\s*{_YUAN})?"),
    # 199元 / 两百块 / 一百二十元五角 / 三块五 / 1.2万元 / 3千块
    re.compile(
        rf"(?P<number>{_NUMBER})\s*{_YUAN}"
        rf"(?:(?P<jiao>{_SMALL_DIGIT})(?:角|毛)?)?(?:(?P<fen>{_SMALL_DIGIT})分)?"
    ),
    # 五角 / 5毛 (less than a yuan)
    re.compile(rf"(?P<jiao_only>{_SMALL_DIGIT})(?:角|毛)(?:钱)?"),
    # a bare 3千 / 2万 / 1.5w is an amount in a payment conversation
    re.compile(rf"(?P<number>(?:{_AR_NUMBER})\s*[千万kKwW]|{_CN_RUN}[千万])(?![\w年月日号天])"),
    # a bare decimal with two places (199.00) is an amount; ids and phones have none
    re.compile(r"(?P<number>\d{1,3}(?:,\d{3}){1,5}\.\d{2}|\d{1,15}\.\d{2})(?![\d.%])"),
]

# a number right after one of these is part of an id, a phone number or a longer number
_BOUNDARY_BEFORE = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.,")

MAX_AMOUNT = Decimal("100000000")  # nobody pays a hundred million yuan through support chat


@dataclass(frozen=True)
class AmountMatch:
    """An amount found in a text: its character span, the text and the value in yuan."""

    start: int
    end: int
    text: str
    value: Decimal


def _to_decimal(number: str) -> Decimal | None:
    number = number.strip().replace(",", "")
    multiplier = Decimal(1)
    if number and number[-1] in "千kK":
        multiplier, number = Decimal(1000), number[:-1].strip()
    elif number and number[-1] in "万wW":
        multiplier, number = Decimal(10000), number[:-1].strip()
    if not number:
        return None
    try:
        if re.fullmatch(r"\d+(?:\.\d+)?", number):
            return Decimal(number) * multiplier
        return Decimal(str(cn2an.cn2an(number, "smart"))) * multiplier
    except (ValueError, InvalidOperation, KeyError, TypeError):
        return None


def _small_digit(text: str | None) -> Decimal:
    if not text:
        return Decimal(0)
    value = _to_decimal(text)
    return value if value is not None and value < 10 else Decimal(0)


def _value_of(match: re.Match) -> Decimal | None:
    groups = match.groupdict()
    if groups.get("jiao_only"):
        return _small_digit(groups["jiao_only"]) / 10
    value = _to_decimal(groups["number"])
    if value is None:
        return None
    return value + _small_digit(groups.get("jiao")) / 10 + _small_digit(groups.get("fen")) / 100


def find_amounts(text: str) -> list[AmountMatch]:
    """All non-overlapping amounts in ``text``, in order of appearance."""
    found: list[AmountMatch] = []
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if start and text[start - 1] in _BOUNDARY_BEFORE and text[start] not in "¥￥":
                continue  # part of an id, a phone number or a longer number
            if any(start < t_end and end > t_start for t_start, t_end in taken):
                continue
            value = _value_of(match)
            if value is None or value <= 0 or value > MAX_AMOUNT:
                continue
            taken.append((start, end))
            found.append(AmountMatch(start, end, match.group(0), value.quantize(Decimal("0.01"))))
    return sorted(found, key=lambda m: m.start)


def amount_to_json_number(value: Decimal) -> int | float:
    """The entity value Rasa carries: an int for whole yuan, else a float with 2 places."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def yuan(fen: int) -> str:
    """¥1,200.00 for 120000 fen: how every amount the bot states is written, in every language."""
    value = Decimal(fen) / 100
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.2f}"
