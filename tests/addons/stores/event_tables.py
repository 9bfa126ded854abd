"""Reading a Rasa ``events`` table directly (tracker store or events database), for tests."""

from __future__ import annotations

import json

import sqlalchemy as sa


def event_rows(url: str) -> list[tuple[str, dict]]:
    """(sender, decoded event) of every row of the database's ``events`` table."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT sender_id, data FROM events").all()
    finally:
        engine.dispose()
    return [(sender, json.loads(data)) for sender, data in rows]
