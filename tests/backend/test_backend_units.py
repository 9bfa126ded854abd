"""Pure functions: masking, working days, refund policy order, password rules, settings."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from backend.core.clock import CHINA_TZ
from backend.core.security import (
    mask_email,
    mask_phone,
    new_verification_code,
)
from backend.core.settings import DEFAULT_SQLITE_PATH, Settings
from backend.services.passwords import password_violations
from backend.services.policy import add_working_days, arrival_window, refund_eligibility
from service_kit.clock import ManualClock


@pytest.mark.parametrize(
    "phone, masked", [("13800001001", "138****1001"), ("13912345678", "139****5678")]
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    "email, masked",
    [
        ("chenjing@example.com", "c***g@example.com"),
        ("ab@example.com", "a*@example.com"),
        ("a@example.com", "*@example.com"),
    ],
)
def test_mask_email(email, masked):
    assert mask_email(email) == masked


def test_codes_are_six_digits_and_vary():
    codes = {new_verification_code() for _ in range(200)}
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 150


def china(year, month, day, hour=10):
    return datetime(year, month, day, hour, tzinfo=CHINA_TZ)


def test_working_days_skip_weekends():
    friday = china(2026, 11, 27)
    assert add_working_days(friday, 0) == friday
    assert add_working_days(friday, 1) == china(2026, 11, 30)  # Monday
    assert add_working_days(friday, 3) == china(2026, 12, 2)
    saturday = china(2026, 11, 28)
    assert add_working_days(saturday, 1) == china(2026, 11, 30)
    # The China date decides: 20:00 UTC on Friday is already Saturday 04:00 in Shanghai, so
    # one working day later is Monday in Shanghai (counting in UTC would give Tuesday there).
    late_friday_utc = datetime(2026, 11, 27, 20, tzinfo=timezone.utc)
    later = add_working_days(late_friday_utc, 1)
    assert later.astimezone(CHINA_TZ) == datetime(2026, 11, 30, 4, tzinfo=CHINA_TZ)
    assert later.tzinfo == timezone.utc


def test_arrival_windows_by_method():
    start = china(2026, 11, 23)  # Monday
    assert arrival_window("balance", start) == (start, start)
    assert arrival_window("debit_card", start) == (china(2026, 11, 24), china(2026, 11, 26))
    assert arrival_window("credit_card", start) == (china(2026, 11, 26), china(2026, 12, 2))


def rule(**overrides):
    now = datetime(2026, 11, 26, tzinfo=timezone.utc)
    values = {
        "status": "success",
        "type_": "payment",
        "merchant_category": "food_delivery",
        "amount_fen": 8900,
        "refunded_fen": 0,
        "in_progress_fen": 0,
        "refund_deadline_at": now + timedelta(days=5),
        "now": now,
    }
    values.update(overrides)
    return refund_eligibility(**values)


@pytest.mark.parametrize(
    "overrides, code",
    [
        ({}, None),
        ({"status": "failed"}, "TRANSACTION_FAILED"),
        ({"status": "pending"}, "TRANSACTION_PENDING"),
        ({"status": "refunded"}, "FULLY_REFUNDED"),
        ({"type_": "transfer", "merchant_category": "p2p_transfer"}, "TRANSFER_NOT_REFUNDABLE"),
        ({"merchant_category": "virtual_goods"}, "NON_REFUNDABLE_CATEGORY"),
        (
            {"merchant_category": "virtual_goods", "refund_deadline_at": None},
            "NON_REFUNDABLE_CATEGORY",
        ),
        (
            {"refund_deadline_at": datetime(2026, 11, 25, tzinfo=timezone.utc)},
            "REFUND_WINDOW_EXPIRED",
        ),
        ({"in_progress_fen": 8900}, "REFUND_IN_PROGRESS"),
        ({"refunded_fen": 8900, "status": "partially_refunded"}, "FULLY_REFUNDED"),
        ({"requested_fen": 8901}, "AMOUNT_EXCEEDS_REMAINDER"),
        (
            {"refunded_fen": 3000, "in_progress_fen": 5000, "requested_fen": 901},
            "AMOUNT_EXCEEDS_REMAINDER",
        ),
    ],
)
def test_refund_rules(overrides, code):
    result = rule(**overrides)
    assert result.reason_code == code
    assert result.eligible is (code is None)


def test_partial_refund_remainder():
    assert (
        rule(refunded_fen=3000, in_progress_fen=5000, status="partially_refunded").refundable_fen
        == 900
    )


def test_password_rules_accept_good_passwords():
    for password in ("Sunrise-Lake-2027", "correct horse9".replace(" ", "-"), "Zq8#mLp2vX"):
        assert password_violations(password, phone="13800001001", customer_id="u1001") == []


def test_manual_clock_needs_a_zone_and_moves():
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 1, 1))
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
    clock.advance(90)
    assert clock.now() == datetime(2026, 1, 1, 0, 1, 30, tzinfo=timezone.utc)


def test_database_url_precedence(monkeypatch):
    monkeypatch.delenv("BACKEND_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert Settings().database_url == f"sqlite:///{DEFAULT_SQLITE_PATH}"
    assert DEFAULT_SQLITE_PATH.parent.name == "var"
    monkeypatch.setenv("DATABASE_URL", "postgresql://shared/db")
    assert Settings().database_url == "postgresql://shared/db"
    monkeypatch.setenv("BACKEND_DATABASE_URL", "postgresql://backend/db")
    assert Settings().database_url == "postgresql://backend/db"


def test_settings_defaults_and_environment(monkeypatch):
    import os

    for name in [name for name in os.environ if name.startswith("BACKEND_")]:
        monkeypatch.delenv(name, raising=False)
    defaults = Settings()
    assert (defaults.host, defaults.port, defaults.api_token) == (
        "127.0.0.1",
        8100,
        "dev-backend-token",
    )
    assert defaults.reset_page_url == "http://127.0.0.1:8100/security/reset"
    assert (defaults.code_ttl_seconds, defaults.code_max_attempts) == (600, 5)
    assert (defaults.code_min_interval_seconds, defaults.code_daily_limit) == (60, 10)
    assert defaults.enable_test_endpoints is False
    monkeypatch.setenv("BACKEND_PORT", "9100")
    monkeypatch.setenv("BACKEND_API_TOKEN", "prod-token-abcdef")
    configured = Settings()
    assert (configured.port, configured.api_token) == (9100, "prod-token-abcdef")


def test_database_outage_is_503_not_500():
    from backend_testkit import TOKEN, assert_error, free_port, make_settings
    from fastapi.testclient import TestClient

    from backend.db import Database
    from backend.main import create_app

    dead = f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/test"
    app = create_app(make_settings(dead), database=Database(dead, pool_pre_ping=False))
    client = TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"})
    assert client.get("/healthz").status_code == 503
    response = client.get("/v1/customers/u1001")
    assert_error(response, 503, "DATABASE_UNAVAILABLE")
    assert response.headers["retry-after"] == "1"
