"""Retention of the desk's transcript copies (``RETENTION_DAYS``), on SQLite and PostgreSQL:
turns older than the cut are deleted in bounded batches, recent ones stay, 0 keeps everything;
the worker and ``python -m desk.cli retention`` enforce it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, func, select

from desk import cli
from desk.models import TranscriptTurn
from desk.services import transcripts, worker


def add_turns(ctx, conversation_id: str, days_ago: float, count: int = 3) -> None:
    sent = ctx.now() - timedelta(days=days_ago)
    with ctx.db.session(write=True) as session:
        for number in range(count):
            at = sent + timedelta(seconds=number)
            session.add(
                TranscriptTurn(
                    conversation_id=conversation_id,
                    event_key=f"{conversation_id}-{number}",
                    event_ts=at.timestamp(),
                    sent_at=at,
                    sender="user",
                    text=f"第{number}句",
                )
            )


def kept(ctx) -> dict[str, int]:
    with ctx.db.session() as session:
        rows = session.execute(
            select(TranscriptTurn.conversation_id, func.count()).group_by(
                TranscriptTurn.conversation_id
            )
        ).all()
    return dict(rows)


def test_old_turns_go_recent_ones_stay(ctx) -> None:
    add_turns(ctx, "last-year", 400)
    add_turns(ctx, "just-older", 181)
    add_turns(ctx, "this-week", 3)
    assert transcripts.enforce_retention(ctx, 180) == 6
    assert kept(ctx) == {"this-week": 3}


def test_zero_days_keeps_everything(ctx) -> None:
    add_turns(ctx, "last-year", 400)
    assert transcripts.enforce_retention(ctx, 0) == 0
    assert kept(ctx) == {"last-year": 3}


def test_deleting_goes_in_bounded_batches(ctx) -> None:
    add_turns(ctx, "last-year", 400, count=12)
    deletes: list[str] = []

    def listener(_connection, _cursor, statement, *_rest) -> None:
        if statement.lstrip().upper().startswith("DELETE"):
            deletes.append(statement)

    event.listen(ctx.db.engine, "before_cursor_execute", listener)
    try:
        before = ctx.now() - timedelta(days=180)
        assert transcripts.purge_older_than(ctx, before, batch=5) == 12
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", listener)
    assert len(deletes) == 3  # 5 + 5 + 2
    assert kept(ctx) == {}


def test_the_worker_enforces_the_configured_days(ctx, monkeypatch) -> None:
    add_turns(ctx, "last-year", 400)
    add_turns(ctx, "this-week", 3)
    monkeypatch.setattr(ctx.settings, "retention_days", 180)
    worker.run_once(ctx)  # not due this round
    assert set(kept(ctx)) == {"last-year", "this-week"}
    worker.run_once(ctx, retention=True)
    assert kept(ctx) == {"this-week": 3}


def test_the_command_line(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DESK_DATABASE_URL", f"sqlite:///{tmp_path / 'desk.db'}")
    monkeypatch.setenv("RETENTION_DAYS", "0")
    assert cli.main(["retention"]) == 0
    assert "retention is off" in capsys.readouterr().out
    assert cli.main(["retention", "--days", "30"]) == 0
    assert "deleted 0 transcript turns older than 30 days" in capsys.readouterr().out
    assert cli.main(["retention", "--days", "-1"]) == 2
