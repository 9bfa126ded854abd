"""The analytics summary from generated conversations whose true figures the test knows.

Events go into a temporary events database through Rasa's own SQL event broker, tickets and
ratings through the desk's API at the moments the generated conversations say; the summary
must equal what ``events_kit.Dataset.truth`` computes from the description. On SQLite and on
PostgreSQL (desk and events database alike).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from desk_testkit import assert_error, handoff_body
from events_kit import ZONE, Conversation, Dataset, generate, local, session_start, user
from pytest import approx
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from desk.clients.events_source import EventsSource
from desk.models import AnalyticsConversation, AnalyticsState
from desk.services import ingest

CONTRACT_KEYS = {
    "conversations",
    "containment_rate",
    "handoffs_by_reason",
    "csat_count",
    "csat_avg",
    "fallback_rate",
    "top_intents",
}


def today(clock) -> date:
    return clock.now().astimezone(ZONE).date()


def play_desk_side(dataset: Dataset, service, wang, clock) -> None:
    """Tickets and ratings, each at its moment: handoff, first reply, resolution, rating."""
    now = clock.now()
    steps: list[tuple[datetime, int, str, Conversation]] = []
    for order, conversation in enumerate(dataset.conversations):
        if conversation.handed_off:
            steps.append((conversation.handoff_time, order, "handoff", conversation))
            if conversation.first_response is not None:
                at = conversation.handoff_time + conversation.first_response
                steps.append((at, order, "reply", conversation))
            if conversation.resolution is not None:
                at = conversation.handoff_time + conversation.resolution
                steps.append((at, order, "resolve", conversation))
        if conversation.rating:
            steps.append((conversation.rated_at, order, "rate", conversation))
    for conversation in dataset.repeated_ratings:
        at = conversation.rated_at + timedelta(minutes=2)
        steps.append((at, -1, "rate-again", conversation))
    tickets: dict[str, int] = {}
    for moment, _order, step, conversation in sorted(steps, key=lambda s: (s[0], s[1])):
        clock.set(moment)
        if step == "handoff":
            response = service.post(
                "/api/internal/handoffs",
                json=handoff_body(
                    conversation.sender, reason=conversation.reason, channel=conversation.channel
                ),
            )
            assert response.status_code == 201, response.text
            tickets[conversation.sender] = response.json()["id"]
        elif step == "reply":
            reply = wang.post(
                f"/api/handoffs/{tickets[conversation.sender]}/messages", json={"text": "您好"}
            )
            assert reply.status_code == 201, reply.text
        elif step == "resolve":
            resolved = wang.post(
                f"/api/handoffs/{tickets[conversation.sender]}/resolve",
                json={"return_to_bot": True},
            )
            assert resolved.status_code == 200, resolved.text
        else:
            body = {
                "conversation_id": conversation.sender,
                "channel": conversation.channel,
                "language": "zh-Hans",
                "human_involved": conversation.handed_off,
                "main_intent": conversation.messages[0][1],
                "score": conversation.rating if step == "rate" else 6 - conversation.rating,
                "comment": None,
                "rated_at": moment.isoformat(),
            }
            response = service.post("/api/internal/ratings", json=body)
            assert response.status_code == (201 if step == "rate" else 200), response.text
    clock.set(now)


def assert_matches(summary: dict, truth: dict) -> None:
    assert CONTRACT_KEYS <= set(summary)
    assert summary["conversations"] == truth["conversations"]
    assert summary["contained"] == truth["contained"]
    assert summary["containment_rate"] == approx(truth["containment_rate"])
    assert summary["handoffs_by_reason"] == truth["handoffs_by_reason"]
    assert summary["csat_count"] == truth["csat_count"]
    assert summary["csat_avg"] == approx(truth["csat_avg"])
    assert summary["csat_distribution"] == truth["csat_distribution"]
    assert summary["csat_by_human"]["bot_only"]["avg"] == approx(truth["csat_bot_only"])
    assert summary["csat_by_human"]["with_human"]["avg"] == approx(truth["csat_with_human"])
    assert summary["user_messages"] == truth["user_messages"]
    assert summary["fallback_rate"] == approx(truth["fallback_rate"])
    assert summary["unanswered_messages"] == truth["unanswered"]
    intents = {item["intent"]: item["count"] for item in summary["top_intents"]}
    assert intents == truth["intents"]
    counts = [item["count"] for item in summary["top_intents"]]
    assert counts == sorted(counts, reverse=True)
    assert summary["median_first_response_seconds"] == approx(
        truth["median_first_response_seconds"]
    )
    assert summary["median_resolution_seconds"] == approx(truth["median_resolution_seconds"])
    per_day = {
        date.fromisoformat(day["date"]): (day["conversations"], day["contained"])
        for day in summary["conversations_per_day"]
    }
    assert per_day == truth["per_day"]


@pytest.fixture
def generated(events, service, wang, clock) -> tuple[Dataset, date, date]:
    """Nine days of conversations, all in the past: the period is the middle seven."""
    last = today(clock) - timedelta(days=2)
    first = last - timedelta(days=6)
    dataset = generate(first - timedelta(days=1), 9)
    events.publish_all(dataset.events())
    play_desk_side(dataset, service, wang, clock)
    return dataset, first, last


def test_summary_equals_the_known_truth(generated, supervisor):
    dataset, first, last = generated
    truth = dataset.truth(first, last)
    assert truth["conversations"] > 20 and 0 < truth["contained"] < truth["conversations"]
    assert truth["csat_count"] > 5 and truth["handoffs_by_reason"]
    response = supervisor.get(
        "/api/analytics/summary",
        params={"since": first.isoformat(), "until": last.isoformat(), "top": 50},
    )
    assert response.status_code == 200, response.text
    summary = response.json()
    assert_matches(summary, truth)
    assert summary["since"] == first.isoformat() and summary["until"] == last.isoformat()
    assert summary["events_source_ok"] is True and summary["events_caught_up"] is True
    # the default top list is ten long
    default = supervisor.get("/api/analytics/summary", params={"since": first.isoformat()})
    assert len(default.json()["top_intents"]) == min(10, len(truth["intents"]))


def test_each_day_and_the_days_around_it(generated, supervisor):
    dataset, first, last = generated
    for since, until in [(first, first), (first - timedelta(days=1), first), (last, last)]:
        summary = supervisor.get(
            "/api/analytics/summary",
            params={"since": since.isoformat(), "until": until.isoformat(), "top": 50},
        ).json()
        assert_matches(summary, dataset.truth(since, until))


def test_the_conversation_across_midnight_counts_on_its_first_day(generated, ctx):
    dataset, _first, _last = generated
    night = next(c for c in dataset.conversations if c.sender == "late-night")
    assert ingest.ingest(ctx).copied == len(dataset.events())
    with ctx.db.session() as session:
        rows = list(
            session.execute(
                select(AnalyticsConversation).where(AnalyticsConversation.sender_id == "late-night")
            ).scalars()
        )
    [row] = [r for r in rows if r.user_messages]
    assert row.day == night.day and row.user_messages == 6 and row.handoffs == 1
    assert row.fallback_messages == 3
    # its ticket was opened after midnight: a handoff of the next day
    assert night.handoff_time.astimezone(ZONE).date() == night.day + timedelta(days=1)


def test_copying_in_steps_equals_copying_at_once(events, ctx, supervisor, clock):
    last = today(clock) - timedelta(days=1)
    first = last - timedelta(days=4)
    dataset = generate(first, 5, seed=21)
    items = dataset.events()
    params = {"since": first.isoformat(), "until": last.isoformat(), "top": 50}
    ctx.settings.analytics_batch_size = 37  # many small batches, sessions split across them
    try:
        for start in range(0, len(items), len(items) // 4 + 1):
            events.publish_all(items[start : start + len(items) // 4 + 1])
            assert supervisor.get("/api/analytics/summary", params=params).status_code == 200
        stepwise = supervisor.get("/api/analytics/summary", params=params).json()
        ingest.rebuild(ctx)
        rebuilt = supervisor.get("/api/analytics/summary", params=params).json()
    finally:
        ctx.settings.analytics_batch_size = 2000
    truth = dataset.truth(first, last)
    for summary in (stepwise, rebuilt):
        assert summary["conversations"] == truth["conversations"]
        assert summary["containment_rate"] == approx(truth["containment_rate"])
        assert summary["fallback_rate"] == approx(truth["fallback_rate"])
        assert {i["intent"]: i["count"] for i in summary["top_intents"]} == truth["intents"]
    with ctx.db.session() as session:
        state = session.get(AnalyticsState, ingest.STATE_NAME)
        assert state.last_event_id == events.rows()[-1][0]


def test_a_summary_reads_only_new_events(events, ctx, supervisor, clock):
    day = today(clock)
    dataset = generate(day - timedelta(days=2), 2, seed=5)
    events.publish_all(dataset.events())
    supervisor.get("/api/analytics/summary")
    statements: list[str] = []
    engine = ctx.events._get_engine()

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        assert supervisor.get("/api/analytics/summary").status_code == 200
        assert supervisor.get("/api/analytics/summary").status_code == 200
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
    # per request: the row at the cursor (unchanged table?) and the rows after it, by key
    assert len(statements) == 4, statements
    assert all("WHERE id" in s for s in statements)
    assert not any("data" in s.split("FROM")[1] for s in statements)


def test_events_committed_late_are_counted(events, ctx, supervisor, clock):
    """PostgreSQL hands out ids before commit: a lower id may appear after a higher one."""
    day = today(clock)
    moment = local(day, 10)
    late_user = user("退款到哪了", "refund_status", moment + timedelta(seconds=30))
    rows = [
        (1, "a", session_start(moment)[1]),
        (2, "a", user("我付款失败了", "payment_failed", moment + timedelta(seconds=10))),
        (4, "b", user("你好", "greet", moment + timedelta(seconds=20))),
    ]
    model = events.broker.SQLBrokerEvent
    with events.broker.session_scope() as session:
        for row_id, sender, ev in rows:
            body = {"sender_id": sender, **ev.as_dict()}
            session.add(model(id=row_id, sender_id=sender, data=json.dumps(body)))
        session.commit()
    params = {"since": day.isoformat(), "until": day.isoformat()}
    first = supervisor.get("/api/analytics/summary", params=params).json()
    assert (first["conversations"], first["user_messages"]) == (2, 2)
    with events.broker.session_scope() as session:
        body = {"sender_id": "a", **late_user.as_dict()}
        session.add(model(id=3, sender_id="a", data=json.dumps(body)))
        session.commit()
    second = supervisor.get("/api/analytics/summary", params=params).json()
    assert (second["conversations"], second["user_messages"]) == (2, 3)
    assert {i["intent"] for i in second["top_intents"]} == {
        "payment_failed",
        "greet",
        "refund_status",
    }
    with ctx.db.session() as session:
        assert session.get(AnalyticsState, ingest.STATE_NAME).pending_gaps == []


def test_a_replaced_events_table_keeps_the_history(events, ctx, supervisor, clock):
    day = today(clock)
    before = generate(day - timedelta(days=6), 3, seed=1)
    after = generate(day - timedelta(days=3), 3, seed=2, prefix="new-")
    events.publish_all(before.events())
    params = {"since": (day - timedelta(days=6)).isoformat(), "until": day.isoformat()}
    assert supervisor.get("/api/analytics/summary", params=params).status_code == 200
    events.clear()  # e.g. var/events.db deleted: Rasa starts a new table
    events.publish_all(after.events()[:5])
    events.publish_all(after.events()[5:])
    summary = supervisor.get("/api/analytics/summary", params=params).json()
    expected = (
        before.truth(day - timedelta(days=6), day)["conversations"]
        + after.truth(day - timedelta(days=6), day)["conversations"]
    )
    assert summary["conversations"] == expected
    with ctx.db.session() as session:
        epochs = session.execute(select(func.count(func.distinct(AnalyticsConversation.epoch))))
        # SQLite numbers the new table's rows from 1 again: a new epoch. PostgreSQL's sequence
        # goes on, so the copy simply continues.
        assert epochs.scalar() == (2 if events.url.startswith("sqlite") else 1)


def test_sessions_without_user_messages_and_undecodable_rows_do_not_count(
    events, ctx, supervisor, clock
):
    day = today(clock)
    moment = local(day, 9)
    model = events.broker.SQLBrokerEvent
    with events.broker.session_scope() as session:
        session.add(model(sender_id="x", data="{not json"))
        session.add(model(sender_id="x", data=json.dumps([1, 2])))
        session.commit()
    for ev in session_start(moment):
        events.publish("idle", ev)
    events.publish("x", user("你好", "greet", moment + timedelta(minutes=1)))
    summary = supervisor.get(
        "/api/analytics/summary", params={"since": day.isoformat(), "until": day.isoformat()}
    ).json()
    assert summary["conversations"] == 1 and summary["user_messages"] == 1


def test_the_broker_rows_are_what_rasa_writes(events):
    """``publish_all`` (bulk, for speed) writes the same rows as the broker's ``publish``."""
    moment = local(date(2026, 11, 20), 10)
    message = user("我付款失败了", "payment_failed", moment)
    events.publish("same", message)
    events.publish_all([("same", message)])
    (_id1, sender1, data1), (_id2, sender2, data2) = events.rows()
    assert (sender1, data1) == (sender2, data2)
    data = json.loads(data1)
    assert data["sender_id"] == "same" and data["event"] == "user"
    assert data["parse_data"]["intent"]["name"] == "payment_failed"


def test_the_events_database_is_opened_read_only(events, ctx):
    events.publish_all([("ro", user("你好", "greet", local(date(2026, 11, 20), 10)))])
    engine = ctx.events._get_engine()
    with pytest.raises(DBAPIError):
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM events"))
    assert len(events.rows()) == 1


def test_an_unreadable_events_database_is_reported(events, ctx, supervisor, tmp_path):
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database" * 100)
    original = ctx.events
    ctx.events = EventsSource(f"sqlite:///{broken}")
    try:
        summary = supervisor.get("/api/analytics/summary").json()
    finally:
        ctx.events.dispose()
        ctx.events = original
    assert summary["events_source_ok"] is False and summary["conversations"] == 0
    missing = EventsSource(f"sqlite:///{tmp_path / 'not-yet' / 'events.db'}")
    assert missing.max_id() == 0 and missing.after(0, 10) == []


# --- the API's rules ---------------------------------------------------------------------------


def test_only_supervisors_see_the_analytics(anon, wang, supervisor, ctx):
    assert_error(anon.get("/api/analytics/summary"), 401, "AUTH_REQUIRED")
    assert_error(wang.get("/api/analytics/summary"), 403, "SUPERVISOR_ONLY")
    assert_error(wang.get("/api/analytics/unanswered"), 403, "SUPERVISOR_ONLY")
    assert_error(
        wang.get("/api/analytics/export", params={"dataset": "daily"}), 403, "SUPERVISOR_ONLY"
    )
    response = supervisor.get("/api/analytics/summary", params={"since": "2026-11-01"})
    assert response.status_code == 200
    body = response.json()
    assert CONTRACT_KEYS <= set(body)
    assert body["conversations"] == 0 and body["containment_rate"] is None
    assert body["csat_count"] == 0 and body["csat_avg"] is None and body["top_intents"] == []


def test_the_period(supervisor, ctx, clock):
    local_today = today(clock)
    default = supervisor.get("/api/analytics/summary").json()
    assert default["until"] == local_today.isoformat()
    assert default["since"] == (local_today - timedelta(days=29)).isoformat()
    assert len(default["conversations_per_day"]) == 30
    moment = supervisor.get(
        "/api/analytics/summary",
        params={"since": "2026-11-20T18:30:00Z", "until": "2026-11-21"},
    ).json()
    assert moment["since"] == "2026-11-21"  # 02:30 in Shanghai
    for params, code in [
        ({"since": "2026-11-21", "until": "2026-11-20"}, "INVALID_PERIOD"),
        ({"since": "2020-01-01", "until": "2026-11-20"}, "INVALID_PERIOD"),
        ({"since": "last week"}, "VALIDATION_ERROR"),
        ({"since": "2026-11-01", "top": "0"}, "VALIDATION_ERROR"),
    ]:
        assert_error(supervisor.get("/api/analytics/summary", params=params), 422, code)


def test_csv_exports_of_the_underlying_rows(generated, supervisor, service, clock):
    dataset, first, last = generated
    truth = dataset.truth(first, last)
    clock.set(local(last, 20))
    formula = {
        "conversation_id": "c-formula",
        "channel": "rest",
        "human_involved": False,
        "score": 1,
        "comment": '=HYPERLINK("http://evil")',
    }
    assert service.post("/api/internal/ratings", json=formula).status_code == 201
    params = {"since": first.isoformat(), "until": last.isoformat()}

    def rows(dataset_name: str) -> list[list[str]]:
        response = supervisor.get(
            "/api/analytics/export", params={**params, "dataset": dataset_name}
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        assert response.text.startswith("\ufeff")
        import csv
        import io

        return list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))

    conversations = rows("conversations")
    assert conversations[0][:3] == ["date", "conversation_id", "session_started_at"]
    assert len(conversations) - 1 == truth["conversations"]
    daily = rows("daily")
    assert len(daily) - 1 == 7 and sum(int(r[1]) for r in daily[1:]) == truth["conversations"]
    ratings = rows("ratings")
    assert len(ratings) - 1 == truth["csat_count"] + 1
    assert ['\'=HYPERLINK("http://evil")'] == [r[-1] for r in ratings if r[2] == "c-formula"]
    handoffs = rows("handoffs")
    assert len(handoffs) - 1 == sum(truth["handoffs_by_reason"].values())
    unanswered = rows("unanswered")
    assert len(unanswered) - 1 == truth["unanswered"]
    intents = rows("intents")
    assert sum(int(r[2]) for r in intents[1:]) == truth["user_messages"]
    bad = supervisor.get("/api/analytics/export", params={**params, "dataset": "agents"})
    assert_error(bad, 422, "VALIDATION_ERROR")


def test_the_cli_copies_and_rebuilds(events_url, events, tmp_path, monkeypatch, capsys):
    from desk import cli

    moment = local(date(2026, 11, 20), 10)
    events.publish_all([("cli", e) for e in session_start(moment)])
    events.publish_all([("cli", user("你好", "greet", moment + timedelta(seconds=3)))])
    monkeypatch.setenv("DESK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("DESK_EVENTS_DATABASE_URL", events_url)
    assert cli.main(["analytics-ingest"]) == 0
    assert "copied 5 events" in capsys.readouterr().out
    assert cli.main(["analytics-ingest"]) == 0
    assert "copied 0 events" in capsys.readouterr().out
    assert cli.main(["analytics-rebuild"]) == 0
    assert "copied 5 events" in capsys.readouterr().out
    monkeypatch.setenv("DESK_EVENTS_DATABASE_URL", f"sqlite:///{tmp_path / 'gone.db'}")
    assert cli.main(["analytics-ingest"]) == 2  # copied before, now missing: not a new table
    assert "could not be read" in capsys.readouterr().err
