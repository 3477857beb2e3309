"""Prometheus series of the HTTP API and its WebSocket fan-out, on the node's registry.

Route labels are the route's *name* (``tickets.dispatch``), never its path with ids in it, so
the number of series stays fixed.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["ApiMetrics"]


class ApiMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "hotline_api_requests_total",
            "HTTP requests served, by route name, method and status",
            ["route", "method", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "hotline_api_request_seconds",
            "Time to serve an HTTP request, by route name",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=registry,
        )
        self.logins = Counter(
            "hotline_api_logins_total",
            "Sign-in attempts by result (ok, bad-credentials, rate-limited)",
            ["result"],
            registry=registry,
        )
        self.connections_refused = Counter(
            "hotline_api_connections_refused_total",
            "HTTP connections closed by the server's limits (per-address, header-timeout)",
            ["reason"],
            registry=registry,
        )
        self.ws_clients = Gauge(
            "hotline_api_websocket_clients", "WebSocket clients connected", registry=registry
        )
        self.ws_sent = Counter(
            "hotline_api_websocket_messages_total", "Messages written to WebSocket clients", registry=registry
        )
        self.ws_dropped = Counter(
            "hotline_api_websocket_dropped_total",
            "Messages dropped because a client's queue was full (a slow client)",
            registry=registry,
        )
