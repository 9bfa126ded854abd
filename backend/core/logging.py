"""Structured (one JSON object per line) logging for the backend."""

from __future__ import annotations

from service_kit.json_logging import configure_json_logging


def configure_logging(level: str = "INFO") -> None:
    """Send the backend's logs to stderr as JSON lines (idempotent)."""
    configure_json_logging("backend", level)
