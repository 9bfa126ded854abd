"""Structured (one JSON object per line) logging for the desk."""

from __future__ import annotations

from service_kit.json_logging import configure_json_logging

# httpx logs every request URL at INFO; Rasa's token travels in the query string, so those
# loggers stay at WARNING.
QUIET_LOGGERS = ("httpx", "httpcore")


def configure_logging(level: str = "INFO") -> None:
    """Send the desk's logs to stderr as JSON lines (idempotent)."""
    configure_json_logging("desk", level, QUIET_LOGGERS)
