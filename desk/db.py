"""Engine, sessions and migrations of the desk (``service_kit.db`` has the mechanics).

A ticket is changed only under a lock: PostgreSQL locks its row (``SELECT ... FOR UPDATE``, see
:func:`lock_one`); SQLite's write session takes the single write lock up front. Either way two
agents claiming one ticket cannot both win.
"""

from __future__ import annotations

from pathlib import Path

from service_kit.db import Database, lock_one
from service_kit.migrations import ServiceMigrations

__all__ = ["VERSION_TABLE", "Database", "alembic_config", "lock_one", "run_migrations"]

MIGRATIONS = ServiceMigrations(Path(__file__).resolve().parent, "desk_alembic_version")
VERSION_TABLE = MIGRATIONS.version_table
alembic_config = MIGRATIONS.alembic_config
run_migrations = MIGRATIONS.upgrade
