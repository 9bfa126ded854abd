"""SQL tracker store that never stores a secret or a bearer token in clear text.

Everything that leaves the Rasa process through the tracker store (the database, and the
event broker the store streams to) passes ``redact`` first: passwords, verification codes,
card numbers, security codes and ID numbers typed by customers are masked in the message
text and in its parse data, and the customer's identity token is dropped from the message
metadata (the verified customer id is kept in a slot; a token must not be replayable from
storage). The database is given as one SQLAlchemy URL, like every other eepay service.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons.redaction import redact

DEFAULT_URL = f"sqlite:///{Path(__file__).resolve().parent.parent / 'var' / 'rasa.db'}"
TOKEN_METADATA_KEYS = ("customer_token",)
REDACTED = "[redacted]"


def database_url() -> str:
    """``RASA_DATABASE_URL``, else ``DATABASE_URL``, else a SQLite file in ``var/``."""
    return os.environ.get("RASA_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_URL


def redact_user_event(event: UserUttered) -> None:
    """Masks secrets in a user message in place (idempotent)."""
    if event.text:
        event.text, _ = redact(event.text)
    parse_data = event.parse_data or {}
    if parse_data.get("text"):
        parse_data["text"], _ = redact(parse_data["text"])
    for entity in parse_data.get("entities") or []:
        if isinstance(entity.get("value"), str):
            entity["value"], _ = redact(entity["value"])
    # the message metadata is kept twice: on the event and inside its parse data
    for metadata in (event.metadata, parse_data.get("metadata")):
        if isinstance(metadata, dict):
            for key in TOKEN_METADATA_KEYS:
                if metadata.get(key):
                    metadata[key] = REDACTED


def redact_session_metadata(event: SlotSet) -> None:
    """Rasa copies the first message's metadata into ``session_started_metadata``."""
    if event.key == "session_started_metadata" and isinstance(event.value, dict):
        for key in TOKEN_METADATA_KEYS:
            if event.value.get(key):
                event.value[key] = REDACTED


class RedactingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` configured by URL that masks secrets before saving."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[str] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: dict[str, Any],
    ) -> None:
        """``url`` from endpoints.yml (Rasa passes it as ``host``), else the environment."""
        url = host or database_url()
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # SQLTrackerStore.get_db_url passes a full URL given as `host` through unchanged
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Masks every user message, then stores the new events."""
        for event in tracker.events:
            if isinstance(event, UserUttered):
                redact_user_event(event)
            elif isinstance(event, SlotSet):
                redact_session_metadata(event)
        await super().save(tracker)
