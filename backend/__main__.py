"""``python -m backend``: migrate, seed the demo data into an empty database, serve on 8100."""

from __future__ import annotations

import logging

import uvicorn

from backend.core.clock import Clock
from backend.core.logging import configure_logging
from backend.core.settings import DEV_API_TOKEN, DEV_SECRET_KEY, Settings
from backend.db import Database, run_migrations
from backend.main import create_app
from backend.services.admin import seed_if_empty
from backend.services.context import ServiceContext

logger = logging.getLogger("backend")


def main() -> None:
    """Prepare the database and run the server until interrupted."""
    settings = Settings()
    configure_logging(settings.log_level)
    if settings.api_token == DEV_API_TOKEN:
        logger.warning("using the development service token; set BACKEND_API_TOKEN in production")
    if settings.secret_key == DEV_SECRET_KEY:
        logger.warning("using the development secret key; set BACKEND_SECRET_KEY in production")
    if settings.enable_test_endpoints:
        logger.warning("test endpoints (/v1/_test: fault injection, clock) are enabled")
    db = Database(str(settings.database_url))
    if settings.migrate_on_start:
        run_migrations(db.engine)
    if settings.seed_demo_on_start:
        seeded = seed_if_empty(ServiceContext(db=db, settings=settings, clock=Clock()))
        if seeded:
            logger.info("seeded the demo customers into an empty database")
    app = create_app(settings, database=db)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,
        proxy_headers=False,
        server_header=False,
    )
    db.dispose()


if __name__ == "__main__":
    main()
