"""Fault injection for tests and demos of the "backend is down" paths (off by default).

With ``BACKEND_ENABLE_TEST_ENDPOINTS=1`` a caller can ask, through ``/v1/_test/faults``, that the
next N requests to a path are delayed and/or answered with an error status, exactly as a sick
production backend would behave.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from dataclasses import asdict, dataclass
from typing import Optional

from service_kit.errors import error_response
from service_kit.middleware import ASGIApp, Receive, Scope, Send


@dataclass
class Fault:
    """One rule: for the next ``times`` matching requests, wait ``delay_ms`` then answer ``status``
    (or pass the request on when ``status`` is None)."""

    id: int
    method: str
    path: str
    times: int
    delay_ms: int = 0
    status: Optional[int] = None
    hits: int = 0

    def as_dict(self) -> dict:
        """The rule as plain data."""
        return asdict(self)


class FaultRegistry:
    """Thread-safe set of active faults."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def add(
        self, method: str, path: str, times: int, delay_ms: int, status: Optional[int]
    ) -> Fault:
        """Register a fault rule."""
        with self._lock:
            fault = Fault(next(self._ids), method.upper(), path, times, delay_ms, status)
            self._faults.append(fault)
            return fault

    def take(self, method: str, path: str) -> Optional[Fault]:
        """Consume one use of the first rule matching this request, if any."""
        with self._lock:
            for fault in self._faults:
                if (
                    fault.hits < fault.times
                    and fault.method in (method, "*")
                    and (
                        fault.path == path
                        or (fault.path.endswith("*") and path.startswith(fault.path[:-1]))
                    )
                ):
                    fault.hits += 1
                    return Fault(**fault.as_dict())
        return None

    def list(self) -> list[Fault]:
        """All rules with how often each fired."""
        with self._lock:
            return [Fault(**fault.as_dict()) for fault in self._faults]

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._faults.clear()


class FaultInjectionMiddleware:
    """Apply the registry's rules to incoming requests (never to /v1/_test itself)."""

    def __init__(self, app: ASGIApp, registry: FaultRegistry) -> None:
        self.app = app
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Delay or fail a matching request."""
        if scope["type"] == "http" and not scope["path"].startswith("/v1/_test"):
            fault = self.registry.take(scope.get("method", "GET"), scope["path"])
            if fault is not None:
                if fault.delay_ms:
                    await asyncio.sleep(fault.delay_ms / 1000)
                if fault.status is not None:
                    response = error_response(
                        fault.status, "INJECTED_FAULT", f"Injected fault {fault.id}."
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
