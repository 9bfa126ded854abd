"""Signing in: tokens, refusals, lockout, and that every route needs a session."""

from __future__ import annotations

import pytest
from desk_testkit import (
    ADMIN_PASSWORD,
    AGENT_PASSWORD,
    SERVICE_TOKEN,
    api_token,
    assert_error,
    client,
    handoff_body,
)
from fastapi.routing import APIRoute
from sqlalchemy import select

from desk.models import Agent, AgentSession
from desk.services import agents

PUBLIC = {("POST", "/api/login"), ("GET", "/login"), ("POST", "/login"), ("GET", "/healthz")}
# Not sessions: Prometheus' /metrics has its own rule (loopback or DESK_METRICS_TOKEN, see
# test_desk_metrics.py); Chart.js is a static asset like everything under /static.
OWN_RULES = {("GET", "/metrics"), ("GET", "/static/vendor/chart.umd.min.js")}


def test_login_returns_a_token_that_works(anon):
    response = anon.post("/api/login", json={"username": "wang", "password": AGENT_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"token"} and len(body["token"]) >= 40
    me = anon.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json() == {"username": "wang", "display_name": "小王", "role": "agent"}


def test_usernames_are_case_insensitive(anon):
    response = anon.post("/api/login", json={"username": "WANG", "password": AGENT_PASSWORD})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "wang", "password": "wrong-password"},
        {"username": "nobody", "password": AGENT_PASSWORD},
        {"username": "wang", "password": AGENT_PASSWORD.upper()},
    ],
)
def test_wrong_credentials_are_refused_alike(anon, credentials):
    body = assert_error(anon.post("/api/login", json=credentials), 401, "INVALID_CREDENTIALS")
    assert "token" not in body


@pytest.mark.parametrize("body", [{}, {"username": "wang"}, {"username": "", "password": "x"}])
def test_malformed_login_is_422(anon, body):
    assert_error(anon.post("/api/login", json=body), 422)


def test_missing_token_is_refused(anon, service):
    service.post("/api/internal/handoffs", json=handoff_body("c-auth"))
    assert_error(anon.get("/api/handoffs"), 401, "AUTH_REQUIRED")
    response = anon.get("/api/handoffs/1")
    assert_error(response, 401, "AUTH_REQUIRED")
    assert response.headers["www-authenticate"] == "Bearer"
    assert_error(anon.post("/api/handoffs/1/claim"), 401, "AUTH_REQUIRED")


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Basic d2FuZzp4", "Bearer", "token"])
def test_wrong_tokens_are_refused(app, header):
    response = client(app, Authorization=header).get("/api/handoffs")
    assert response.status_code == 401
    assert response.json()["code"] in ("INVALID_TOKEN", "AUTH_REQUIRED")


def test_tokens_expire_and_sign_out_ends_them(app, ctx, clock):
    token = api_token(app, "wang", AGENT_PASSWORD)
    api = client(app, Authorization=f"Bearer {token}")
    assert api.get("/api/handoffs").status_code == 200
    clock.advance(ctx.settings.api_token_ttl_minutes * 60 + 1)
    assert_error(api.get("/api/handoffs"), 401, "INVALID_TOKEN")

    token = api_token(app, "wang", AGENT_PASSWORD)
    api = client(app, Authorization=f"Bearer {token}")
    assert api.post("/api/logout").status_code == 204
    assert_error(api.get("/api/handoffs"), 401, "INVALID_TOKEN")


def test_tokens_and_passwords_are_stored_only_as_digests(app, ctx):
    token = api_token(app, "wang", AGENT_PASSWORD)
    with ctx.db.session() as session:
        digests = session.execute(select(AgentSession.token_digest)).scalars().all()
        hashes = session.execute(select(Agent.password_hash)).scalars().all()
    assert token not in digests and all(len(d) == 64 for d in digests)
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any(AGENT_PASSWORD in h for h in hashes)


def test_lockout_after_repeated_wrong_passwords(anon, ctx, clock):
    for _ in range(ctx.settings.login_max_failures):
        assert_error(
            anon.post("/api/login", json={"username": "li", "password": "nope-nope-nope"}), 401
        )
    locked = anon.post("/api/login", json={"username": "li", "password": AGENT_PASSWORD})
    body = assert_error(locked, 429, "ACCOUNT_LOCKED")
    assert int(locked.headers["retry-after"]) > 0 and body["details"]["retry_after_seconds"] > 0
    # other accounts are unaffected; the lock lifts after the lockout time
    assert (
        anon.post("/api/login", json={"username": "wang", "password": AGENT_PASSWORD}).status_code
        == 200
    )
    clock.advance(ctx.settings.login_lockout_seconds + 1)
    assert (
        anon.post("/api/login", json={"username": "li", "password": AGENT_PASSWORD}).status_code
        == 200
    )


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(app, ctx, wang):
    assert wang.get("/api/handoffs").status_code == 200
    agents.set_active(ctx, "wang", False)
    assert_error(wang.get("/api/handoffs"), 401, "INVALID_TOKEN")
    response = client(app).post("/api/login", json={"username": "wang", "password": AGENT_PASSWORD})
    assert_error(response, 401, "INVALID_CREDENTIALS")


def test_a_new_password_ends_old_sessions(app, ctx, wang):
    agents.set_password(ctx, "wang", "Brand-new-pass-42")
    assert_error(wang.get("/api/handoffs"), 401, "INVALID_TOKEN")
    assert api_token(app, "wang", "Brand-new-pass-42")


def test_the_supervisor_from_the_environment_exists_once(ctx):
    assert agents.ensure_admin(ctx) is None  # the fixture created it already
    admin = [a for a in agents.list_agents(ctx) if a.username == "admin"]
    assert len(admin) == 1 and admin[0].role == "supervisor"


def test_internal_endpoint_needs_the_service_token(app, anon, wang):
    body = handoff_body("c-internal-auth")
    assert_error(anon.post("/api/internal/handoffs", json=body), 401, "AUTH_REQUIRED")
    assert_error(wang.post("/api/internal/handoffs", json=body), 401, "INVALID_TOKEN")
    wrong = client(app, Authorization="Bearer " + SERVICE_TOKEN[:-1] + "x")
    assert_error(wrong.post("/api/internal/handoffs", json=body), 401, "INVALID_TOKEN")
    service = client(app, Authorization=f"Bearer {SERVICE_TOKEN}")
    assert service.post("/api/internal/handoffs", json=body).status_code == 201
    # and the service token is no agent session
    assert_error(service.get("/api/handoffs"), 401, "INVALID_TOKEN")


def test_browser_sessions_are_not_api_tokens(app, ctx):
    from desk.models.enums import SessionKind
    from desk.services import sessions

    agent = agents.authenticate(ctx, "admin", ADMIN_PASSWORD)
    web_token, _ = sessions.create_session(ctx, agent.id, SessionKind.WEB)
    assert_error(client(app, Authorization=f"Bearer {web_token}").get("/api/handoffs"), 401)


def _concrete(path: str) -> str:
    return (
        path.replace("{ticket_id}", "1").replace("{fmt}", "json").replace("{path:path}", "desk.css")
    )


def test_every_route_but_sign_in_and_health_needs_a_session(app, anon):
    """Walk the app's routes: API routes answer 401 JSON, pages redirect to the login page."""
    checked = 0
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        for method in route.methods:
            if (method, route.path) in PUBLIC | OWN_RULES or method == "HEAD":
                continue
            response = anon.request(method, _concrete(route.path), follow_redirects=False)
            if route.path.startswith("/api/"):
                assert response.status_code == 401, (method, route.path, response.status_code)
            else:
                assert response.status_code == 303, (method, route.path, response.status_code)
                assert response.headers["location"].startswith("/login?next=")
            checked += 1
    assert checked >= 20
    assert anon.get("/healthz").json() == {"status": "ok", "database": True}
    assert anon.get("/login").status_code == 200
    assert anon.get("/metrics").status_code == 403  # not from the local host, no token
    for docs in ("/docs", "/redoc", "/openapi.json"):
        assert anon.get(docs).status_code == 404
