"""Pure functions of the desk: working hours, masking, transcript parsing, settings, redirects."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from desk_testkit import make_settings
from pydantic import ValidationError

from desk.api.pages.browser_session import safe_next
from desk.clients.rasa import agent_message_event
from desk.core.hours import WorkingHours, parse_days, parse_ranges
from desk.core.masking import mask_last4, mask_text, mask_value
from desk.core.security import token_digest
from desk.services.export import _cell
from desk.services.transcripts import parse_events

SHANGHAI_NINE_PM = datetime(2026, 11, 27, 13, 0, tzinfo=timezone.utc)  # Fri 21:00 +08:00


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


# --- working hours ---------------------------------------------------------------------------


def test_day_hours_in_shanghai():
    hours = WorkingHours.from_settings("09:00-21:00", "1-7", "Asia/Shanghai")
    assert not hours.is_open(utc(2026, 11, 27, 0, 59))  # 08:59 local
    assert hours.is_open(utc(2026, 11, 27, 1, 0))  # 09:00 local
    assert hours.is_open(utc(2026, 11, 27, 12, 59))  # 20:59
    assert not hours.is_open(SHANGHAI_NINE_PM)  # 21:00 closes
    assert hours.next_open(SHANGHAI_NINE_PM).isoformat() == "2026-11-28T09:00:00+08:00"
    early = utc(2026, 11, 26, 22, 0)  # 06:00 local on the 27th
    assert hours.next_open(early).isoformat() == "2026-11-27T09:00:00+08:00"


def test_weekdays_only_and_overnight_ranges():
    weekdays = WorkingHours.from_settings("09:00-18:00", "1-5", "Asia/Shanghai")
    friday_evening = utc(2026, 11, 27, 11, 0)  # Fri 19:00 local
    assert weekdays.next_open(friday_evening).isoformat() == "2026-11-30T09:00:00+08:00"
    assert not weekdays.is_open(utc(2026, 11, 28, 3, 0))  # Saturday 11:00

    night = WorkingHours.from_settings("21:00-09:00", "1-7", "Asia/Shanghai")
    assert night.is_open(SHANGHAI_NINE_PM)
    assert night.is_open(utc(2026, 11, 27, 18, 0))  # 02:00 local
    assert not night.is_open(utc(2026, 11, 27, 4, 0))  # 12:00 local

    split = WorkingHours.from_settings("09:00-12:00,13:00-18:00", "1-7", "Asia/Shanghai")
    lunch = utc(2026, 11, 27, 4, 30)  # 12:30 local
    assert not split.is_open(lunch)
    assert split.next_open(lunch).isoformat() == "2026-11-27T13:00:00+08:00"

    always = WorkingHours.from_settings("00:00-24:00", "1-7", "Asia/Shanghai")
    assert always.is_open(utc(2026, 11, 27, 16, 0)) and always.is_open(SHANGHAI_NINE_PM)


@pytest.mark.parametrize("text", ["9-21", "09:00", "25:00-26:00", "09:60-10:00", "x"])
def test_malformed_hours_are_refused(text):
    with pytest.raises(ValueError):
        parse_ranges(text)


@pytest.mark.parametrize("text", ["0-5", "1-8", "5-1", "mon-fri", ""])
def test_malformed_days_are_refused(text):
    with pytest.raises(ValueError):
        parse_days(text)


def test_settings_validate_hours_zone_and_secrets(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert make_settings(url).working_hours == "00:00-24:00"
    for bad in ({"working_hours": "nine to five"}, {"timezone": "Mars/Olympus"},
                {"working_days": "8"}, {"service_token": "short"},
                {"admin_password": "short"}):  # fmt: skip
        with pytest.raises(ValidationError):
            make_settings(url, **bad)


def test_database_url_falls_back_to_database_url_then_sqlite(monkeypatch):
    from desk.core.settings import DEFAULT_SQLITE_PATH, Settings

    monkeypatch.delenv("DESK_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert Settings().database_url == f"sqlite:///{DEFAULT_SQLITE_PATH}"
    monkeypatch.setenv("DATABASE_URL", "postgresql://shared/db")
    assert Settings().database_url == "postgresql://shared/db"
    monkeypatch.setenv("DESK_DATABASE_URL", "postgresql://desk/db")
    assert Settings().database_url == "postgresql://desk/db"
    monkeypatch.setenv("RASA_URL", "http://rasa:5005/")
    assert Settings().rasa_url == "http://rasa:5005"


# --- masking ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("手机13800001001", "手机*******1001"),
        ("电话 138 0000 1001 谢谢", "电话 *******1001 谢谢"),
        ("+86-13800001001", "*********1001"),
        ("138****1001", "*******1001"),
        ("邮箱 chenjing@example.com", "邮箱 c***g@example.com"),
        ("卡号 4111 1111 1111 1111", "卡号 ************1111"),
        ("我的密码是Abc12345", "我的密码是******"),
        ("交易 T202611200001 失败", "交易 T202611200001 失败"),
        ("金额 199.00 元", "金额 199.00 元"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    ],
)
def test_mask_text(text, expected):
    assert mask_text(text) == expected


def test_masking_is_idempotent_and_keeps_what_the_bot_redacted():
    once = mask_text("卡 ************1111 密码 ****** 手机13800001001 c***g@example.com")
    assert mask_text(once) == once
    assert "************1111" in once and "******" in once


def test_mask_last4_and_mask_value():
    assert mask_last4("138****1001") == "*******1001"
    assert mask_last4("6222 0000 1234 5678") == "**** **** **** 5678"
    assert mask_last4(None) is None
    assert mask_value({"a": ["13800001001", 3], "b": {"c": "x@y.com"}}) == {
        "a": ["*******1001", 3],
        "b": {"c": "x***@y.com"},
    }


# --- transcripts -----------------------------------------------------------------------------


def test_parse_events_keeps_user_bot_and_agent_turns_in_order():
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": 1.0},
        {"event": "user", "text": "付款失败 13800001001", "timestamp": 2.0},
        {"event": "bot", "text": "请检查余额", "timestamp": 3.0, "data": {}},
        {"event": "slot", "name": "x", "value": 1, "timestamp": 3.5},
        {"event": "user", "text": "", "timestamp": 3.6},
        {**agent_message_event("您好，我是小王", "小王"), "timestamp": 4.0},
        {
            "event": "bot",
            "text": None,
            "timestamp": 5.0,
            "data": {"custom": {"type": "rating_request"}},
        },
        {"event": "user", "text": "<b>hi</b>", "timestamp": 6.0},
    ]
    turns = parse_events(events)
    assert [(t.sender, t.text) for t in turns] == [
        ("user", "付款失败 *******1001"),
        ("bot", "请检查余额"),
        ("agent", "您好，我是小王"),
        ("user", "<b>hi</b>"),
    ]
    assert turns[2].agent_name == "小王"
    assert len({t.event_key for t in turns}) == 4
    assert parse_events(events)[0].event_key == turns[0].event_key  # stable across reads
    assert turns[0].sent_at == datetime.fromtimestamp(2.0, timezone.utc)


def test_agent_message_event_is_the_contract_shape():
    assert agent_message_event("你好", "小王") == {
        "event": "bot",
        "text": "你好",
        "data": {"custom": {"type": "agent_message", "agent_name": "小王", "text": "你好"}},
        "metadata": {"sender": "agent", "agent_name": "小王"},
    }


# --- small security helpers ------------------------------------------------------------------


def test_session_tokens_are_stored_as_digests():
    assert len(token_digest("x")) == 64 and token_digest("x") != "x"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/handoffs/3", "/handoffs/3"),
        ("/search?q=a", "/search?q=a"),
        ("//evil.example/x", "/queue"),
        ("https://evil.example/", "/queue"),
        ("/\\evil.example", "/queue"),
        ("", "/queue"),
        (None, "/queue"),
    ],
)
def test_sign_in_never_redirects_off_site(target, expected):
    assert safe_next(target) == expected


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"])
def test_csv_cells_never_start_a_formula(value):
    assert _cell(value).startswith("'")
    assert _cell("正常文本") == "正常文本"
