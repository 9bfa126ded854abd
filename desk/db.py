"""Engine, sessions and migrations of the desk (``service_kit.db`` has the mechanics).

A ticket is changed only under a lock: PostgreSQL locks its row (``SELECT ... FOR UPDATE``, see
:func:`lock_one`); SQLite's write session takes the single write lock up front. Either way two
agents claiming one ticket cannot both win.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

from service_kit import migrations
from service_kit.db import Database, create_db_engine, lock_one

__all__ = [
    "ALEMBIC_INI",
    "VERSION_TABLE",
    "Database",
    "alembic_config",
    "create_db_engine",
    "lock_one",
    "run_migrations",
]

DESK_DIR = Path(__file__).resolve().parent
ALEMBIC_INI = DESK_DIR / "alembic.ini"
VERSION_TABLE = "desk_alembic_version"


def alembic_config(connection: Optional[Connection] = None, url: Optional[str] = None) -> Config:
    """The Alembic configuration of the desk, bound to a connection or a URL."""
    return migrations.alembic_config(DESK_DIR, connection, url)


def run_migrations(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision`` (``alembic upgrade head``)."""
    migrations.upgrade(DESK_DIR, engine, revision)
