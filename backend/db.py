"""Engine, sessions and migrations of the backend (``service_kit.db`` has the mechanics).

Lock order, to rule out deadlocks on PostgreSQL: a unit of work that locks several rows takes
them as customer → transaction → refund / dispute → payment methods, challenges, reset tokens.
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

BACKEND_DIR = Path(__file__).resolve().parent
ALEMBIC_INI = BACKEND_DIR / "alembic.ini"
VERSION_TABLE = "backend_alembic_version"


def alembic_config(connection: Optional[Connection] = None, url: Optional[str] = None) -> Config:
    """The Alembic configuration of the backend, bound to a connection or a URL."""
    return migrations.alembic_config(BACKEND_DIR, connection, url)


def run_migrations(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision`` (``alembic upgrade head``)."""
    migrations.upgrade(BACKEND_DIR, engine, revision)
