"""Client of the agent desk's internal handoff API, with an outbox so no handoff is lost.

``POST {DESK_URL}/api/internal/handoffs`` (docs/contracts.md). When the desk cannot be
reached the ticket is written to the outbox directory and delivered later, by the next
handoff or by a background retry, so a customer who asked for a person is never forgotten.
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


@dataclass(frozen=True)
class HandoffTicket:
    """What the desk says about the queued conversation."""

    id: int
    position: int
    estimated_wait_minutes: int
    within_hours: bool
    next_open_at: Optional[str]


class DeskUnavailable(Exception):
    """The desk did not accept the handoff (down, timeout, 5xx, refused)."""


class DeskClient:
    """Posts handoffs to the desk; parks them in the outbox when it is unreachable."""

    def __init__(self, settings: Optional[ActionSettings] = None) -> None:
        self.settings = settings or get_settings()
        self._retry_task: Optional[asyncio.Task] = None

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.desk_service_token}"}

    async def _post(self, payload: dict[str, Any]) -> HandoffTicket:
        try:
            async with httpx.AsyncClient(timeout=self.settings.desk_timeout_seconds) as http:
                response = await http.post(
                    self.settings.desk_url.rstrip("/") + HANDOFFS_PATH,
                    json=payload,
                    headers=self._headers(),
                )
        except httpx.HTTPError as error:
            raise DeskUnavailable(str(error)) from error
        if response.status_code >= 300:
            raise DeskUnavailable(f"desk answered {response.status_code}")
        body = response.json()
        return HandoffTicket(
            id=int(body["id"]),
            position=int(body.get("position") or 1),
            estimated_wait_minutes=int(body.get("estimated_wait_minutes") or 0),
            within_hours=bool(body.get("within_hours", True)),
            next_open_at=body.get("next_open_at"),
        )

    async def hand_off(self, payload: dict[str, Any]) -> Optional[HandoffTicket]:
        """The desk's ticket, or None when the handoff had to wait in the outbox."""
        await self.flush_outbox()
        try:
            return await self._post(payload)
        except DeskUnavailable as error:
            self._park(payload)
            logger.warning(
                "desk unreachable, handoff parked in the outbox",
                extra={"conversation_id": payload.get("conversation_id"), "error": str(error)},
            )
            self._schedule_retry()
            return None

    # --- outbox ------------------------------------------------------------------------

    def _park(self, payload: dict[str, Any]) -> None:
        outbox = self.settings.handoff_outbox_dir
        outbox.mkdir(parents=True, exist_ok=True)
        path = outbox / f"{uuid.uuid4().hex}.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)  # atomic: a reader never sees half a file

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
                payload = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            try:
                await self._post(payload)
            except DeskUnavailable:
                break
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
