"""The agents' pages: sign-in with CSRF, session cookie, queue, conversation, forms, escaping."""

from __future__ import annotations

import re

import pytest
from desk_testkit import ADMIN_PASSWORD, AGENT_PASSWORD, client, handoff_body

XSS = "<script>alert('xss')</script><img src=x onerror=alert(1)>"


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def sign_in(app, username="wang", password=AGENT_PASSWORD):
    browser = client(app)
    page = browser.get("/login")
    response = browser.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": form_token(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return browser


def page_csrf(browser, path="/queue") -> str:
    html = browser.get(path).text
    return re.search(r'<meta name="csrf-token" content="([^"]*)">', html).group(1)


def open_ticket(service, fake_rasa, conversation_id, said=("我付款一直失败", XSS), **overrides):
    for line in said:
        fake_rasa.user(conversation_id, line)
    fake_rasa.bot(conversation_id, "已为您转接人工客服")
    response = service.post(
        "/api/internal/handoffs", json=handoff_body(conversation_id, **overrides)
    )
    assert response.status_code == 201
    return response.json()["id"]


# --- signing in ------------------------------------------------------------------------------


def test_sign_in_sets_a_secure_session_cookie(app):
    browser = client(app)
    page = browser.get("/login")
    assert page.status_code == 200 and "客服登录" in page.text
    login_cookie = page.headers["set-cookie"].lower()
    assert "__host-desk_login_csrf" in login_cookie and "samesite=strict" in login_cookie
    response = browser.post(
        "/login",
        data={
            "username": "wang",
            "password": AGENT_PASSWORD,
            "csrf_token": form_token(page.text),
            "next": "/search",
        },  # fmt: skip
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/search"
    cookie = [c for c in response.headers.get_list("set-cookie") if "desk_session" in c][0]
    assert cookie.startswith("__Host-desk_session=")
    flags = cookie.lower()
    assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags
    assert "path=/" in flags and "domain=" not in flags
    assert browser.get("/queue").status_code == 200
    # signed in already: the login page moves on
    assert browser.get("/login", follow_redirects=False).status_code == 303


def test_sign_in_refuses_wrong_passwords_and_forged_forms(app):
    browser = client(app)
    token = form_token(browser.get("/login").text)
    wrong = browser.post(
        "/login", data={"username": "wang", "password": "nope-nope", "csrf_token": token}
    )
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    assert "desk_session" not in str(browser.cookies)

    forged = client(app).post(
        "/login", data={"username": "wang", "password": AGENT_PASSWORD, "csrf_token": "guess"}
    )
    assert forged.status_code == 403 and "desk_session" not in forged.headers.get("set-cookie", "")

    browser = client(app)
    token = form_token(browser.get("/login").text)
    cross = browser.post(
        "/login",
        data={"username": "wang", "password": AGENT_PASSWORD, "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403


def test_sign_in_never_redirects_off_site(app):
    browser = client(app)
    token = form_token(browser.get("/login").text)
    response = browser.post(
        "/login",
        data={
            "username": "wang",
            "password": AGENT_PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/phish",
        },  # fmt: skip
        follow_redirects=False,
    )
    assert response.headers["location"] == "/queue"


def test_pages_without_a_session_go_to_the_login_page(anon):
    response = anon.get("/handoffs/3?notice=sent", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/handoffs/3%3Fnotice%3Dsent"
    follow = anon.get("/login", params={"next": "/handoffs/3?notice=sent"})
    assert 'name="next" value="/handoffs/3?notice=sent"' in follow.text


def test_sign_out_ends_the_session(app):
    browser = sign_in(app)
    csrf = page_csrf(browser)
    assert browser.post("/logout", data={"csrf_token": "wrong"}).status_code == 403
    response = browser.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert browser.get("/queue", follow_redirects=False).status_code == 303


def test_idle_sessions_expire(app, ctx, clock):
    browser = sign_in(app)
    clock.advance(ctx.settings.session_idle_minutes * 60 + 1)
    assert browser.get("/queue", follow_redirects=False).status_code == 303


# --- the queue -------------------------------------------------------------------------------


def test_queue_shows_waiting_customers_with_masked_phones(app, service, fake_rasa):
    first = open_ticket(service, fake_rasa, "c-q-1", priority="normal")
    urgent = open_ticket(service, fake_rasa, "c-q-2", priority="urgent", customer_id="u1005",
                         reason="unauthorized_transaction")  # fmt: skip
    browser = sign_in(app)
    page = browser.get("/queue")
    assert page.status_code == 200
    html = page.text
    assert html.index(f'data-ticket-id="{urgent}"') < html.index(f'data-ticket-id="{first}"')
    assert "张伟 · *******1001 · u1001" in html and "陈静 · *******1005 · u1005" in html
    assert "13800001001" not in html and "138****1001" not in html
    assert "非本人交易" in html and "紧急" in html and "REST" in html
    data = browser.get("/queue/data").json()
    assert [item["id"] for item in data["waiting"]] == [urgent, first]
    assert data["waiting"][0]["customer_label"] == "陈静 · *******1005 · u1005"
    assert data["mine"] == [] and data["others"] == []


def test_queue_json_needs_the_session(anon):
    response = anon.get("/queue/data", follow_redirects=False)
    assert response.status_code == 303


# --- a conversation --------------------------------------------------------------------------


def test_conversation_page_shows_summary_and_transcript_as_text(app, service, fake_rasa):
    ticket = open_ticket(service, fake_rasa, "c-page")
    browser = sign_in(app)
    page = browser.get(f"/handoffs/{ticket}")
    assert page.status_code == 200
    html = page.text
    assert "机器人摘要与诊断" in html and "INSUFFICIENT_BALANCE" in html
    assert "T202611200001" in html and "余额不足，请充值或换卡" in html
    assert "付款失败" in html and "自助排查未解决" in html
    # customer text is text: escaped, never markup
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "<script>alert" not in html
    assert re.findall(r"<script[^>]*>", html) == [
        f'<script src="/static/desk.js?v={app.version}" defer>'
    ]
    assert "style=" not in html  # the CSP allows no inline styles
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    assert "test-rasa-token" not in html


def test_forms_need_the_sessions_csrf_token(app, service, fake_rasa, wang):
    ticket = open_ticket(service, fake_rasa, "c-forms")
    browser = sign_in(app)
    csrf = page_csrf(browser, f"/handoffs/{ticket}")
    for path, data in [
        ("claim", {}),
        ("reply", {"text": "hi"}),
        ("notes", {"text": "n"}),
        ("resolve", {"return_to_bot": "yes"}),
    ]:
        refused = browser.post(f"/handoffs/{ticket}/{path}", data={**data, "csrf_token": "x"})
        assert refused.status_code == 403, path
        assert "页面已过期" in refused.text
    cross = browser.post(
        f"/handoffs/{ticket}/claim",
        data={"csrf_token": csrf},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    cross_site = browser.post(
        f"/handoffs/{ticket}/claim",
        data={"csrf_token": csrf},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross_site.status_code == 403
    # another agent's token does not work in this session
    other = sign_in(app, "li")
    assert (
        browser.post(f"/handoffs/{ticket}/claim", data={"csrf_token": page_csrf(other)}).status_code
        == 403
    )
    assert wang.get(f"/api/handoffs/{ticket}").json()["status"] == "waiting"
    assert fake_rasa.sent == []


def test_claim_reply_note_and_resolve_through_the_page(app, service, fake_rasa, wang):
    ticket = open_ticket(service, fake_rasa, "c-flow")
    browser = sign_in(app)
    csrf = page_csrf(browser, f"/handoffs/{ticket}")
    origin = {"Origin": "https://testserver"}

    claimed = browser.post(f"/handoffs/{ticket}/claim", data={"csrf_token": csrf}, headers=origin,
                           follow_redirects=False)  # fmt: skip
    assert claimed.status_code == 303
    assert claimed.headers["location"] == f"/handoffs/{ticket}?notice=claimed"
    page = browser.get(claimed.headers["location"])
    assert "已领取" in page.text and 'id="reply-form"' in page.text

    sent = browser.post(f"/handoffs/{ticket}/reply", data={"csrf_token": csrf, "text": "您好 <b>"})
    assert sent.status_code == 200 and "消息已发送给客户" in sent.text
    assert fake_rasa.sent[-1]["text"] == "您好 <b>"
    assert "您好 &lt;b&gt;" in sent.text

    empty = browser.post(f"/handoffs/{ticket}/reply", data={"csrf_token": csrf, "text": "  "},
                         follow_redirects=False)  # fmt: skip
    assert empty.headers["location"].endswith("error=VALIDATION_ERROR")

    noted = browser.post(f"/handoffs/{ticket}/notes", data={"csrf_token": csrf, "text": "回访"})
    assert "备注已保存" in noted.text and "回访" in noted.text

    updates = browser.get(f"/handoffs/{ticket}/updates", params={"after": 0}).json()
    assert [t["sender"] for t in updates["turns"]] == ["user", "user", "bot", "agent"]
    assert updates["turns"][1]["text"] == XSS  # JSON for textContent, never HTML
    assert updates["status"] == "assigned" and updates["assigned_to"] == "小王"
    assert [n["text"] for n in updates["notes"]] == ["回访"]
    last = updates["turns"][-1]["id"]
    fake_rasa.user("c-flow", "好的谢谢")
    newer = browser.get(f"/handoffs/{ticket}/updates", params={"after": last}).json()
    assert [t["text"] for t in newer["turns"]] == ["好的谢谢"]

    resolved = browser.post(
        f"/handoffs/{ticket}/resolve",
        data={"csrf_token": csrf, "return_to_bot": "yes", "note": "已解决"},
    )
    assert "会话已交回机器人" in resolved.text and "已结束" in resolved.text
    assert 'id="reply-form"' not in resolved.text
    assert fake_rasa.executed == [("c-flow", "action_back_to_bot")]
    assert wang.get(f"/api/handoffs/{ticket}").json()["resolution"] == "returned_to_bot"


def test_another_agents_ticket_is_read_only(app, service, fake_rasa, li):
    ticket = open_ticket(service, fake_rasa, "c-readonly")
    li.post(f"/api/handoffs/{ticket}/claim")
    browser = sign_in(app)
    page = browser.get(f"/handoffs/{ticket}")
    assert 'id="reply-form"' not in page.text and "由 小李 处理中" in page.text
    csrf = page_csrf(browser, f"/handoffs/{ticket}")
    response = browser.post(f"/handoffs/{ticket}/reply", data={"csrf_token": csrf, "text": "x"})
    assert "这个会话由其他客服处理" in response.text
    assert fake_rasa.sent == []
    # a supervisor sees the take-over button
    boss = sign_in(app, "admin", ADMIN_PASSWORD)
    assert 'id="claim"' in boss.get(f"/handoffs/{ticket}").text


def test_unknown_ticket_page_is_a_404_page(app):
    browser = sign_in(app)
    response = browser.get("/handoffs/987654")
    assert response.status_code == 404 and "没有这个会话" in response.text
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_from_the_page(app, service, fake_rasa, fmt):
    ticket = open_ticket(service, fake_rasa, f"c-export-page-{fmt}")
    browser = sign_in(app)
    response = browser.get(f"/handoffs/{ticket}/export.{fmt}")
    assert response.status_code == 200
    assert f"handoff-{ticket}.{fmt}" in response.headers["content-disposition"]
    assert "我付款一直失败" in response.content.decode("utf-8-sig")


def test_search_page(app, service, fake_rasa, wang):
    ticket = open_ticket(service, fake_rasa, "c-search-page")
    wang.get(f"/api/handoffs/{ticket}")
    browser = sign_in(app)
    empty = browser.get("/search")
    assert empty.status_code == 200 and 'id="results"' not in empty.text
    found = browser.get("/search", params={"q": "付款一直失败", "customer_id": "u1001"})
    assert f'data-ticket-id="{ticket}"' in found.text
    reflected = browser.get("/search", params={"q": '"><script>x</script>'})
    assert "<script>x</script>" not in reflected.text
    assert 'value="&#34;&gt;&lt;script&gt;x&lt;/script&gt;"' in reflected.text


def test_static_assets_are_public_and_cacheable(anon):
    script = anon.get("/static/desk.js")
    assert script.status_code == 200 and "textContent" in script.text
    assert "innerHTML" not in script.text and "insertAdjacentHTML" not in script.text
    assert "no-store" not in script.headers.get("cache-control", "")
    assert anon.get("/static/desk.css").status_code == 200
