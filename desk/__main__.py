"""``python -m desk``: migrate, create the start-up supervisor, serve on 8200."""

from __future__ import annotations

import logging

import uvicorn

from desk.core.logging import configure_logging
from desk.core.settings import DEV_ADMIN_PASSWORD, DEV_SERVICE_TOKEN, Settings
from desk.db import Database, run_migrations
from desk.main import create_app
from desk.services import agents

logger = logging.getLogger("desk")


def main() -> None:
    """Prepare the database and run the server until interrupted."""
    settings = Settings()
    configure_logging(settings.log_level)
    if settings.service_token == DEV_SERVICE_TOKEN:
        logger.warning("using the development service token; set DESK_SERVICE_TOKEN in production")
    if not settings.cookie_secure:
        logger.warning("session cookies are not Secure (DESK_COOKIE_SECURE=false): HTTPS only")
    db = Database(str(settings.database_url))
    if settings.migrate_on_start:
        run_migrations(db.engine)
    app = create_app(settings, database=db)
    if settings.create_admin_on_start:
        created = agents.ensure_admin(app.state.ctx)
        if created is not None:
            logger.info("created the supervisor account", extra={"username": created.username})
        if settings.admin_password == DEV_ADMIN_PASSWORD:
            logger.warning(
                "DESK_ADMIN_PASSWORD is the development default; set it before first start "
                "in production (it is only used to create the account)"
            )
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
