"""Retention of the Rasa server's data: conversation events older than ``RETENTION_DAYS`` are
deleted from the tracker store and from the events database.

    .venv/bin/python -m addons.stores.retention             # once
    .venv/bin/python -m addons.stores.retention --every 24  # every 24 hours (Procfile)

``RETENTION_DAYS`` (default 180; 0 keeps everything) is shared with the agent desk, which
deletes its copies of the transcripts (``python -m desk.cli retention``, and its worker).
Deleting happens in batches of ``--batch`` rows, each its own short transaction, so the
servers writing the same tables never wait long behind it.

* Tracker store (``RASA_DATABASE_URL``, else ``DATABASE_URL``, else ``var/rasa.db``): rows of
  Rasa's ``events`` table whose ``timestamp`` is older. A conversation idle for that long goes
  whole; one that is still going keeps its recent sessions (a session ends after an hour of
  silence, so none spans the cut).
* Events database (``EVENTS_DATABASE_URL``, else ``var/events.db``): the broker's table has
  no time column, only the event's JSON. Rows are appended in the order events happen, so the
  last row older than the cut is found by a binary search on ``id`` (a few dozen reads), and
  everything up to it is deleted by ``id``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from addons.stores.event_broker import events_database_url
from addons.stores.tracker_store import database_url
from service_kit.db import create_db_engine

logger = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 180
DEFAULT_BATCH = 5000
DAY_SECONDS = 86_400
TABLE = "events"


def retention_days(raw: Optional[str] = None) -> int:
    """``RETENTION_DAYS`` (or ``raw``): whole days to keep; 0 keeps everything."""
    raw = os.environ.get("RETENTION_DAYS", "") if raw is None else raw
    raw = raw.strip()
    try:
        days = int(raw) if raw else DEFAULT_RETENTION_DAYS
    except ValueError as error:
        raise ValueError(f"RETENTION_DAYS must be a whole number of days, not {raw!r}") from error
    if days < 0:
        raise ValueError("RETENTION_DAYS must not be negative (0 keeps everything)")
    return days


def cutoff(days: int, now: Optional[float] = None) -> Optional[float]:
    """The Unix time before which data goes, or None when ``days`` is 0 (keep everything)."""
    if days == 0:
        return None
    return (time.time() if now is None else now) - days * DAY_SECONDS


def _events_table(connection: Connection) -> Optional[sa.Table]:
    if not sa.inspect(connection).has_table(TABLE):
        return None  # nothing written yet
    return sa.Table(TABLE, sa.MetaData(), autoload_with=connection)


def _delete_batches(
    engine: Engine, condition: Callable[[sa.Table], sa.sql.ColumnElement], batch: int
) -> int:
    """Deletes the rows of ``events`` matching ``condition``, ``batch`` at a time."""
    deleted = 0
    while True:
        with engine.begin() as connection:
            table = _events_table(connection)
            if table is None:
                return deleted
            chosen = sa.select(table.c.id).where(condition(table)).order_by(table.c.id).limit(batch)
            # the ids first: "DELETE ... IN (SELECT ... LIMIT)" is not portable
            ids = list(connection.execute(chosen).scalars())
            if ids:
                connection.execute(sa.delete(table).where(table.c.id.in_(ids)))
        deleted += len(ids)
        if len(ids) < batch:
            return deleted


def purge_tracker_events(engine: Engine, before: float, batch: int = DEFAULT_BATCH) -> int:
    """Deletes tracker-store events older than ``before`` (Unix time); returns how many."""
    return _delete_batches(engine, lambda table: table.c.timestamp < before, batch)


def _event_time(data: Optional[str]) -> Optional[float]:
    try:
        value = json.loads(data or "").get("timestamp")
        return float(value) if value is not None else None
    except (ValueError, TypeError, AttributeError):
        return None


def last_id_before(engine: Engine, before: float) -> int:
    """The highest id of the broker's ``events`` whose event happened before ``before`` (0 when
    none), assuming rows are in time order (the broker appends them as they happen)."""
    with engine.connect() as connection:
        table = _events_table(connection)
        if table is None:
            return 0
        low, high = connection.execute(
            sa.select(sa.func.min(table.c.id), sa.func.max(table.c.id))
        ).one()
        if low is None:
            return 0
        found = 0
        after = sa.select(table.c.id, table.c.data).order_by(table.c.id).limit(1)
        while low <= high:
            middle = (low + high) // 2
            row = connection.execute(after.where(table.c.id >= middle)).first()
            if row is None or row.id > high:
                high = middle - 1
                continue
            moment = _event_time(row.data)
            if moment is not None and moment < before:
                found = row.id
                low = row.id + 1
            else:
                high = middle - 1
        return found


def purge_broker_events(engine: Engine, before: float, batch: int = DEFAULT_BATCH) -> int:
    """Deletes the events database's rows of events older than ``before``; returns how many."""
    last = last_id_before(engine, before)
    if not last:
        return 0
    return _delete_batches(engine, lambda table: table.c.id <= last, batch)


@dataclass(frozen=True)
class Report:
    """What one run deleted."""

    tracker_events: int
    broker_events: int


def enforce(
    days: int,
    tracker_url: Optional[str] = None,
    events_url: Optional[str] = None,
    batch: int = DEFAULT_BATCH,
    now: Optional[float] = None,
) -> Report:
    """One run over both databases (the configured ones unless given)."""
    before = cutoff(days, now)
    if before is None:
        return Report(0, 0)
    counts = []
    for url, purge in (
        (tracker_url or database_url(), purge_tracker_events),
        (events_url or events_database_url(), purge_broker_events),
    ):
        engine = create_db_engine(url)
        try:
            counts.append(purge(engine, before, batch))
        finally:
            engine.dispose()
    return Report(*counts)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(
        prog="python -m addons.stores.retention",
        description="Delete the Rasa server's events older than RETENTION_DAYS.",
    )
    parser.add_argument("--days", type=int, help="instead of RETENTION_DAYS")
    parser.add_argument("--every", type=float, metavar="HOURS", help="repeat every HOURS hours")
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="rows per transaction")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        days = retention_days() if args.days is None else retention_days(str(args.days))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    while True:
        try:
            report = enforce(days, batch=max(1, args.batch))
            logger.info(
                "retention %s: deleted %d tracker-store events and %d events-database rows",
                f"{days} days" if days else "off (RETENTION_DAYS=0)",
                report.tracker_events,
                report.broker_events,
            )
        except Exception:  # a database away for a while: the next run catches up
            logger.exception("retention run failed")
            if not args.every:
                return 1
        if not args.every:
            return 0
        time.sleep(args.every * 3600)


if __name__ == "__main__":
    sys.exit(main())
