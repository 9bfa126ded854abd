"""Ratings from the action server: POST /api/internal/ratings (docs/contracts.md, "Ratings")."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from desk_testkit import AGENT_PASSWORD, SERVICE_TOKEN, api_token, assert_error, client
from sqlalchemy import func, select

from desk.models import Rating

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def rating_body(conversation_id: str = "c-rated", **overrides):
    body = {
        "conversation_id": conversation_id,
        "channel": "socketio",
        "language": "zh-Hans",
        "human_involved": False,
        "main_intent": "payment_failed",
        "score": 4,
        "comment": "很快就解决了",
        "rated_at": "2026-11-26T19:00:00+00:00",
    }
    body.update(overrides)
    return body


def stored(ctx, conversation_id: str = "c-rated") -> list[Rating]:
    with ctx.db.session() as session:
        return list(
            session.execute(
                select(Rating).where(Rating.conversation_id == conversation_id)
            ).scalars()
        )


def test_a_rating_is_stored_with_everything_the_contract_sends(service, ctx):
    response = service.post("/api/internal/ratings", json=rating_body())
    assert response.status_code == 201, response.text
    assert response.json() == {"id": response.json()["id"]}
    [row] = stored(ctx)
    assert row.id == response.json()["id"]
    assert (row.channel, row.language, row.human_involved) == ("socketio", "zh-Hans", False)
    assert (row.main_intent, row.score, row.comment) == ("payment_failed", 4, "很快就解决了")
    assert row.rated_at == datetime(2026, 11, 26, 19, 0, tzinfo=timezone.utc)
    assert row.received_at == ctx.now()


def test_once_per_conversation_the_first_rating_stays(service, ctx):
    first = service.post("/api/internal/ratings", json=rating_body(score=2, comment="太慢"))
    assert first.status_code == 201
    again = service.post(
        "/api/internal/ratings",
        json=rating_body(score=5, comment="改主意了", rated_at="2026-11-26T19:05:00+00:00"),
    )
    assert again.status_code == 200
    assert again.json() == {"id": first.json()["id"]}
    [row] = stored(ctx)
    assert (row.score, row.comment) == (2, "太慢")
    other = service.post("/api/internal/ratings", json=rating_body("c-other"))
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]


def test_a_named_session_can_be_rated_once_each(service, ctx):
    monday = service.post("/api/internal/ratings", json=rating_body("wx-openid", session_id="s1"))
    repeat = service.post("/api/internal/ratings", json=rating_body("wx-openid", session_id="s1"))
    friday = service.post("/api/internal/ratings", json=rating_body("wx-openid", session_id="s2"))
    assert (monday.status_code, repeat.status_code, friday.status_code) == (201, 200, 201)
    assert repeat.json() == monday.json() and friday.json() != monday.json()
    assert len(stored(ctx, "wx-openid")) == 2


def test_concurrent_repeats_store_one_rating(app, ctx):
    results: list[int] = []

    def rate() -> None:
        response = client(app, Authorization=f"Bearer {SERVICE_TOKEN}").post(
            "/api/internal/ratings", json=rating_body("c-race")
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=rate) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200] * 5 + [201]
    assert len(stored(ctx, "c-race")) == 1


def test_the_comment_is_masked_and_kept_as_plain_text(service, ctx):
    comment = f"  我的手机13800001001 {XSS}  "
    response = service.post("/api/internal/ratings", json=rating_body(comment=comment))
    assert response.status_code == 201
    [row] = stored(ctx)
    assert "13800001001" not in row.comment and "*******1001" in row.comment
    assert XSS in row.comment  # stored as the customer wrote it; escaped where shown


def test_an_empty_comment_and_a_missing_time_are_fine(service, ctx, clock):
    body = rating_body(comment="   ")
    del body["rated_at"]
    del body["main_intent"]
    assert service.post("/api/internal/ratings", json=body).status_code == 201
    [row] = stored(ctx)
    assert row.comment is None and row.main_intent is None and row.rated_at == clock.now()


def test_unknown_fields_are_ignored(service, ctx):
    body = rating_body(newer_field={"x": 1})
    assert service.post("/api/internal/ratings", json=body).status_code == 201


@pytest.mark.parametrize(
    "field, value",
    [
        ("score", 0),
        ("score", 6),
        ("score", "5"),
        ("score", 4.5),
        ("score", True),
        ("score", None),
        ("conversation_id", ""),
        ("conversation_id", "x" * 256),
        ("channel", "Web Widget"),
        ("language", "chinese!"),
        ("human_involved", "yes"),
        ("human_involved", None),
        ("main_intent", "payment failed"),
        ("comment", "x" * 2001),
        ("comment", "bell\x07"),
        ("comment", 5),
        ("rated_at", "2026-11-26T19:00:00"),
        ("rated_at", "yesterday"),
    ],
)
def test_invalid_ratings_are_refused(service, ctx, field, value):
    response = service.post("/api/internal/ratings", json=rating_body(**{field: value}))
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert field in body["message"]
    assert stored(ctx) == []


def test_missing_fields_and_bad_json_are_refused(service, ctx):
    for field in ("conversation_id", "channel", "human_involved", "score"):
        body = rating_body()
        del body[field]
        assert_error(service.post("/api/internal/ratings", json=body), 422, "VALIDATION_ERROR")
    bad = service.post(
        "/api/internal/ratings", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_error(bad, 422, "INVALID_JSON")
    assert stored(ctx) == []


def test_a_rating_from_the_future_is_refused(service, ctx, clock):
    soon = (clock.now() + timedelta(minutes=5)).isoformat()
    assert service.post("/api/internal/ratings", json=rating_body(rated_at=soon)).status_code == 201
    later = (clock.now() + timedelta(hours=2)).isoformat()
    response = service.post("/api/internal/ratings", json=rating_body("c-later", rated_at=later))
    assert_error(response, 422, "VALIDATION_ERROR")


def test_only_the_service_token_may_rate(app, ctx):
    body = rating_body()
    assert_error(client(app).post("/api/internal/ratings", json=body), 401, "AUTH_REQUIRED")
    wrong = client(app, Authorization="Bearer not-the-service-token")
    assert_error(wrong.post("/api/internal/ratings", json=body), 401, "INVALID_TOKEN")
    agent = client(app, Authorization=f"Bearer {api_token(app, 'wang', AGENT_PASSWORD)}")
    assert_error(agent.post("/api/internal/ratings", json=body), 401, "INVALID_TOKEN")
    with ctx.db.session() as session:
        assert session.execute(select(func.count(Rating.id))).scalar() == 0
