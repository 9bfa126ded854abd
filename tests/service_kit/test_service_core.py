"""The shared service core: SQLite pragmas, clocks, the service context, free-text checks, the
CLI skeleton."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from backend.core.settings import Settings as BackendSettings
from backend.services.context import ServiceContext as BackendContext
from desk.services.context import ServiceContext as DeskContext
from service_kit.clock import ManualClock
from service_kit.context import ServiceCore
from service_kit.db import Database
from service_kit.entrypoints import command_parser, run_command
from service_kit.errors import NotFoundError
from service_kit.schemas import refuse_control_characters
from service_kit.sqlite_tuning import SqlitePragmas


def _pragma(connection: sqlite3.Connection, name: str) -> object:
    return connection.execute(f"PRAGMA {name}").fetchone()[0]


def test_service_pragmas_on_a_file(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "service.db")
    SqlitePragmas(busy_timeout_ms=30_000, foreign_keys=True).apply(connection)
    assert _pragma(connection, "journal_mode") == "wal"
    assert _pragma(connection, "synchronous") == 1  # NORMAL
    assert _pragma(connection, "foreign_keys") == 1
    assert _pragma(connection, "busy_timeout") == 30_000


def test_reader_pragmas_refuse_writes_and_leave_the_journal(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "events.db")
    SqlitePragmas(busy_timeout_ms=10_000, write_ahead_log=False, query_only=True).apply(connection)
    assert _pragma(connection, "journal_mode") == "delete"
    assert _pragma(connection, "busy_timeout") == 10_000
    with pytest.raises(sqlite3.OperationalError):
        connection.execute("CREATE TABLE t (x)")


def test_manual_clock_advances_jumps_and_resets() -> None:
    start = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
    clock = ManualClock(start)
    clock.advance(90)
    assert clock.now() == start + timedelta(seconds=90) and clock.offset_seconds == 90
    later = datetime(2026, 11, 21, 8, 0, tzinfo=timezone.utc)
    clock.set(later)
    assert clock.now() == later
    clock.advance(5)
    clock.reset()
    assert clock.now() == later
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 11, 20))


def test_both_services_contexts_share_the_core(tmp_path: Path) -> None:
    start = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
    clock = ManualClock(start)
    settings = BackendSettings(argon2_time_cost=1, argon2_memory_cost_kib=8, argon2_parallelism=1)
    ctx = BackendContext(db=Database(f"sqlite:///{tmp_path}/b.db"), settings=settings, clock=clock)
    clock.advance(30)
    # "now" is the injected clock's, not the wall clock's.
    assert ctx.now() == start + timedelta(seconds=30)
    assert (ctx.hasher.time_cost, ctx.hasher.memory_cost) == (1, 8)
    assert issubclass(BackendContext, ServiceCore) and issubclass(DeskContext, ServiceCore)
    ctx.db.dispose()


def test_control_characters_are_refused_unless_allowed() -> None:
    assert refuse_control_characters("line\nnext\ttab") == "line\nnext\ttab"
    assert refuse_control_characters(None) is None
    with pytest.raises(ValueError):
        refuse_control_characters("a\rb")
    assert refuse_control_characters("a\r\nb", allowed="\n\t\r") == "a\r\nb"
    with pytest.raises(ValueError):
        refuse_control_characters("bell\x07")


def test_run_command_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    def refuse(_args: object) -> str:
        raise NotFoundError("no such thing", code="NO_THING")

    def bad_input(_args: object) -> str:
        raise ValueError("bad input")

    parser, commands = command_parser("prog", "help")
    commands.add_parser("ok").set_defaults(run=lambda _args: "done")
    commands.add_parser("refuse").set_defaults(run=refuse)
    commands.add_parser("bad").set_defaults(run=bad_input)
    assert run_command(parser, ["ok"]) == 0
    assert run_command(parser, ["refuse"]) == 1
    assert run_command(parser, ["bad"]) == 2
    output = capsys.readouterr()
    assert output.out == "done\n"
    assert "error NO_THING: no such thing" in output.err and "error: bad input" in output.err
