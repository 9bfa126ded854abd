"""``python -m web``: serve the widget and its demo page on WEB_HOST:WEB_PORT (8300)."""

from __future__ import annotations

import logging

import uvicorn

from service_kit.customer_token import DEV_SECRET
from service_kit.json_logging import configure_json_logging
from web.app import MissingAssets, create_app
from web.settings import Settings

logger = logging.getLogger("web")


def main() -> None:
    """Run the demo server until interrupted."""
    settings = Settings()
    configure_json_logging("web", settings.log_level)
    settings.refuse_development_secrets()
    if not settings.is_production and settings.chat_jwt_secret == DEV_SECRET:
        logger.warning("using the development CHAT_JWT_SECRET; set it in production")
    try:
        app = create_app(settings)
    except MissingAssets as error:
        logger.error(str(error))
        raise SystemExit(1) from error
    logger.info(
        "widget demo on http://%s:%d, Rasa at %s",
        settings.host,
        settings.port,
        settings.rasa_public_url,
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


if __name__ == "__main__":
    main()
