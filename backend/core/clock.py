"""The calendar of the backend's payment rules: dates of payments, refund windows and ids are
China's (UTC+8, no daylight saving). The clocks themselves are ``service_kit.clock``."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), name="Asia/Shanghai")


def china_date(moment: datetime) -> date:
    """The calendar date in China (UTC+8, no daylight saving) of an aware moment."""
    return moment.astimezone(CHINA_TZ).date()
