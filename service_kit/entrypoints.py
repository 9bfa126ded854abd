"""The two entry points of a service: ``python -m <service>`` serves it, ``python -m
<service>.cli <command>`` runs one administrative command.

Each service supplies what differs (its settings, its app factory, its start-up chores, its
commands); opening and migrating the database, serving with uvicorn and turning a command's
outcome into output and an exit status are the same everywhere.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any, Optional

import uvicorn
from fastapi import FastAPI

from service_kit.db import Database
from service_kit.errors import ApiError
from service_kit.migrations import ServiceMigrations
from service_kit.settings import ServiceSettings


def migrated_database(settings: ServiceSettings, migrations: ServiceMigrations) -> Database:
    """The service's database, upgraded to the latest schema."""
    db = Database(str(settings.database_url))
    migrations.upgrade(db.engine)
    return db


def serve(
    logger: logging.Logger,
    settings: ServiceSettings,
    migrations: ServiceMigrations,
    create_app: Callable[[Database], FastAPI],
    before_serving: Optional[Callable[[FastAPI], None]] = None,
) -> None:
    """Refuse development secrets in production (before the database is touched), warn about
    the settings' development defaults, open the database (migrated when
    ``migrate_on_start``), build the app, run the start-up chores in ``before_serving`` and
    serve until interrupted.

    Uvicorn's own access log is off (the access-log middleware writes structured lines) and so
    are proxy headers: the services trust no forwarded address.
    """
    settings.refuse_development_secrets()
    for warning in settings.startup_warnings():
        logger.warning(warning)
    db = Database(str(settings.database_url))
    try:
        if settings.migrate_on_start:
            migrations.upgrade(db.engine)
        app = create_app(db)
        if before_serving is not None:
            before_serving(app)
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            access_log=False,
            proxy_headers=False,
            server_header=False,
        )
    finally:
        db.dispose()


def command_parser(prog: str, description: str) -> tuple[argparse.ArgumentParser, Any]:
    """An argument parser whose help is ``description`` verbatim, and its (required) commands."""
    parser = argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    return parser, commands


def add_migrate_command(
    commands: Any, settings: Callable[[], ServiceSettings], migrations: ServiceMigrations
) -> None:
    """Add ``migrate``: upgrade the database named by the settings to the latest schema."""

    def migrate(_args: argparse.Namespace) -> str:
        migrated_database(settings(), migrations).dispose()
        return "database is at the latest schema"

    commands.add_parser("migrate", help="upgrade the schema").set_defaults(run=migrate)


def run_command(parser: argparse.ArgumentParser, argv: Optional[Sequence[str]] = None) -> int:
    """Run the chosen command and print its result.

    Exit status 0 on success, 1 when the service refuses the request (its error code is
    printed), 2 on bad input.
    """
    args = parser.parse_args(argv)
    try:
        print(args.run(args))
    except ApiError as error:
        print(f"error {error.code}: {error.message}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def command_line(
    build_parser: Callable[[], argparse.ArgumentParser],
) -> Callable[[Optional[Sequence[str]]], int]:
    """The ``main(argv=None) -> int`` of a service's CLI module: parse ``argv`` (the process's
    arguments by default) with a fresh parser and run the command (``run_command``)."""

    def main(argv: Optional[Sequence[str]] = None) -> int:
        return run_command(build_parser(), argv)

    return main
