from datetime import date, datetime, timezone

import pytest

from service_kit.dates import find_dates, today_in_eepay_tz

TODAY = date(2026, 11, 26)  # a Thursday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("昨天付的", "2026-11-25"),
        ("前天晚上", "2026-11-24"),
        ("大前天", "2026-11-23"),
        ("上周五扣的", "2026-11-20"),
        ("周一", "2026-11-23"),
        ("3天前", "2026-11-23"),
        ("11月20号那笔", "2026-11-20"),
        ("十一月二十日", "2026-11-20"),
        ("2026-11-20", "2026-11-20"),
        ("2025年12月1日", "2025-12-01"),
        ("上个月3号", "2026-10-03"),
        ("这个月5号", "2026-11-05"),
        ("20号付的", "2026-11-20"),
        ("12/25", "2025-12-25"),  # a month/day in the future means last year
    ],
)
def test_dates_resolve_against_today(text, expected):
    (match,) = find_dates(text, TODAY)
    assert match.value.isoformat() == expected


@pytest.mark.parametrize("text", ["T202611200001", "验证码123456号码", "2月30日", "我付了两次"])
def test_non_dates(text):
    assert find_dates(text, TODAY) == []


def test_today_is_taken_in_shanghai():
    # 18:00 UTC on the 26th is already the 27th in Asia/Shanghai
    assert today_in_eepay_tz(datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)) == date(
        2026, 11, 27
    )
