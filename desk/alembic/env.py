"""Alembic environment of the desk: its own version table, shared-database safe."""

from __future__ import annotations

from alembic import context

from desk.db import VERSION_TABLE
from desk.models import metadata
from service_kit.migrations import run_environment


def settings_url() -> str:
    """The database of the desk's settings, when no connection or URL was handed in."""
    from desk.core.settings import Settings

    return Settings().database_url


run_environment(context, metadata, VERSION_TABLE, settings_url)
