"""Unanswered questions: fallback and out-of-scope messages grouped, copyable as NLU YAML."""

from __future__ import annotations

import re
from datetime import timedelta

import yaml
from desk_testkit import ADMIN_PASSWORD, AGENT_PASSWORD, assert_error, client
from events_kit import ZONE, local, session_start, user

from desk.services.unanswered import cluster

XSS = "<img src=x onerror=alert(1)>发票[怎么](开)"


def test_similar_texts_share_a_group():
    texts = [
        "发票怎么开",
        "怎么开发票",
        "能开发票吗",
        "发票在哪里开",
        "快递到哪了",
        "我的快递怎么还没到",
        "快递什么时候到",
        "今天天气怎么样",
        "天气",
        "asdfgh",
    ]
    labels = dict(zip(texts, cluster(texts), strict=True))
    assert len({labels[t] for t in texts[:4]}) == 1
    assert len({labels[t] for t in texts[4:7]}) == 1
    assert labels["发票怎么开"] != labels["快递到哪了"] != labels["今天天气怎么样"]
    assert labels["asdfgh"] not in {labels["发票怎么开"], labels["快递到哪了"]}
    assert cluster([]) == [] and cluster(["只有一句"]) == [0]


def publish_questions(events, day) -> None:
    said = [
        ("发票怎么开", "nlu_fallback"),
        ("发票怎么开", "nlu_fallback"),
        ("怎么开发票", "nlu_fallback"),
        ("能开发票吗", "out_of_scope"),
        ("快递到哪了", "out_of_scope"),
        ("我的快递怎么还没到", "out_of_scope"),
        ("快递什么时候到", "out_of_scope"),
        ("我的手机13800001001收不到短信", "nlu_fallback"),
        (XSS, "nlu_fallback"),
        ("我付款失败了", "payment_failed"),  # understood: not unanswered
    ]
    items = []
    for number, (text, intent) in enumerate(said):
        moment = local(day, 10, number)
        sender = f"q-{number}"
        items += [(sender, event) for event in session_start(moment)]
        items.append((sender, user(text, intent, moment + timedelta(seconds=5))))
    # outside the period
    moment = local(day - timedelta(days=3), 10)
    items.append(("q-old", user("发票怎么开", "nlu_fallback", moment)))
    events.publish_all(items)


def test_the_groups_of_a_period(events, supervisor, clock):
    day = clock.now().astimezone(ZONE).date() - timedelta(days=1)
    publish_questions(events, day)
    response = supervisor.get(
        "/api/analytics/unanswered", params={"since": day.isoformat(), "until": day.isoformat()}
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["messages"] == 9 and report["distinct_texts"] == 8
    groups = report["groups"]
    invoices = next(g for g in groups if any(e["text"] == "发票怎么开" for e in g["examples"]))
    assert invoices["messages"] == 4
    assert invoices["examples"][0] == {"text": "发票怎么开", "count": 2}
    assert {e["text"] for e in invoices["examples"]} == {"发票怎么开", "怎么开发票", "能开发票吗"}
    assert invoices["intents"] == {"nlu_fallback": 3, "out_of_scope": 1}
    assert groups[0]["messages"] >= groups[-1]["messages"]
    express = next(g for g in groups if any(e["text"] == "快递到哪了" for e in g["examples"]))
    assert express is not invoices and express["messages"] == 3
    texts = [e["text"] for g in groups for e in g["examples"]]
    assert "13800001001" not in " ".join(texts)
    assert any("*******1001" in t for t in texts)

    document = yaml.safe_load(invoices["nlu_yaml"])
    assert document == [
        {"intent": "TODO", "examples": "- 发票怎么开\n- 怎么开发票\n- 能开发票吗\n"}
    ]
    xss_group = next(g for g in groups if any(e["text"] == XSS for e in g["examples"]))
    block = yaml.safe_load(xss_group["nlu_yaml"])[0]["examples"]
    assert "[" not in block and "［怎么］(开)" in block


def test_the_page_shows_customer_text_as_text(app, events, clock):
    day = clock.now().astimezone(ZONE).date() - timedelta(days=1)
    publish_questions(events, day)
    browser = sign_in(app, "admin", ADMIN_PASSWORD)
    page = browser.get(
        "/analytics/unanswered", params={"since": day.isoformat(), "until": day.isoformat()}
    )
    assert page.status_code == 200
    html = page.text
    assert XSS not in html
    assert "&lt;img src=x onerror=alert(1)&gt;发票[怎么](开)" in html
    assert html.count('class="primary small copy"') == len(re.findall(r'id="yaml-\d+"', html)) >= 3
    assert "- intent: TODO" in html
    assert '<script src="/static/analytics.js' in html

    agent = sign_in(app, "wang", AGENT_PASSWORD)
    denied = agent.get("/analytics/unanswered")
    assert denied.status_code == 403 and "只有主管" in denied.text


def test_agents_are_refused(wang, ctx):
    assert_error(wang.get("/api/analytics/unanswered"), 403, "SUPERVISOR_ONLY")


def sign_in(app, username, password):
    browser = client(app)
    page = browser.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = browser.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return browser
