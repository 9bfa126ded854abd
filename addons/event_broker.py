"""Rasa's SQL event broker, configured by one SQLAlchemy URL like every other eepay database.

Every tracker event (already redacted by ``addons.tracker_store``) is written to the table
``events`` of the events database, which the agent desk reads for its analytics
(docs/contracts.md). URL: ``url`` in endpoints.yml, else ``EVENTS_DATABASE_URL``, else SQLite
``var/events.db``. Keep it apart from the tracker store's database: both use a table named
``events``.
"""

from __future__ import annotations

import os
from asyncio import AbstractEventLoop
from pathlib import Path
from typing import Optional

from rasa.core.brokers import sql
from rasa.utils.endpoints import EndpointConfig

DEFAULT_URL = f"sqlite:///{Path(__file__).resolve().parent.parent / 'var' / 'events.db'}"


def events_database_url() -> str:
    """``EVENTS_DATABASE_URL``, else a SQLite file in ``var/``."""
    return os.environ.get("EVENTS_DATABASE_URL") or DEFAULT_URL


class SQLEventBroker(sql.SQLEventBroker):
    """``SQLEventBroker`` whose database is one URL."""

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig,
        event_loop: Optional[AbstractEventLoop] = None,
    ) -> SQLEventBroker:
        """Built by Rasa from ``event_broker: type: addons.event_broker.SQLEventBroker``."""
        url = broker_config.url or events_database_url()
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return cls(host=url)
