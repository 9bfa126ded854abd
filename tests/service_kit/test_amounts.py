import re
import time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service_kit import amounts
from service_kit.amounts import amount_to_json_number, find_amounts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¥199", "199"),
        ("￥1,200.00", "1200"),
        ("付了199元没成功", "199"),
        ("两百块", "200"),
        ("一百二十元五角", "120.5"),
        ("三块五", "3.5"),
        ("两千三百块", "2300"),
        ("3千块", "3000"),
        ("1.2万", "12000"),
        ("金额是58.00", "58"),
        ("五毛钱", "0.5"),
        ("RMB 58", "58"),
        ("共計 268元", "268"),
        ("扣了我¥58两次", "58"),
    ],
)
def test_amounts_normalise_to_yuan(text, expected):
    (match,) = find_amounts(text)
    assert match.value == Decimal(expected)
    assert text[match.start : match.end] == match.text


@pytest.mark.parametrize(
    "text",
    ["T202611200001", "13800001001", "上个月3号的", "我转了3次", "订单20261120000112345", ""],
)
def test_ids_phones_and_counts_are_not_amounts(text):
    assert find_amounts(text) == []


def test_several_amounts_in_order():
    values = [m.value for m in find_amounts("付了199元 结果扣了398元")]
    assert values == [Decimal("199"), Decimal("398")]


def test_absurd_amounts_are_ignored():
    assert find_amounts("9999999999999元") == []


def test_json_number_is_int_for_whole_yuan():
    assert amount_to_json_number(Decimal("199.00")) == 199
    assert isinstance(amount_to_json_number(Decimal("199.00")), int)
    assert amount_to_json_number(Decimal("120.50")) == 120.5


# The longest message the channels let through (channels/guard.py) reaches the entity
# extractors on the event loop: each worst case must stay far from stalling it. The old
# patterns took 1.7 s on the first of these.
LONGEST = 5000
WORST_CASES = {
    "digits with no unit": "1" * LONGEST,
    "numerals with no unit": "一" * LONGEST,
    "a number then spaces": "1" + " " * (LONGEST - 1),
    "thousands separators": "1,000" * (LONGEST // 5),
    "decimals": "1.0" * (LONGEST // 3),
}


@pytest.mark.parametrize("text", WORST_CASES.values(), ids=WORST_CASES.keys())
def test_the_longest_message_is_searched_quickly(text):
    started = time.process_time()
    find_amounts(text)
    assert time.process_time() - started < 0.25


@pytest.mark.parametrize("text", WORST_CASES.values(), ids=WORST_CASES.keys())
def test_search_time_grows_linearly(text):
    def cost(repeat: int) -> float:
        started = time.process_time()
        find_amounts(text * repeat)
        return time.process_time() - started

    # ten times the text costs about ten times as much, not a hundred
    assert cost(20) < 25 * max(cost(2), 0.002)


_REFERENCE_ALPHABET = "0123456789一二两三百千万元块角毛分点,. ¥aTk年"


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=_REFERENCE_ALPHABET, max_size=16))
def test_bounded_numbers_find_what_unbounded_ones_found(text):
    """The length bounds change nothing for amounts anyone writes: the same spans and values
    as the unbounded patterns (kept here as the reference) on any short mix of numerals,
    units, separators and letters."""
    assert [(m.start, m.end, m.value) for m in find_amounts(text)] == _reference_amounts(text)


def _reference_amounts(text: str) -> list[tuple[int, int, Decimal]]:
    cn = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"
    ar = r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?"
    number = rf"(?:{ar})\s*[千万kKwW]?|[{cn}]+(?:点[{cn}]+)?"
    yuan = r"(?:元|块钱|块|圆|rmb|RMB|人民币)"
    small = f"[{cn}]|\\d"
    patterns = [
        rf"(?:[¥￥]|RMB|rmb|CNY|cny)\s*(?P<number>{ar})(?:\s*{yuan})?",
        rf"(?P<number>{number})\s*{yuan}(?:(?P<jiao>{small})(?:角|毛)?)?(?:(?P<fen>{small})分)?",
        rf"(?P<jiao_only>{small})(?:角|毛)(?:钱)?",
        rf"(?P<number>(?:{ar})\s*[千万kKwW]|[{cn}]+[千万])(?![\w年月日号天])",
        r"(?P<number>\d{1,3}(?:,\d{3})+\.\d{2}|\d+\.\d{2})(?![\d.%])",
    ]
    found, taken = [], []
    for pattern in patterns:
        for match in re.finditer(pattern, text):
            start, end = match.span()
            if re.search(r"[0-9A-Za-z.,]$", text[:start]) and text[start] not in "¥￥":
                continue
            if any(start < t_end and end > t_start for t_start, t_end in taken):
                continue
            value = amounts._value_of(match)
            if value is None or value <= 0 or value > amounts.MAX_AMOUNT:
                continue
            taken.append((start, end))
            found.append((start, end, value.quantize(Decimal("0.01"))))
    return sorted(found)
