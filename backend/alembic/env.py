"""Alembic environment of the backend: its own version table, shared-database safe."""

from __future__ import annotations

from alembic import context

from backend.db import VERSION_TABLE
from backend.models import metadata
from service_kit.migrations import run_environment


def settings_url() -> str:
    """The database of the backend's settings, when no connection or URL was handed in."""
    from backend.core.settings import Settings

    return Settings().database_url


run_environment(context, metadata, VERSION_TABLE, settings_url)
