"""The desk's background round re-reads only the conversations the events copy saw change,
and all of them on a full refresh or when the events table cannot be read."""

from __future__ import annotations

from urllib.parse import unquote

from rasa.shared.core.events import UserUttered
from test_desk_handoffs import open_ticket

from desk.services import worker


def tracker_reads(fake_rasa) -> list[str]:
    return [
        unquote(r.url.path).split("/")[2]
        for r in fake_rasa.requests
        if r.method == "GET" and r.url.path.endswith("/tracker")
    ]


def test_only_conversations_with_new_events_are_read_again(service, fake_rasa, events, ctx):
    for conversation_id in ("w-quiet", "w-busy"):
        open_ticket(service, fake_rasa, conversation_id)
    worker.run_once(ctx)  # copies what is there and reads both
    fake_rasa.requests.clear()

    events.publish("w-busy", UserUttered("还在吗", {"name": "greet"}))
    fake_rasa.user("w-busy", "还在吗")
    worker.run_once(ctx, full_refresh=False)
    assert tracker_reads(fake_rasa) == ["w-busy"]

    fake_rasa.requests.clear()
    worker.run_once(ctx, full_refresh=False)  # nothing new anywhere
    assert tracker_reads(fake_rasa) == []

    worker.run_once(ctx, full_refresh=True)
    assert sorted(tracker_reads(fake_rasa)) == ["w-busy", "w-quiet"]


def test_without_the_events_table_every_conversation_is_read(
    service, fake_rasa, events, ctx, monkeypatch
):
    open_ticket(service, fake_rasa, "w-one")
    worker.run_once(ctx)
    fake_rasa.requests.clear()

    def unreadable(*_args, **_kwargs):
        raise worker.ingest.EventsUnavailable("gone")

    monkeypatch.setattr(ctx.events, "after", unreadable)
    worker.run_once(ctx, full_refresh=False)
    assert tracker_reads(fake_rasa) == ["w-one"]
