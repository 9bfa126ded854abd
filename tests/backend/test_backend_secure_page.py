"""The customer-facing reset page: CSRF, escaping, headers, and the whole reset through a form."""

from __future__ import annotations

import re

import pytest
from backend_testkit import latest_code

from backend.demo_data import DEMO_PASSWORD

pytestmark = pytest.mark.usefixtures("ctx")
NEW_PASSWORD = "Quiet-River-2029"


def start(api, customer_id="u1001", purpose="password_reset"):
    challenge = api.post(
        f"/v1/customers/{customer_id}/verification-codes", json={"purpose": purpose}
    ).json()
    return challenge["challenge_id"]


def open_page(anon, challenge_id):
    page = anon.get("/security/reset", params={"challenge": challenge_id})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    return page, token.group(1) if token else None


def post_form(anon, challenge_id, csrf, code, password=NEW_PASSWORD, confirm=None, **headers):
    return anon.post(
        "/security/reset",
        data={
            "challenge": challenge_id,
            "csrf_token": csrf,
            "code": code,
            "new_password": password,
            "confirm_password": password if confirm is None else confirm,
        },
        headers=headers,
    )


def login(api, customer_id, password):
    return api.post(f"/v1/customers/{customer_id}/login", json={"password": password}).json()


def test_page_shows_the_form_with_protections(api, anon):
    challenge_id = start(api)
    page, csrf = open_page(anon, challenge_id)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "138****1001" in page.text and "13800001001" not in page.text
    assert csrf and anon.cookies.get("eepay_reset_csrf") == csrf
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "samesite=strict" in page.headers["set-cookie"].lower()
    assert "httponly" in page.headers["set-cookie"].lower()


def test_reset_through_the_page(api, anon, ctx):
    challenge_id = start(api)
    _, csrf = open_page(anon, challenge_id)
    done = post_form(anon, challenge_id, csrf, latest_code(ctx.db, "u1001"))
    assert done.status_code == 200, done.text
    assert "密码已重置" in done.text
    assert login(api, "u1001", NEW_PASSWORD)["result"] == "ok"


def test_unlock_through_the_page_without_a_new_password(api, anon, ctx):
    challenge_id = start(api, "u1004", purpose="unlock")
    page, csrf = open_page(anon, challenge_id)
    assert "验证并解锁" in page.text
    done = post_form(anon, challenge_id, csrf, latest_code(ctx.db, "u1004"), password="")
    assert done.status_code == 200, done.text
    assert "已解锁" in done.text
    assert login(api, "u1004", DEMO_PASSWORD)["result"] == "ok"


def test_post_without_the_csrf_cookie_is_refused(api, anon, ctx):
    challenge_id = start(api)
    _, csrf = open_page(anon, challenge_id)
    anon.cookies.clear()
    refused = post_form(anon, challenge_id, csrf, latest_code(ctx.db, "u1001"))
    assert refused.status_code == 403
    assert login(api, "u1001", DEMO_PASSWORD)["result"] == "ok"


def test_post_with_a_forged_token_or_foreign_origin_is_refused(api, anon, ctx):
    challenge_id = start(api)
    _, csrf = open_page(anon, challenge_id)
    code = latest_code(ctx.db, "u1001")
    assert post_form(anon, challenge_id, "forged-token", code).status_code == 403
    foreign = post_form(anon, challenge_id, csrf, code, Origin="https://evil.example")
    assert foreign.status_code == 403
    assert post_form(anon, challenge_id, csrf, code, Origin="http://testserver").status_code == 200


def test_wrong_code_keeps_the_form_and_counts(api, anon, ctx):
    challenge_id = start(api)
    _, csrf = open_page(anon, challenge_id)
    code = latest_code(ctx.db, "u1001")
    bad = post_form(anon, challenge_id, csrf, f"{(int(code) + 7) % 1_000_000:06d}")
    assert bad.status_code == 400
    assert "还可以尝试 4 次" in bad.text
    _, csrf = open_page(anon, challenge_id)
    assert post_form(anon, challenge_id, csrf, code).status_code == 200


def test_weak_password_does_not_burn_the_code(api, anon, ctx):
    challenge_id = start(api)
    _, csrf = open_page(anon, challenge_id)
    code = latest_code(ctx.db, "u1001")
    weak = post_form(anon, challenge_id, csrf, code, password="13800001001a")
    assert weak.status_code == 422
    assert "手机号" in weak.text
    mismatch = post_form(anon, challenge_id, csrf, code, confirm="Something-else-1")
    assert mismatch.status_code == 422
    assert post_form(anon, challenge_id, csrf, code).status_code == 200


def test_unknown_expired_and_hostile_links(api, anon, clock):
    missing = anon.get("/security/reset", params={"challenge": "A" * 32})
    assert missing.status_code == 404 and "链接无效" in missing.text
    hostile = anon.get("/security/reset", params={"challenge": '<script>alert("x")</script>'})
    assert hostile.status_code == 404
    assert "<script>alert" not in hostile.text
    challenge_id = start(api)
    clock.advance(601)
    expired = anon.get("/security/reset", params={"challenge": challenge_id})
    assert expired.status_code == 410 and "过期" in expired.text


def test_form_text_is_escaped(api, anon, ctx):
    challenge_id = start(api)
    _, csrf = open_page(anon, challenge_id)
    response = anon.post(
        "/security/reset",
        data={
            "challenge": '"><script>alert(1)</script>',
            "csrf_token": csrf,
            "code": "123456",
        },
    )
    assert response.status_code == 404
    assert "<script>alert(1)</script>" not in response.text


def test_a_reset_link_needs_a_new_password(api, anon, ctx):
    challenge_id = start(api)
    _, csrf = open_page(anon, challenge_id)
    code = latest_code(ctx.db, "u1001")
    missing = post_form(anon, challenge_id, csrf, code, password="")
    assert missing.status_code == 422 and "请设置新密码" in missing.text
    assert post_form(anon, challenge_id, csrf, code).status_code == 200
