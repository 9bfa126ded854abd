"""Sign-in limits (desk/services/login_throttle.py): parallel guesses lock after exactly
``login_max_failures``, a guesser's address cannot lock the agent out from elsewhere, attempts
per address are throttled, password hashes per process are bounded.

The parallel tests run the real desk process (``python -m desk``) over HTTP, once on SQLite
and once on PostgreSQL; the rest run in-process on the test clock.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from desk_testkit import AGENT_PASSWORD, assert_error, client, make_settings
from sqlalchemy import create_engine, text

from desk.main import create_app
from desk.services import agents
from tests.support import stack

PG_URL = os.environ.get("DESK_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
PARALLEL = 20


def _outcome(response: httpx.Response) -> str:
    if response.status_code == 200:
        return "ok"
    return f"{response.status_code} {response.json().get('code')}"


def _parallel_logins(
    url: str, username: str, password: str, count: int, source: str = "127.0.0.1"
) -> Counter:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=url, transport=transport, timeout=30) as http:

        def attempt(_index: int) -> str:
            return _outcome(
                http.post("/api/login", json={"username": username, "password": password})
            )

        with ThreadPoolExecutor(max_workers=count) as pool:
            return Counter(pool.map(attempt, range(count)))


def _login_from(url: str, source: str, username: str, password: str) -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=url, transport=transport, timeout=30) as http:
        return http.post("/api/login", json={"username": username, "password": password})


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def live_desk_database(request, tmp_path) -> Iterator[dict[str, str]]:
    """The desk's database for a live desk: a SQLite file, or a private PostgreSQL schema."""
    if request.param == "sqlite":
        yield {}
        return
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        admin.dispose()
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}")
    schema = f"desk_login_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield {"DESK_DATABASE_URL": f"{PG_URL}?options=-csearch_path%3D{schema}"}
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def test_parallel_wrong_passwords_lock_after_exactly_five(tmp_path, live_desk_database):
    env = {"DESK_LOGIN_ATTEMPTS_PER_MINUTE": "1000", **live_desk_database}
    with stack.start_desk(
        tmp_path, "http://127.0.0.1:9", "http://127.0.0.1:9", extra_env=env
    ) as desk:
        password = desk.env["DESK_ADMIN_PASSWORD"]
        outcomes = _parallel_logins(desk.url, "admin", "wrong-password-guess", PARALLEL)
        assert outcomes == Counter(
            {"401 INVALID_CREDENTIALS": 5, "429 ACCOUNT_LOCKED": PARALLEL - 5}
        ), outcomes
        # locked for the guessing address, even with the right password ...
        locked = _login_from(desk.url, "127.0.0.1", "admin", password)
        assert_error(locked, 429, "ACCOUNT_LOCKED")
        assert int(locked.headers["retry-after"]) > 0
        # ... but the supervisor signing in from another address is not locked out
        assert _login_from(desk.url, "127.0.0.2", "admin", password).status_code == 200


def test_the_hash_slots_bound_concurrent_sign_ins(tmp_path):
    """One slot and no waiting: of parallel attempts, those finding the slot taken get 429
    LOGIN_BUSY instead of a hash each (argon2 at 64 MiB here, as in production)."""
    env = {
        "DESK_LOGIN_ATTEMPTS_PER_MINUTE": "1000",
        "DESK_LOGIN_MAX_CONCURRENT_HASHES": "1",
        "DESK_LOGIN_HASH_WAIT_SECONDS": "0",
        "DESK_ARGON2_TIME_COST": "3",
        "DESK_ARGON2_MEMORY_COST_KIB": "65536",
    }
    with stack.start_desk(
        tmp_path, "http://127.0.0.1:9", "http://127.0.0.1:9", extra_env=env
    ) as desk:
        outcomes = _parallel_logins(desk.url, "nobody", "wrong-password-guess", 8)
        assert outcomes["429 LOGIN_BUSY"] >= 1, outcomes
        assert outcomes["401 INVALID_CREDENTIALS"] >= 1, outcomes
        alone = _parallel_logins(desk.url, "nobody", "x" * 12, 1)
        assert alone == Counter({"401 INVALID_CREDENTIALS": 1})


# --- in-process, on the test clock -----------------------------------------------------------


def _wrong(anon, username: str = "nobody") -> httpx.Response:
    return anon.post("/api/login", json={"username": username, "password": "wrong-password!"})


def test_attempts_per_address_are_throttled(anon, ctx, clock):
    limit = ctx.settings.login_attempts_per_minute
    for _ in range(limit):
        assert_error(_wrong(anon), 401, "INVALID_CREDENTIALS")
    refused = _wrong(anon, "wang")
    body = assert_error(refused, 429, "TOO_MANY_ATTEMPTS")
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert body["details"]["retry_after_seconds"] == int(refused.headers["retry-after"])
    # even the right password waits: the address, not the account, is throttled
    right = anon.post("/api/login", json={"username": "wang", "password": AGENT_PASSWORD})
    assert_error(right, 429, "TOO_MANY_ATTEMPTS")
    clock.advance(61)
    assert anon.post("/api/login", json={"username": "wang", "password": AGENT_PASSWORD}).is_success


def test_successful_sign_ins_give_their_attempt_back(anon, ctx):
    """A whole office behind one address signs in at nine without being throttled."""
    for _ in range(ctx.settings.login_attempts_per_minute * 2):
        response = anon.post("/api/login", json={"username": "wang", "password": AGENT_PASSWORD})
        assert response.status_code == 200


def test_the_sign_in_page_explains_a_throttle_politely(anon, ctx):
    for _ in range(ctx.settings.login_attempts_per_minute):
        _wrong(anon)
    page = anon.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = anon.post(
        "/login", data={"username": "wang", "password": AGENT_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 429
    assert "登录尝试过于频繁" in response.text and int(response.headers["retry-after"]) > 0
    assert "www-authenticate" not in response.headers


def test_a_lock_is_per_address_and_a_new_password_lifts_it(database, ctx, clock):
    """Behind a trusted proxy the client address is X-Forwarded-For's last untrusted hop."""
    app = create_app(
        make_settings(database.url, trusted_proxies="testclient"), clock=clock, database=database
    )

    def login(address: str, password: str) -> httpx.Response:
        http = client(app, **{"X-Forwarded-For": f"198.51.100.77, {address}"})
        return http.post("/api/login", json={"username": "li", "password": password})

    for _ in range(ctx.settings.login_max_failures):
        assert_error(login("203.0.113.5", "nope-nope-nope"), 401)
    assert_error(login("203.0.113.5", AGENT_PASSWORD), 429, "ACCOUNT_LOCKED")
    assert login("203.0.113.6", AGENT_PASSWORD).status_code == 200
    agents.set_password(ctx, "li", "Brand-new-pass-42")
    assert login("203.0.113.5", "Brand-new-pass-42").status_code == 200


def test_forwarded_addresses_are_ignored_from_untrusted_peers(anon, ctx):
    """Without DESK_TRUSTED_PROXIES a client cannot dodge its lock by inventing addresses."""
    for index in range(ctx.settings.login_max_failures):
        http = client(anon.app, **{"X-Forwarded-For": f"203.0.113.{index}"})
        assert_error(_wrong(http, "li"), 401)
    http = client(anon.app, **{"X-Forwarded-For": "203.0.113.99"})
    assert_error(http.post("/api/login", json={"username": "li", "password": AGENT_PASSWORD}), 429)


def test_many_addresses_together_lock_the_account_everywhere(database, ctx, clock):
    app = create_app(
        make_settings(database.url, trusted_proxies="testclient", login_account_max_failures=8),
        clock=clock,
        database=database,
    )

    def login(address: str, password: str) -> httpx.Response:
        http = client(app, **{"X-Forwarded-For": address})
        return http.post("/api/login", json={"username": "li", "password": password})

    for index in range(8):
        assert_error(login(f"203.0.113.{index // 4}", "nope-nope-nope"), 401)
    assert_error(login("192.0.2.1", AGENT_PASSWORD), 429, "ACCOUNT_LOCKED")
    clock.advance(ctx.settings.login_lockout_seconds + 1)
    assert login("192.0.2.1", AGENT_PASSWORD).status_code == 200
