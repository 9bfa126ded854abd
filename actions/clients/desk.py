"""Client of the agent desk's internal API, with an outbox so nothing is lost.

``POST {DESK_URL}/api/internal/handoffs`` and ``/api/internal/ratings`` (docs/contracts.md).
When the desk cannot be reached the request is written to the outbox directory and delivered
later, by the next request or by a background retry, so a customer who asked for a person is
never forgotten and no rating is dropped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import httpx

from actions.settings import ActionSettings, get_settings

logger = logging.getLogger(__name__)

HANDOFFS_PATH = "/api/internal/handoffs"
RATINGS_PATH = "/api/internal/ratings"


@dataclass(frozen=True)
class HandoffTicket:
    """What the desk says about the queued conversation."""

    id: int
    position: int
    estimated_wait_minutes: int
    within_hours: bool
    next_open_at: Optional[str]


class DeskUnavailable(Exception):
    """The desk could not take the request now (down, timeout, 5xx): try again later."""


class DeskRejected(Exception):
    """The desk refused the request as invalid (4xx): retrying would not help."""


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
        if response.status_code in (408, 429) or response.status_code >= 500:
            raise DeskUnavailable(f"desk answered {response.status_code}")
        if response.status_code >= 300:
            raise DeskRejected(f"desk answered {response.status_code}: {response.text[:200]}")
        return response.json()

    async def _deliver(self, path: str, payload: dict[str, Any]) -> Optional[dict[str, Any]]:
        """The desk's answer, or None when the request had to wait in the outbox."""
        await self.flush_outbox()
        try:
            return await self._post(path, payload)
        except DeskUnavailable as error:
            self._park(path, payload)
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
        except DeskRejected as error:
            logger.error("desk rejected %s: %s", path, error)
            return None

    async def rate(self, payload: dict[str, Any]) -> Optional[int]:
        """Stores a rating; its id, or None when it waits in the outbox."""
        body = await self._deliver(RATINGS_PATH, payload)
        return int(body["id"]) if body else None

    async def hand_off(self, payload: dict[str, Any]) -> Optional[HandoffTicket]:
        """The desk's ticket, or None when the handoff had to wait in the outbox."""
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

    def _park(self, path: str, payload: dict[str, Any]) -> None:
        outbox = self.settings.handoff_outbox_dir
        outbox.mkdir(parents=True, exist_ok=True)
        # handoffs keep their historic bare-payload form; other requests name their path
        entry = payload if path == HANDOFFS_PATH else {"path": path, "payload": payload}
        file = outbox / f"{uuid.uuid4().hex}.json"
        temporary = file.with_suffix(".tmp")
        temporary.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
        temporary.replace(file)  # atomic: a reader never sees half a file

    def pending(self) -> list[Path]:
        """Parked handoffs, oldest first."""
        outbox = self.settings.handoff_outbox_dir
        if not outbox.is_dir():
            return []
        return sorted(outbox.glob("*.json"), key=lambda p: p.stat().st_mtime)

    async def flush_outbox(self) -> int:
        """Delivers parked handoffs; returns how many were delivered."""
        delivered = 0
        for path in self.pending():
            try:
                entry = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if "path" in entry and "payload" in entry:
                target, payload = entry["path"], entry["payload"]
            else:
                target, payload = HANDOFFS_PATH, entry
            try:
                await self._post(target, payload)
            except DeskUnavailable:
                break
            except DeskRejected as error:
                logger.error("desk rejected a parked request, dropping it: %s", error)
            path.unlink(missing_ok=True)
            delivered += 1
        return delivered

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


_client: Optional[DeskClient] = None


def get_desk_client() -> DeskClient:
    """The process-wide desk client."""
    global _client
    if _client is None:
        _client = DeskClient()
    return _client
