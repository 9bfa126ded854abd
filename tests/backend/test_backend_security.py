"""Verification codes (expiry, attempts, rate limits), reset tokens, passwords, login locks."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from backend_testkit import assert_error, latest_code
from sqlalchemy import func, select

from backend.demo_data import DEMO_PASSWORD
from backend.models import Customer, OutboxMessage, VerificationChallenge

pytestmark = pytest.mark.usefixtures("ctx")
NEW_PASSWORD = "Sunrise-Lake-2027"


def send(api, customer_id="u1001", channel="sms", purpose="password_reset", key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(
        f"/v1/customers/{customer_id}/verification-codes",
        json={"channel": channel, "purpose": purpose},
        headers=headers,
    )


def verify(api, challenge_id, code):
    return api.post(f"/v1/verifications/{challenge_id}/verify", json={"code": code})


def login(api, customer_id, password):
    response = api.post(f"/v1/customers/{customer_id}/login", json={"password": password})
    assert response.status_code == 200, response.text
    return response.json()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def outbox_count(ctx, customer_id):
    with ctx.db.session() as session:
        return session.execute(
            select(func.count()).where(OutboxMessage.customer_id == customer_id)
        ).scalar()


def test_code_goes_to_the_outbox_never_to_the_response(api, ctx, clock):
    response = send(api)
    assert response.status_code == 201, response.text
    challenge = response.json()
    code = latest_code(ctx.db, "u1001")
    assert len(code) == 6 and code.isdigit()
    assert code not in response.text
    assert challenge["destination_masked"] == "138****1001"
    assert "13800001001" not in response.text
    assert challenge["reset_url"] == (
        f"http://127.0.0.1:8100/security/reset?challenge={challenge['challenge_id']}"
    )
    assert datetime.fromisoformat(challenge["expires_at"]) == clock.now() + timedelta(minutes=10)
    assert challenge["max_attempts"] == 5
    with ctx.db.session() as session:
        message = session.execute(select(OutboxMessage)).scalars().one()
        stored = session.get(VerificationChallenge, challenge["challenge_id"])
        assert message.destination == "13800001001"
        assert code in message.body
        assert code not in stored.code_digest


def test_email_channel(api, ctx):
    challenge = send(api, "u1005", channel="email").json()
    assert challenge["destination_masked"] == "c***g@example.com"
    assert_error(send(api, "u1001", channel="email"), 409, "CHANNEL_UNAVAILABLE")


def test_frozen_account_gets_no_code(api):
    assert_error(send(api, "u1008"), 409, "ACCOUNT_FROZEN")


def test_bad_send_requests(api):
    assert_error(send(api, "u9999"), 404, "CUSTOMER_NOT_FOUND")
    response = api.post("/v1/customers/u1001/verification-codes", json={"channel": "pigeon"})
    assert_error(response, 422, "VALIDATION_ERROR")


def test_one_code_per_minute(api, clock):
    assert send(api).status_code == 201
    clock.advance(30)
    error = send(api)
    body = assert_error(error, 429, "RATE_LIMITED")
    assert body["details"]["retry_after_seconds"] == 30
    assert error.headers["retry-after"] == "30"
    clock.advance(30)
    assert send(api).status_code == 201


def test_ten_codes_a_day(api, clock):
    for _ in range(10):
        assert send(api).status_code == 201
        clock.advance(61)
    body = assert_error(send(api), 429, "DAILY_LIMIT_REACHED")
    assert 0 < body["details"]["retry_after_seconds"] <= 86400
    clock.advance(body["details"]["retry_after_seconds"])
    assert send(api).status_code == 201


def test_same_idempotency_key_sends_one_code(api, ctx):
    first = send(api, key="send-code-key-01")
    again = send(api, key="send-code-key-01")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["challenge_id"] == again.json()["challenge_id"]
    assert outbox_count(ctx, "u1001") == 1
    assert_error(
        send(api, channel="sms", purpose="unlock", key="send-code-key-01"),
        409,
        "IDEMPOTENCY_KEY_REUSED",
    )


def test_code_expires_after_ten_minutes(api, ctx, clock):
    challenge = send(api).json()
    code = latest_code(ctx.db, "u1001")
    clock.advance(600)
    assert_error(verify(api, challenge["challenge_id"], code), 410, "CODE_EXPIRED")


def test_code_works_just_before_expiry(api, ctx, clock):
    challenge = send(api).json()
    code = latest_code(ctx.db, "u1001")
    clock.advance(599)
    result = verify(api, challenge["challenge_id"], code)
    assert result.status_code == 200, result.text
    assert len(result.json()["reset_token"]) >= 32
    assert_error(verify(api, challenge["challenge_id"], code), 409, "CODE_ALREADY_USED")


def test_five_attempts_then_the_code_is_dead(api, ctx):
    challenge = send(api).json()
    code = latest_code(ctx.db, "u1001")
    for remaining in (4, 3, 2, 1, 0):
        body = assert_error(
            verify(api, challenge["challenge_id"], wrong(code)), 400, "CODE_INVALID"
        )
        assert body["details"]["remaining_attempts"] == remaining
    assert_error(verify(api, challenge["challenge_id"], code), 409, "CODE_ATTEMPTS_EXCEEDED")


def test_malformed_codes_are_422_and_cost_nothing(api, ctx):
    challenge = send(api).json()
    code = latest_code(ctx.db, "u1001")
    for bad in ["12345", "1234567", "abcdef", "' OR 1=1", ""]:
        assert_error(verify(api, challenge["challenge_id"], bad), 422, "VALIDATION_ERROR")
    assert verify(api, challenge["challenge_id"], code).status_code == 200


def test_unknown_challenge(api):
    assert_error(verify(api, "x" * 32, "123456"), 404, "CHALLENGE_NOT_FOUND")
    assert_error(verify(api, "short", "123456"), 422, "VALIDATION_ERROR")


def test_a_new_code_supersedes_the_old_one(api, ctx, clock):
    old = send(api).json()
    old_code = latest_code(ctx.db, "u1001")
    clock.advance(61)
    new = send(api).json()
    new_code = latest_code(ctx.db, "u1001")
    assert_error(verify(api, old["challenge_id"], old_code), 409, "CODE_SUPERSEDED")
    assert verify(api, new["challenge_id"], new_code).status_code == 200


def test_reset_password_end_to_end(api, ctx):
    challenge = send(api).json()
    token = verify(api, challenge["challenge_id"], latest_code(ctx.db, "u1001")).json()
    assert token["unlocked"] is False
    weak = api.post(
        "/v1/password-resets",
        json={"reset_token": token["reset_token"], "new_password": "abc"},
    )
    body = assert_error(weak, 422, "WEAK_PASSWORD")
    assert {"TOO_SHORT", "NEEDS_DIGIT"} <= set(body["details"]["violations"])
    done = api.post(
        "/v1/password-resets",
        json={"reset_token": token["reset_token"], "new_password": NEW_PASSWORD},
    )
    assert done.status_code == 200, done.text
    assert login(api, "u1001", NEW_PASSWORD)["result"] == "ok"
    assert login(api, "u1001", DEMO_PASSWORD)["result"] == "wrong_password"
    with ctx.db.session() as session:
        stored = session.get(Customer, "u1001").password_hash
    assert stored.startswith("$argon2id$") and NEW_PASSWORD not in stored
    again = api.post(
        "/v1/password-resets",
        json={"reset_token": token["reset_token"], "new_password": "Another-Path-2028"},
    )
    assert_error(again, 409, "RESET_TOKEN_USED")


@pytest.mark.parametrize(
    "password, violation",
    [
        ("short1A", "TOO_SHORT"),
        ("x" * 60 + "12345678", "TOO_LONG"),
        ("12345670", "NEEDS_LETTER"),
        ("OnlyLettersHere", "NEEDS_DIGIT"),
        ("has space 12ab", "INVALID_CHARACTERS"),
        ("aaaa1234bcd", "REPETITIVE"),
        ("Password1", "COMMON_PASSWORD"),
        ("Abc13800001001", "CONTAINS_PERSONAL_INFO"),
        ("u1001-mine-9x", "CONTAINS_PERSONAL_INFO"),
        (DEMO_PASSWORD, "SAME_AS_CURRENT"),
    ],
)
def test_password_strength_rules(api, ctx, password, violation):
    challenge = send(api).json()
    token = verify(api, challenge["challenge_id"], latest_code(ctx.db, "u1001")).json()
    response = api.post(
        "/v1/password-resets",
        json={"reset_token": token["reset_token"], "new_password": password},
    )
    body = assert_error(response, 422, "WEAK_PASSWORD")
    assert violation in body["details"]["violations"]


def test_reset_token_expires(api, ctx, clock):
    challenge = send(api).json()
    token = verify(api, challenge["challenge_id"], latest_code(ctx.db, "u1001")).json()
    clock.advance(15 * 60)
    response = api.post(
        "/v1/password-resets",
        json={"reset_token": token["reset_token"], "new_password": NEW_PASSWORD},
    )
    assert_error(response, 410, "RESET_TOKEN_EXPIRED")
    bogus = api.post(
        "/v1/password-resets", json={"reset_token": "z" * 43, "new_password": NEW_PASSWORD}
    )
    assert_error(bogus, 400, "RESET_TOKEN_INVALID")


def test_five_wrong_passwords_lock_the_login(api):
    for remaining in (4, 3, 2, 1):
        result = login(api, "u1001", "wrong-password-1")
        assert (result["result"], result["login_attempts_remaining"]) == (
            "wrong_password",
            remaining,
        )
    result = login(api, "u1001", "wrong-password-1")
    assert (result["result"], result["status"]) == ("locked", "locked")
    assert login(api, "u1001", DEMO_PASSWORD)["result"] == "locked"
    profile = api.get("/v1/customers/u1001").json()
    assert (profile["lock_reason"], profile["can_self_unlock"]) == ("too_many_failed_logins", True)


def test_verification_unlocks_a_locked_login(api, ctx):
    assert login(api, "u1004", DEMO_PASSWORD)["result"] == "locked"
    challenge = send(api, "u1004", purpose="unlock").json()
    result = verify(api, challenge["challenge_id"], latest_code(ctx.db, "u1004")).json()
    assert result["unlocked"] is True
    profile = api.get("/v1/customers/u1004").json()
    assert (profile["status"], profile["failed_login_count"], profile["lock_reason"]) == (
        "active",
        0,
        None,
    )
    assert login(api, "u1004", DEMO_PASSWORD)["result"] == "ok"


def test_frozen_login_stays_frozen(api):
    assert login(api, "u1008", DEMO_PASSWORD)["result"] == "frozen"
