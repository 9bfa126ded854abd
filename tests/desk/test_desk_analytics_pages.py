"""The supervisors' dashboard page: figures as text, chart data, Chart.js served locally."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from desk_testkit import ADMIN_PASSWORD, AGENT_PASSWORD, client
from events_kit import ZONE, generate, local
from markupsafe import escape

from desk.api.pages.rendering import CHART_JS

XSS = '<script>alert("c")</script><img src=x onerror=alert(2)>'
CANVASES = (
    "chart-conversations",
    "chart-rates",
    "chart-handoffs",
    "chart-csat",
    "chart-intents",
    "chart-agent-times",
)


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


def chart_data(html: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="analytics-data">(.*?)</script>', html, re.S
    )
    assert match, "no data block"
    return json.loads(match.group(1))


def test_the_dashboard_shows_the_period(app, events, service, clock):
    day = clock.now().astimezone(ZONE).date() - timedelta(days=1)
    dataset = generate(day - timedelta(days=2), 3, seed=3)
    events.publish_all(dataset.events())
    clock.set(local(day, 21))
    rating = {
        "conversation_id": "c-xss",
        "channel": "wechat",
        "human_involved": True,
        "score": 1,
        "comment": XSS,
    }
    assert service.post("/api/internal/ratings", json=rating).status_code == 201
    since = (day - timedelta(days=2)).isoformat()
    truth = dataset.truth(day - timedelta(days=2), day)

    browser = sign_in(app, "admin", ADMIN_PASSWORD)
    response = browser.get("/analytics", params={"since": since, "until": day.isoformat()})
    assert response.status_code == 200
    page = response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    for canvas in CANVASES:
        assert f'id="{canvas}"' in page
    assert '<span class="en">Analytics</span>' in page
    assert f'id="kpi-conversations">{truth["conversations"]}<' in page
    data = chart_data(page)
    assert len(data["days"]) == 3 and data["days"][-1] == day.isoformat()
    assert sum(data["contained"]) + sum(data["handed_off"]) == truth["conversations"]
    assert data["csat_with_human"][0] >= 1  # the score 1 above
    # the comment is text, never markup (also inside the JSON block nothing is executable)
    assert XSS not in page
    assert str(escape(XSS)) in page
    assert 'href="/analytics/export/conversations.csv?since=' in page
    if CHART_JS.exists():
        assert f'<script src="/static/vendor/{CHART_JS.name}" defer></script>' in page

    csv = browser.get(f"/analytics/export/daily.csv?since={since}&until={day.isoformat()}")
    assert csv.status_code == 200 and csv.text.startswith("\ufeffdate,conversations")
    assert len(csv.text.strip().splitlines()) == 4


def test_a_wrong_period_falls_back_to_the_default(app, ctx):
    browser = sign_in(app, "admin", ADMIN_PASSWORD)
    page = browser.get("/analytics", params={"since": "2026-12-01", "until": "2026-11-01"})
    assert page.status_code == 200 and 'id="period-error"' in page.text
    assert len(chart_data(page.text)["days"]) == 30


def test_agents_do_not_see_the_analytics(app, ctx):
    agent = sign_in(app, "wang", AGENT_PASSWORD)
    assert 'href="/analytics"' not in agent.get("/queue").text
    denied = agent.get("/analytics")
    assert denied.status_code == 403 and "只有主管可以查看统计分析" in denied.text
    assert agent.get("/analytics/export/daily.csv").status_code == 403
    boss = sign_in(app, "admin", ADMIN_PASSWORD)
    assert 'href="/analytics"' in boss.get("/queue").text
    anonymous = client(app).get("/analytics", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_chart_js_is_served_by_the_desk(app, ctx):
    assert CHART_JS.exists(), "run `npm ci --prefix desk` (desk/package-lock.json)"
    response = client(app).get(f"/static/vendor/{CHART_JS.name}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "max-age" in response.headers["cache-control"]
    assert "Chart.js v4" in response.text[:200]
    assert client(app).get("/static/analytics.js").status_code == 200
