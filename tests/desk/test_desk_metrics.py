"""Prometheus /metrics: who may scrape it, and what it counts."""

from __future__ import annotations

import pytest
from desk_testkit import assert_error, handoff_body, make_settings
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from desk.core.metrics import is_loopback, scrape_allowed
from desk.main import create_app

METRICS_TOKEN = "test-metrics-token-0123456789"


def local_client(app) -> TestClient:
    """A client on 127.0.0.1, like a Prometheus on the same host."""
    return TestClient(app, base_url="https://testserver", client=("127.0.0.1", 50000))


def samples(text: str) -> dict[tuple[str, tuple], float]:
    values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def value(values: dict, name: str, **labels: str) -> float:
    return values.get((name, tuple(sorted(labels.items()))), 0.0)


def scrape(app) -> dict:
    response = local_client(app).get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return samples(response.text)


def test_metrics_are_only_for_the_local_host_without_a_token(app, anon):
    assert_error(anon.get("/metrics"), 403, "METRICS_FORBIDDEN")
    assert local_client(app).get("/metrics").status_code == 200
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("::ffff:127.0.0.1")
    assert not is_loopback("10.0.0.8") and not is_loopback("testclient") and not is_loopback(None)
    assert scrape_allowed("127.0.0.1", None, None)
    assert not scrape_allowed("192.168.1.5", None, None)


def test_with_a_token_every_scrape_must_send_it(database_url, database, ctx):
    app = create_app(make_settings(database_url, metrics_token=METRICS_TOKEN), database=database)
    with TestClient(app, base_url="https://testserver") as remote:
        assert_error(remote.get("/metrics"), 401, "METRICS_TOKEN_REQUIRED")
        wrong = remote.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert_error(wrong, 401, "METRICS_TOKEN_REQUIRED")
        right = remote.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert right.status_code == 200 and "desk_http_requests_total" in right.text
    assert_error(local_client(app).get("/metrics"), 401, "METRICS_TOKEN_REQUIRED")


def test_what_the_desk_counts(app, service, wang, fake_rasa):
    before = scrape(app)
    fake_rasa.user("m-1", "转人工")
    created = service.post(
        "/api/internal/handoffs", json=handoff_body("m-1", reason="customer_request")
    )
    assert created.status_code == 201
    ticket = created.json()["id"]
    assert wang.post(f"/api/handoffs/{ticket}/messages", json={"text": "您好"}).status_code == 201
    resolved = wang.post(f"/api/handoffs/{ticket}/resolve", json={"return_to_bot": False})
    assert resolved.status_code == 200
    assert wang.get(f"/api/handoffs/{ticket}").status_code == 200
    rating = {"conversation_id": "m-1", "channel": "rest", "human_involved": True, "score": 5}
    assert service.post("/api/internal/ratings", json=rating).status_code == 201
    assert service.post("/api/internal/ratings", json=rating).status_code == 200
    assert service.post("/api/internal/ratings", json={"score": 9}).status_code == 422
    service.post("/api/internal/handoffs", json=handoff_body("m-2"))  # stays waiting
    after = scrape(app)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("desk_handoffs_total", reason="customer_request", outcome="created") == 1
    assert delta("desk_agent_messages_total", channel="rest") == 1
    assert delta("desk_tickets_resolved_total", resolution="closed") == 1
    assert delta("desk_ratings_total", score="5", human_involved="true") == 1
    assert delta("desk_ratings_repeated_total") == 1
    assert delta("desk_errors_total", code="VALIDATION_ERROR") >= 1
    route = {"method": "GET", "route": "/api/handoffs/{ticket_id}"}
    assert delta("desk_http_requests_total", status="200", **route) == 1
    assert delta("desk_http_request_duration_seconds_count", **route) == 1
    assert (
        delta(
            "desk_http_requests_total", method="POST", route="/api/internal/ratings", status="422"
        )
        == 1
    )
    for operation in ("send_message", "resume", "execute", "listen", "tracker"):
        count = "desk_upstream_request_duration_seconds_count"
        assert delta(count, service="rasa", operation=operation) >= 1, operation
    assert value(after, "desk_tickets_open", status="waiting", priority="normal") == 1
    assert value(after, "desk_tickets_open", status="assigned", priority="urgent") == 0
    assert ("desk_analytics_source_up", ()) in after


def test_rasa_errors_are_counted(app, service, wang, fake_rasa):
    created = service.post("/api/internal/handoffs", json=handoff_body("m-down")).json()
    before = scrape(app)
    fake_rasa.down = True
    reply = wang.post(f"/api/handoffs/{created['id']}/messages", json={"text": "在吗"})
    assert reply.status_code == 502
    after = scrape(app)
    errors = ("desk_upstream_errors_total", (("operation", "send_message"), ("service", "rasa")))
    assert after[errors] - before.get(errors, 0.0) == 1
    code = ("desk_errors_total", (("code", "RASA_UNAVAILABLE"),))
    assert after[code] - before.get(code, 0.0) == 1


@pytest.mark.parametrize("path", ["/metrics"])
def test_metrics_are_not_in_the_api_schema(app, path):
    assert all(
        getattr(route, "path", None) != path or not route.include_in_schema for route in app.routes
    )
