"""Bearer tokens, constant-time checks and the cross-site checks of form posts."""

from __future__ import annotations

from typing import Optional

import pytest
from starlette.requests import Request

from service_kit.security import (
    bearer_token,
    double_submit_ok,
    new_token,
    same_origin,
    tokens_match,
)


def form_post(headers: dict[str, str], cookie: Optional[str] = None) -> Request:
    """A POST to http://desk.example/login with the given headers (and CSRF cookie)."""
    raw = {"host": "desk.example", **headers}
    if cookie is not None:
        raw["cookie"] = f"csrf={cookie}"
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/login",
        "headers": [(name.encode(), value.encode()) for name, value in raw.items()],
    }
    return Request(scope)


def test_bearer_token_parsing():
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer  abc ") == "abc"
    assert bearer_token("Basic abc") is None
    assert bearer_token("abc") is None
    assert bearer_token("Bearer") is None
    assert bearer_token("Bearer   ") is None
    assert bearer_token(None) is None


def test_tokens_match():
    assert tokens_match("s3cret-token", "s3cret-token")
    assert tokens_match(bearer_token("bearer s3cret-token"), "s3cret-token")
    assert not tokens_match("s3cret-toke", "s3cret-token")
    assert not tokens_match(None, "s3cret-token")
    assert not tokens_match("", "")


def test_new_tokens_are_long_and_vary():
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(token) >= 43 for token in tokens)


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({}, True),
        ({"origin": "http://desk.example"}, True),
        ({"origin": "https://desk.example", "sec-fetch-site": "same-origin"}, True),
        ({"origin": "https://evil.example"}, False),
        ({"origin": "null"}, False),
        ({"sec-fetch-site": "cross-site"}, False),
        ({"origin": "http://desk.example", "sec-fetch-site": "cross-site"}, False),
    ],
)
def test_same_origin(headers, allowed):
    assert same_origin(form_post(headers)) is allowed


def test_double_submit_needs_the_cookie_the_same_token_and_this_site():
    assert double_submit_ok(form_post({}, cookie="t0ken"), "csrf", "t0ken")
    assert not double_submit_ok(form_post({}, cookie="t0ken"), "csrf", "other")
    assert not double_submit_ok(form_post({}), "csrf", "t0ken")
    assert not double_submit_ok(form_post({}, cookie=""), "csrf", "")
    assert not double_submit_ok(
        form_post({"origin": "https://evil.example"}, cookie="t0ken"), "csrf", "t0ken"
    )
