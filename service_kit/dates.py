"""Find dates in customer text and resolve them to calendar days in eepay's time zone.

Customers name the day of a payment relative to today far more often than as a date:
``昨天``, ``前天晚上``, ``上周五``, ``3天前``, ``11月20号``, ``2026-11-20``. Every result is a
``datetime.date`` in Asia/Shanghai, the zone eepay's records and customers live in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import cn2an

EEPAY_TZ = ZoneInfo("Asia/Shanghai")

_CN = "零〇一二两三四五六七八九十"
_NUM = rf"\d{{1,2}}|[{_CN}]{{1,3}}"
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_RELATIVE_DAYS = {
    "今天": 0,
    "今日": 0,
    "今早": 0,
    "今晚": 0,
    "昨天": -1,
    "昨日": -1,
    "昨晚": -1,
    "昨儿": -1,
    "前天": -2,
    "前日": -2,
    "大前天": -3,
}


@dataclass(frozen=True)
class DateMatch:
    """A date found in a text: its character span, the text and the resolved day."""

    start: int
    end: int
    text: str
    value: date


def _int(text: str) -> int | None:
    try:
        return int(text) if text.isdigit() else int(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError, TypeError):
        return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_day(today: date, month: int, day: int) -> date | None:
    """A month/day without a year is the most recent such day (payments are in the past)."""
    candidate = _safe_date(today.year, month, day)
    if candidate and candidate > today:
        candidate = _safe_date(today.year - 1, month, day)
    return candidate


def _resolve_iso(m: re.Match, today: date) -> date | None:
    return _safe_date(int(m["y"]), int(m["m"]), int(m["d"]))


def _resolve_cn_full(m: re.Match, today: date) -> date | None:
    month, day = _int(m["m"]), _int(m["d"])
    if month is None or day is None:
        return None
    if m["y"]:
        year = int(m["y"]) if len(m["y"]) == 4 else 2000 + int(m["y"])
        return _safe_date(year, month, day)
    return _month_day(today, month, day)


def _resolve_slash(m: re.Match, today: date) -> date | None:
    return _month_day(today, int(m["m"]), int(m["d"]))


def _resolve_last_month_day(m: re.Match, today: date) -> date | None:
    day = _int(m["d"])
    first_of_this_month = today.replace(day=1)
    if m["rel"] == "上":
        last_month = first_of_this_month - timedelta(days=1)
        return _safe_date(last_month.year, last_month.month, day) if day else None
    if m["rel"] == "这" or m["rel"] == "本":
        return _safe_date(today.year, today.month, day) if day else None
    return None


def _resolve_bare_day(m: re.Match, today: date) -> date | None:
    day = _int(m["d"])
    if not day:
        return None
    candidate = _safe_date(today.year, today.month, day)
    if candidate and candidate <= today:
        return candidate
    previous = today.replace(day=1) - timedelta(days=1)
    return _safe_date(previous.year, previous.month, day)


def _resolve_relative(m: re.Match, today: date) -> date | None:
    return today + timedelta(days=_RELATIVE_DAYS[m.group(0)])


def _resolve_days_ago(m: re.Match, today: date) -> date | None:
    days = _int(m["n"])
    return today - timedelta(days=days) if days is not None and days < 400 else None


def _resolve_weekday(m: re.Match, today: date) -> date | None:
    weekday = _WEEKDAYS[m["wd"]]
    monday_this_week = today - timedelta(days=today.weekday())
    if m["rel"] in ("上", "上个"):
        return monday_this_week - timedelta(days=7) + timedelta(days=weekday)
    if m["rel"] in ("这", "这个", "本"):
        return monday_this_week + timedelta(days=weekday)
    # a bare 周五 means the most recent Friday, today included
    return today - timedelta(days=(today.weekday() - weekday) % 7)


# (pattern, resolver), from the most to the least specific.
_RULES = [
    (re.compile(r"(?P<y>20\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"), _resolve_iso),
    (
        re.compile(rf"(?:(?P<y>20\d{{2}}|\d{{2}})年)?(?P<m>{_NUM})月(?P<d>{_NUM})(?:日|号)"),
        _resolve_cn_full,
    ),
    (
        re.compile(r"(?<![\d/])(?P<m>1[0-2]|0?[1-9])/(?P<d>3[01]|[12]\d|0?[1-9])(?![\d/])"),
        _resolve_slash,
    ),
    (re.compile(rf"(?P<rel>上|这|本)个?月(?P<d>{_NUM})(?:日|号)"), _resolve_last_month_day),
    (re.compile(r"大前天|前天|前日|昨天|昨日|昨晚|昨儿|今天|今日|今早|今晚"), _resolve_relative),
    (re.compile(rf"(?P<n>{_NUM}|\d{{1,3}})\s*天(?:以)?前"), _resolve_days_ago),
    (
        re.compile(r"(?P<rel>上个|上|这个|这|本)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天])"),
        _resolve_weekday,
    ),
    (re.compile(rf"(?<![月\d{_CN}])(?P<d>{_NUM})(?:号)(?![码])"), _resolve_bare_day),
]


def today_in_eepay_tz(now: datetime | None = None) -> date:
    """Today's date in Asia/Shanghai."""
    return (now or datetime.now(tz=EEPAY_TZ)).astimezone(EEPAY_TZ).date()


def find_dates(text: str, today: date | None = None) -> list[DateMatch]:
    """All non-overlapping dates in ``text`` resolved against ``today`` (Asia/Shanghai)."""
    today = today or today_in_eepay_tz()
    found: list[DateMatch] = []
    for pattern, resolve in _RULES:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < f.end and end > f.start for f in found):
                continue
            value = resolve(match, today)
            if value is not None:
                found.append(DateMatch(start, end, match.group(0), value))
    return sorted(found, key=lambda d: d.start)
