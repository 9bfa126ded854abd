"""Prometheus metrics of the desk (``GET /metrics``, text exposition format).

Counters and histograms live in one process-wide registry, as Prometheus client libraries
intend; figures that are a query of the database (open tickets, how far the analytics copy
lags behind Rasa's events) are collected when scraped, per app.

Who may read ``/metrics``: with ``DESK_METRICS_TOKEN`` unset, only clients on the loopback
interface (a Prometheus or agent on the same host); with it set, every scrape must send
``Authorization: Bearer <token>`` (Prometheus ``authorization: {credentials: ...}``). A
reverse proxy in front of the desk must not forward ``/metrics`` unless the token is set,
because the desk then sees the proxy's loopback address.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Optional

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from service_kit.security import bearer_token, tokens_match

REGISTRY = CollectorRegistry(auto_describe=True)

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "desk_http_requests",
    "HTTP requests answered by the desk, by route template and status code.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "desk_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["method", "route"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
ERRORS = Counter(
    "desk_errors",
    "Error answers by their error code (VALIDATION_ERROR, RASA_UNAVAILABLE, INTERNAL_ERROR...).",
    ["code"],
    registry=REGISTRY,
)
UPSTREAM_LATENCY = Histogram(
    "desk_upstream_request_duration_seconds",
    "Calls to Rasa's HTTP API (tracker reads, agent messages, executed actions) and to the "
    "payment backend.",
    ["service", "operation"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
UPSTREAM_ERRORS = Counter(
    "desk_upstream_errors",
    "Failed calls to Rasa or the backend (unreachable, timeout, error status).",
    ["service", "operation"],
    registry=REGISTRY,
)
HANDOFFS = Counter(
    "desk_handoffs",
    "Handoffs received from the action server; outcome created (new ticket) or added "
    "(to the conversation's open ticket).",
    ["reason", "outcome"],
    registry=REGISTRY,
)
AGENT_MESSAGES = Counter(
    "desk_agent_messages",
    "Agents' replies delivered to customers, by the customer's channel.",
    ["channel"],
    registry=REGISTRY,
)
TICKETS_RESOLVED = Counter(
    "desk_tickets_resolved",
    "Tickets resolved, by resolution (returned_to_bot, closed).",
    ["resolution"],
    registry=REGISTRY,
)
RATINGS = Counter(
    "desk_ratings",
    "Customer ratings stored, by score and whether a person was involved.",
    ["score", "human_involved"],
    registry=REGISTRY,
)
RATINGS_REPEATED = Counter(
    "desk_ratings_repeated",
    "Second ratings of an already rated conversation (answered with the first one).",
    registry=REGISTRY,
)
CUSTOMER_MESSAGES = Counter(
    "desk_customer_messages",
    "Customer messages seen in Rasa's events by the analytics copy, by outcome "
    "(understood, nlu_fallback, out_of_scope).",
    ["outcome"],
    registry=REGISTRY,
)
EVENTS_COPIED = Counter(
    "desk_analytics_events_copied",
    "Rasa events copied into the analytics summary tables.",
    registry=REGISTRY,
)
INGEST_ERRORS = Counter(
    "desk_analytics_ingest_errors",
    "Failures of the analytics copy (source unreadable, undecodable event).",
    ["stage"],
    registry=REGISTRY,
)
INGEST_LATENCY = Histogram(
    "desk_analytics_ingest_duration_seconds",
    "Time of one analytics copy step (one batch of events).",
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(scope: dict[str, Any]) -> str:
    """The request method, or OTHER (clients may send any token: keep label values bounded)."""
    method = str(scope.get("method", ""))
    return method if method in _METHODS else "OTHER"


def route_label(scope: dict[str, Any]) -> str:
    """The matched route's path template (bounded label values), or a catch-all."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if str(scope.get("path", "")).startswith("/static/"):
        return "/static"
    return "unmatched"


def observe_upstream(service: str, operation: str, started: float, *, failed: bool) -> None:
    """Record one call to another service that began at ``started`` (perf_counter)."""
    UPSTREAM_LATENCY.labels(service, operation).observe(time.perf_counter() - started)
    if failed:
        UPSTREAM_ERRORS.labels(service, operation).inc()


Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class MetricsMiddleware:
    """Count and time every HTTP request by method, route template and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            method = method_label(scope)
            route = route_label(scope)
            HTTP_REQUESTS.labels(method, route, str(status["code"])).inc()
            HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - started)


def is_loopback(host: Optional[str]) -> bool:
    """True for 127.0.0.0/8 and ::1 (and IPv4-mapped loopback)."""
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def scrape_allowed(
    client_host: Optional[str], authorization: Optional[str], token: Optional[str]
) -> bool:
    """The access rule of ``/metrics`` (see the module docstring)."""
    if token:
        return tokens_match(bearer_token(authorization), token)
    return is_loopback(client_host)


class QueryCollector(Collector):
    """Gauges read from the database at scrape time (one per app)."""

    def __init__(self, read: Callable[[], list[tuple[str, str, list[str], dict]]]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        """One gauge family per ``(name, help, label names, {label values: value})``."""
        for name, documentation, labels, values in self._read():
            family = GaugeMetricFamily(name, documentation, labels=labels)
            for label_values, value in values.items():
                family.add_metric(list(label_values), value)
            yield family


def exposition(app_registry: Optional[CollectorRegistry] = None) -> bytes:
    """The text exposition of the process-wide metrics and the app's own gauges."""
    body = generate_latest(REGISTRY)
    if app_registry is not None:
        body += generate_latest(app_registry)
    return body
