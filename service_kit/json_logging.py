"""Structured logging: one JSON object per line on stderr."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import datetime, timezone

_RESERVED = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Format records as JSON with time, level, logger, message and any ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render one record as a single JSON line."""
        payload = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


def configure_json_logging(
    service: str, level: str = "INFO", quiet_loggers: Iterable[str] = ()
) -> None:
    """Send the logs of the ``service`` logger tree to stderr as JSON lines (idempotent);
    ``quiet_loggers`` are held at WARNING."""
    root = logging.getLogger(service)
    root.setLevel(level.upper())
    if not any(getattr(handler, "_json_lines", False) for handler in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler._json_lines = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.propagate = False
    for name in quiet_loggers:
        logging.getLogger(name).setLevel(logging.WARNING)
