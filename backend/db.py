"""Engine, sessions and migrations of the backend (``service_kit.db`` has the mechanics).

Lock order, to rule out deadlocks on PostgreSQL: a unit of work that locks several rows takes
them as customer → transaction → refund / dispute → payment methods, challenges, reset tokens.
"""

from __future__ import annotations

from pathlib import Path

from service_kit.db import Database, lock_one
from service_kit.migrations import ServiceMigrations

__all__ = ["VERSION_TABLE", "Database", "alembic_config", "lock_one", "run_migrations"]

MIGRATIONS = ServiceMigrations(Path(__file__).resolve().parent, "backend_alembic_version")
VERSION_TABLE = MIGRATIONS.version_table
alembic_config = MIGRATIONS.alembic_config
run_migrations = MIGRATIONS.upgrade
