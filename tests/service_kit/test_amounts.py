from decimal import Decimal

import pytest

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
