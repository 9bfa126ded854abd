"""``python -m desk``: migrate, create the start-up supervisor, serve on 8200."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from desk.core.logging import configure_logging
from desk.core.settings import Settings
from desk.db import MIGRATIONS
from desk.main import create_app
from desk.services import agents
from service_kit.entrypoints import serve

logger = logging.getLogger("desk")


def main() -> None:
    """Prepare the database and run the server until interrupted."""
    settings = Settings()
    configure_logging(settings.log_level)

    def create_admin(app: FastAPI) -> None:
        created = agents.ensure_admin(app.state.ctx) if settings.create_admin_on_start else None
        if created is not None:
            logger.info("created the supervisor account", extra={"username": created.username})

    serve(logger, settings, MIGRATIONS, lambda db: create_app(settings, database=db), create_admin)


if __name__ == "__main__":
    main()
