"""``python -m web``: serve the widget and its demo page on WEB_HOST:WEB_PORT (8300)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

import uvicorn

from addons.customer_token import DEV_SECRET
from web.app import MissingAssets, create_app
from web.settings import Settings

logger = logging.getLogger("web")


class JsonFormatter(logging.Formatter):
    """One JSON object per log line: time, level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        """Render one record as a single JSON line."""
        payload = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(level: str) -> None:
    """The demo server's own logs as JSON lines on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    logger.handlers[:] = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False


def main() -> None:
    """Run the demo server until interrupted."""
    settings = Settings()
    configure_logging(settings.log_level)
    if settings.chat_jwt_secret == DEV_SECRET:
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
