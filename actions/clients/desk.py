"""Client of the agent desk's internal API, with an outbox so nothing is lost.

``POST {DESK_URL}/api/internal/handoffs`` and ``/api/internal/ratings`` (docs/contracts.md).
A customer who asked for a person waits in a paused conversation, so a handoff must reach the
desk whatever happens on the way:

* the desk is down, slow, overloaded (408, 429, 5xx), or refuses our credentials (401, 403:
  typically a service token rotated on one side first) or the route (404: a wrong
  ``DESK_URL``): the request is parked in the outbox (``actions.clients.desk_outbox``) and
  sent again by the next request, by a background retry, and at the action server's next
  start-up (:class:`DeskOutboxPlugin`);
* the desk refuses the request itself (400, 413, 422: a slot longer than the contract
  allows): it is repaired (``actions.clients.desk_repair``) and sent again at once;
* what cannot be repaired is kept in the outbox's ``rejected/`` folder and logged as an error,
  and a live handoff raises :class:`DeskUndeliverable` so the customer is told to use another
  channel instead of waiting for an agent who will never come.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import httpx
import pluggy
from sanic import Sanic

from actions.clients.desk_outbox import Outbox, Parked
from actions.clients.desk_repair import HANDOFFS_PATH, RATINGS_PATH, repair
from actions.settings import ActionSettings, get_settings

logger = logging.getLogger(__name__)

__all__ = [
    "HANDOFFS_PATH",
    "RATINGS_PATH",
    "DeskClient",
    "DeskOutboxPlugin",
    "DeskRejected",
    "DeskUnavailable",
    "DeskUndeliverable",
    "HandoffTicket",
    "get_desk_client",
]

# the desk found the request itself invalid: sending it unchanged again cannot help
INVALID_REQUEST_STATUSES = frozenset({400, 413, 422})

hookimpl = pluggy.HookimplMarker("rasa_sdk")


@dataclass(frozen=True)
class HandoffTicket:
    """What the desk says about the queued conversation."""

    id: int
    position: int
    estimated_wait_minutes: int
    within_hours: bool
    next_open_at: Optional[str]


class DeskUnavailable(Exception):
    """The desk did not take the request now (down, timeout, 401/403/404/408/429, 5xx): it is
    kept and sent again later (``payload``: the repaired form to keep, if it was repaired)."""

    def __init__(self, message: str, payload: Optional[dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.payload = payload


class DeskRejected(Exception):
    """The desk refused the request as invalid (400, 413, 422): repair it or set it aside."""

    def __init__(self, status_code: int, text: str) -> None:
        super().__init__(f"desk answered {status_code}: {text}")
        self.status_code = status_code
        self.text = text


class DeskUndeliverable(Exception):
    """The desk refused the request even after repair; it was set aside in the outbox's
    ``rejected/`` folder and logged."""


class DeskClient:
    """Posts handoffs to the desk; parks them in the outbox when it is unreachable."""

    def __init__(self, settings: Optional[ActionSettings] = None) -> None:
        self.settings = settings or get_settings()
        self._retry_task: Optional[asyncio.Task] = None
        self._http: Optional[httpx.AsyncClient] = None
        self._http_loop: Optional[asyncio.AbstractEventLoop] = None

    def _client(self) -> httpx.AsyncClient:
        """One kept-alive client per event loop: building a client loads the TLS trust store,
        too costly to pay again on every handoff and rating."""
        loop = asyncio.get_running_loop()
        if self._http is None or self._http.is_closed or self._http_loop is not loop:
            self._http = httpx.AsyncClient(timeout=self.settings.desk_timeout_seconds)
            self._http_loop = loop
        return self._http

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.desk_service_token}"}

    async def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self._client().post(
                self.settings.desk_url.rstrip("/") + path, json=payload, headers=self._headers()
            )
        except httpx.HTTPError as error:
            raise DeskUnavailable(str(error)) from error
        if response.status_code in INVALID_REQUEST_STATUSES:
            raise DeskRejected(response.status_code, response.text[:500])
        if response.status_code >= 300:
            # 401/403 after a token rotation, 404 behind a wrong URL, 429, 5xx: later
            raise DeskUnavailable(f"desk answered {response.status_code}")
        return response.json()

    async def _post_repaired(
        self, path: str, payload: dict[str, Any], rejected: DeskRejected
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Send the repaired request once: (what was sent, the desk's answer). Raises
        DeskUndeliverable (after setting the request aside) when it cannot be repaired or is
        refused again, DeskUnavailable carrying the repaired request when the desk went away."""
        repaired = repair(path, payload)
        if repaired is not None:
            logger.warning(
                "desk refused a request as invalid; sending it repaired",
                extra={"path": path, "conversation_id": payload.get("conversation_id")},
            )
            try:
                return repaired, await self._post(path, repaired)
            except DeskRejected as again:
                rejected = again
            except DeskUnavailable as error:
                raise DeskUnavailable(str(error), payload=repaired) from error
        kept = self.outbox.reject(
            path,
            repaired or payload,
            {"status": rejected.status_code, "answer": rejected.text},
        )
        logger.error(
            "desk refused a request even after repair; kept aside, not delivered",
            extra={
                "path": path,
                "conversation_id": payload.get("conversation_id"),
                "status": rejected.status_code,
                "kept_in": str(kept),
            },
        )
        raise DeskUndeliverable(str(rejected)) from rejected

    async def _deliver(self, path: str, payload: dict[str, Any]) -> Optional[dict[str, Any]]:
        """The desk's answer, or None when the request had to wait in the outbox (raises
        DeskUndeliverable when the desk refuses it for good)."""
        await self.flush_outbox()
        try:
            try:
                return await self._post(path, payload)
            except DeskRejected as rejected:
                return (await self._post_repaired(path, payload, rejected))[1]
        except DeskUnavailable as error:
            self.outbox.park(path, error.payload or payload)
            logger.warning(
                "desk unreachable, request parked in the outbox",
                extra={
                    "path": path,
                    "conversation_id": payload.get("conversation_id"),
                    "error": str(error),
                },
            )
            self._schedule_retry()
            return None

    async def rate(self, payload: dict[str, Any]) -> Optional[int]:
        """Stores a rating; its id, or None when it waits in the outbox or was set aside."""
        try:
            body = await self._deliver(RATINGS_PATH, payload)
        except DeskUndeliverable:
            return None  # logged and kept; the customer's thanks does not depend on it
        return int(body["id"]) if body else None

    async def hand_off(self, payload: dict[str, Any]) -> Optional[HandoffTicket]:
        """The desk's ticket, or None when the handoff had to wait in the outbox; raises
        DeskUndeliverable when the desk refuses it for good."""
        body = await self._deliver(HANDOFFS_PATH, payload)
        if body is None:
            return None
        return HandoffTicket(
            id=int(body["id"]),
            position=int(body.get("position") or 1),
            estimated_wait_minutes=int(body.get("estimated_wait_minutes") or 0),
            within_hours=bool(body.get("within_hours", True)),
            next_open_at=body.get("next_open_at"),
        )

    # --- outbox ------------------------------------------------------------------------

    @property
    def outbox(self) -> Outbox:
        """The parked requests (the directory comes from the settings)."""
        return Outbox(self.settings.handoff_outbox_dir)

    def pending(self) -> list[Path]:
        """Parked requests, oldest first."""
        return self.outbox.pending()

    async def flush_outbox(self) -> int:
        """Delivers parked requests while the desk takes them; returns how many were
        delivered. Does nothing while another worker process holds the outbox's lock."""
        outbox = self.outbox
        delivered = 0
        with outbox.flush_lock() as held:
            if not held:
                return 0
            for file in outbox.pending():
                parked = outbox.read(file)
                if parked is None:
                    continue
                try:
                    await self._send_parked(outbox, parked)
                except DeskUnavailable:
                    break
                except DeskUndeliverable:
                    outbox.remove(parked)  # a copy is in rejected/
                    continue
                outbox.remove(parked)
                delivered += 1
        return delivered

    async def _send_parked(self, outbox: Outbox, parked: Parked) -> None:
        try:
            try:
                await self._post(parked.path, parked.payload)
            except DeskRejected as rejected:
                await self._post_repaired(parked.path, parked.payload, rejected)
        except DeskUnavailable as error:
            if error.payload is not None:
                outbox.replace(parked, error.payload)
            raise

    def _schedule_retry(self) -> None:
        if self._retry_task is not None and not self._retry_task.done():
            return
        self._retry_task = asyncio.get_running_loop().create_task(self._retry_until_empty())

    async def _retry_until_empty(self) -> None:
        while self.pending():
            await asyncio.sleep(self.settings.outbox_retry_seconds)
            try:
                await self.flush_outbox()
            except Exception:  # keep retrying whatever one attempt hit
                logger.exception("outbox flush failed")

    async def flush_at_start(self) -> None:
        """Send what earlier runs left in the outbox, and keep retrying what the desk does not
        take yet (it may be starting at the same moment)."""
        try:
            delivered = await self.flush_outbox()
        except Exception:
            logger.exception("outbox flush at start-up failed")
            delivered = 0
        if delivered:
            logger.info("outbox delivered at start-up", extra={"delivered": delivered})
        if self.pending():
            self._schedule_retry()


class DeskOutboxPlugin:
    """rasa-sdk's plugin hook: each server process flushes the outbox once it listens."""

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        """Registers the start-up flush (after the fork, in every worker process; the
        outbox's lock lets one of them send each request)."""

        async def flush(_app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
            await get_desk_client().flush_at_start()

        app.register_listener(flush, "after_server_start")


_client: Optional[DeskClient] = None


def get_desk_client() -> DeskClient:
    """The process-wide desk client."""
    global _client
    if _client is None:
        _client = DeskClient()
    return _client
