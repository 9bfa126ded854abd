"""Idle browser sessions end whatever the pages' polling does; agent actions keep them alive;
no session outlives its absolute lifetime (desk/services/sessions.py)."""

from __future__ import annotations

import re

import pytest
from desk_testkit import AGENT_PASSWORD, client, handoff_body, make_settings

from desk.main import create_app

POLL_SECONDS = 3  # as the pages do (DESK_POLL_INTERVAL_SECONDS)
IDLE_MINUTES = 5
TTL_MINUTES = 20


@pytest.fixture
def short_app(database, ctx, clock, fake_rasa):
    """The desk with short session limits (the test clock; the accounts of ``ctx``)."""
    settings = make_settings(
        database.url, session_idle_minutes=IDLE_MINUTES, session_ttl_minutes=TTL_MINUTES
    )
    return create_app(settings, clock=clock, database=database, rasa_transport=fake_rasa.transport)


def sign_in(app):
    browser = client(app)
    page = browser.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = browser.post(
        "/login",
        data={"username": "wang", "password": AGENT_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return browser


def signed_out(response) -> bool:
    return response.status_code == 303 and response.headers["location"].startswith("/login")


def poll_for(browser, clock, seconds: int, path: str = "/queue/data") -> int:
    """Poll like an open page every 3 s for ``seconds``; how many seconds the session lasted."""
    for elapsed in range(0, seconds, POLL_SECONDS):
        clock.advance(POLL_SECONDS)
        if signed_out(browser.get(path, follow_redirects=False)):
            return elapsed + POLL_SECONDS
    return seconds


def test_polling_does_not_keep_an_idle_session_alive(short_app, clock):
    browser = sign_in(short_app)
    idle = IDLE_MINUTES * 60
    lasted = poll_for(browser, clock, idle + 120)
    assert idle - 60 <= lasted <= idle + POLL_SECONDS, lasted
    assert signed_out(browser.get("/queue", follow_redirects=False))


def test_the_conversation_poll_does_not_either(short_app, clock, service):
    ticket = service.post("/api/internal/handoffs", json=handoff_body("c-idle")).json()["id"]
    browser = sign_in(short_app)
    assert browser.get(f"/handoffs/{ticket}").status_code == 200
    idle = IDLE_MINUTES * 60
    lasted = poll_for(browser, clock, idle + 120, f"/handoffs/{ticket}/updates?after=0")
    assert lasted <= idle + POLL_SECONDS, lasted


def test_an_agent_action_moves_the_idle_deadline(short_app, clock):
    browser = sign_in(short_app)
    idle = IDLE_MINUTES * 60
    for _ in range(3):  # an agent who opens a page now and then stays signed in
        assert poll_for(browser, clock, idle - 120) == idle - 120
        assert browser.get("/queue").status_code == 200
    assert browser.get("/queue/data").status_code == 200


def test_no_session_outlives_its_absolute_lifetime(short_app, clock):
    browser = sign_in(short_app)
    step = (IDLE_MINUTES - 1) * 60
    active = 0
    while active < TTL_MINUTES * 60 + step:
        clock.advance(step)
        active += step
        if signed_out(browser.get("/queue", follow_redirects=False)):
            break
    assert TTL_MINUTES * 60 - step < active
    assert active <= TTL_MINUTES * 60 + step


def test_the_idle_timeout_defaults_to_thirty_minutes():
    from desk.core.settings import Settings

    assert Settings.__fields__["session_idle_minutes"].default == 30
    assert Settings.__fields__["session_ttl_minutes"].default == 12 * 60
