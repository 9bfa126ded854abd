"""Alembic for one service: its configuration, ``upgrade``, and its ``env.py`` body.

Each service has its own ``alembic/`` folder and its own version table, so the backend and
the desk can share one database without seeing each other's revisions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from logging.config import fileConfig
from pathlib import Path
from typing import Any, Optional

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection, Engine

from service_kit.db import create_db_engine, lift_statement_timeout


def alembic_config(
    service_dir: Path, connection: Optional[Connection] = None, url: Optional[str] = None
) -> Config:
    """The Alembic configuration of the service in ``service_dir``, bound to a connection or
    a URL (``env.py`` falls back to the service's settings)."""
    config = Config(str(service_dir / "alembic.ini"))
    config.set_main_option("script_location", str(service_dir / "alembic"))
    if connection is not None:
        config.attributes["connection"] = connection
    if url is not None:
        config.attributes["url"] = url
    return config


def upgrade(service_dir: Path, engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision`` (``alembic upgrade head``)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(service_dir, connection=connection), revision)


@dataclass(frozen=True)
class ServiceMigrations:
    """The migrations of one service: its folder (``alembic.ini``, ``alembic/``) and the table
    that records its revision."""

    service_dir: Path
    version_table: str

    def alembic_config(
        self, connection: Optional[Connection] = None, url: Optional[str] = None
    ) -> Config:
        """The service's Alembic configuration, bound to a connection or a URL."""
        return alembic_config(self.service_dir, connection, url)

    def upgrade(self, engine: Engine, revision: str = "head") -> None:
        """Upgrade the database behind ``engine`` to ``revision`` (``alembic upgrade head``)."""
        upgrade(self.service_dir, engine, revision)


def run_environment(
    context: Any, metadata: MetaData, version_table: str, settings_url: Callable[[], str]
) -> None:
    """The body of a service's ``alembic/env.py``: online against the connection handed in
    by code (or one opened from the URL / the settings), offline as SQL (``--sql``)."""
    config = context.config

    def url() -> str:
        given = config.attributes.get("url")
        return settings_url() if given is None else given

    if context.is_offline_mode():
        context.configure(
            url=url(),
            target_metadata=metadata,
            version_table=version_table,
            literal_binds=True,
            dialect_opts={"paramstyle": "named"},
        )
        with context.begin_transaction():
            context.run_migrations()
        return

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=version_table,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            lift_statement_timeout(connection)  # a migration may rewrite a large table
            context.run_migrations()

    connection = config.attributes.get("connection")
    if connection is not None:
        migrate(connection)
        return
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    engine = create_db_engine(url())
    try:
        with engine.connect() as new_connection:
            migrate(new_connection)
            new_connection.commit()
    finally:
        engine.dispose()
