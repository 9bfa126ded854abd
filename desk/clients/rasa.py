"""Client of Rasa's HTTP API, as docs/contracts.md fixes it for the desk.

The desk never talks to a channel itself: an agent's reply is a ``bot`` event appended to the
tracker with ``output_channel=latest`` and ``execute_side_effects=true``, so Rasa both stores it
and sends it through the customer's latest channel (the socket.io and WeChat output channels
mark ``custom.type == "agent_message"`` as coming from a person; REST clients poll
``/webhooks/rest/messages``). Returning to the bot is a ``resume`` event and then executing
``action_back_to_bot``; closing executes ``action_close_conversation`` instead.

After an action run through ``/execute`` Rasa does not add the ``action_listen`` its own
prediction loop would end with, so the customer's next message would be predicted from an
unusual state (rules never match, the bot stays silent). The desk appends that
``action_listen`` itself (:meth:`RasaClient.listen`), leaving the tracker exactly as after a
normal bot turn.

``RASA_TOKEN`` goes in the query string (Rasa's token auth); it is only ever sent from this
server to Rasa, and the ``httpx`` loggers are kept at WARNING so it is never logged.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Optional
from urllib.parse import quote

import httpx

from desk.core.metrics import observe_upstream

logger = logging.getLogger("desk.rasa")

AGENT_MESSAGE = "agent_message"
BACK_TO_BOT_ACTION = "action_back_to_bot"
CLOSE_ACTION = "action_close_conversation"
OUTAGE_LOG_INTERVAL = 60.0


class RasaError(Exception):
    """Rasa answered with an error or could not be reached."""

    def __init__(self, message: str, *, status_code: Optional[int] = None) -> None:
        super().__init__(message)
        self.status_code = status_code


def agent_message_event(text: str, agent_name: str) -> dict[str, Any]:
    """The tracker event of an agent's reply (docs/contracts.md, "Agent messages")."""
    return {
        "event": "bot",
        "text": text,
        "data": {"custom": {"type": AGENT_MESSAGE, "agent_name": agent_name, "text": text}},
        "metadata": {"sender": "agent", "agent_name": agent_name},
    }


class RasaClient:
    """Synchronous client of one Rasa server; safe to share between threads."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout_seconds: float = 15.0,
        transport: Optional[httpx.BaseTransport] = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._last_outage_log = -OUTAGE_LOG_INTERVAL
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout_seconds, connect=min(3.0, timeout_seconds)),
            transport=transport,
            headers={"User-Agent": "eepay-desk"},
        )

    def _path(self, conversation_id: str, tail: str) -> str:
        return f"/conversations/{quote(conversation_id, safe='')}/{tail}"

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Optional[dict[str, str]] = None,
        json: Any = None,
        conversation_id: str,
        operation: str,
    ) -> Any:
        query = {**(params or {}), "token": self._token}
        started = time.perf_counter()
        try:
            response = self._http.request(method, path, params=query, json=json)
        except httpx.HTTPError as error:
            observe_upstream("rasa", operation, started, failed=True)
            now = time.monotonic()
            if now - self._last_outage_log >= OUTAGE_LOG_INTERVAL:  # one line a minute, not a flood
                self._last_outage_log = now
                logger.warning(
                    "rasa unreachable",
                    extra={"conversation_id": conversation_id, "error": type(error).__name__},
                )
            raise RasaError(f"Rasa could not be reached ({type(error).__name__}).") from error
        observe_upstream("rasa", operation, started, failed=response.status_code >= 400)
        if response.status_code >= 400:
            logger.warning(
                "rasa refused",
                extra={"conversation_id": conversation_id, "status": response.status_code},
            )
            raise RasaError(
                f"Rasa answered {response.status_code}.", status_code=response.status_code
            )
        try:
            return response.json()
        except ValueError as error:
            raise RasaError("Rasa answered with something that is not JSON.") from error

    def tracker_events(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every event of the conversation, all sessions (already redacted by the bot)."""
        body = self._request(
            "GET",
            self._path(conversation_id, "tracker"),
            params={"include_events": "ALL"},
            conversation_id=conversation_id,
            operation="tracker",
        )
        events = body.get("events") if isinstance(body, dict) else None
        return [event for event in events or [] if isinstance(event, dict)]

    def send_agent_message(self, conversation_id: str, text: str, agent_name: str) -> None:
        """Append the agent's reply to the tracker and send it on the customer's channel."""
        self._request(
            "POST",
            self._path(conversation_id, "tracker/events"),
            params={"output_channel": "latest", "execute_side_effects": "true"},
            json=agent_message_event(text, agent_name),
            conversation_id=conversation_id,
            operation="send_message",
        )

    def resume(self, conversation_id: str) -> None:
        """Un-pause the conversation so the bot answers again."""
        self._request(
            "POST",
            self._path(conversation_id, "tracker/events"),
            json={"event": "resume"},
            conversation_id=conversation_id,
            operation="resume",
        )

    def execute(self, conversation_id: str, action: str) -> None:
        """Run ``action`` in the conversation; its messages go to the customer's channel."""
        self._request(
            "POST",
            self._path(conversation_id, "execute"),
            params={"output_channel": "latest"},
            json={"name": action},
            conversation_id=conversation_id,
            operation="execute",
        )

    def listen(self, conversation_id: str) -> None:
        """Mark the bot as waiting for the customer (``action_listen``), as after any turn."""
        self._request(
            "POST",
            self._path(conversation_id, "tracker/events"),
            json={"event": "action", "name": "action_listen"},
            conversation_id=conversation_id,
            operation="listen",
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()
