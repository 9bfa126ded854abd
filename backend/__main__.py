"""``python -m backend``: migrate, seed the demo data into an empty database, serve on 8100."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from backend.core.logging import configure_logging
from backend.core.settings import Settings
from backend.db import MIGRATIONS
from backend.main import create_app
from backend.services.admin import seed_if_empty
from service_kit.entrypoints import serve

logger = logging.getLogger("backend")


def main() -> None:
    """Prepare the database and run the server until interrupted."""
    settings = Settings()
    configure_logging(settings.log_level)

    def seed_demo_data(app: FastAPI) -> None:
        if settings.seed_demo_on_start and seed_if_empty(app.state.ctx):
            logger.info("seeded the demo customers into an empty database")

    serve(
        logger, settings, MIGRATIONS, lambda db: create_app(settings, database=db), seed_demo_data
    )


if __name__ == "__main__":
    main()
