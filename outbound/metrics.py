"""The dialer's Prometheus series, on the node's registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["DialerMetrics"]


class DialerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.attempts = Counter(
            "hotline_outbound_attempts",
            "Outbound attempts ended, by campaign and outcome",
            ["campaign", "outcome"],
            registry=registry,
        )
        self.abandon_rate = Gauge(
            "hotline_outbound_abandon_rate",
            "Abandoned ÷ live-answered calls of a campaign over 30 days",
            ["campaign"],
            registry=registry,
        )
        self.dial_level = Gauge(
            "hotline_outbound_dial_level",
            "Lines dialled per available agent (predictive campaigns; 1 otherwise)",
            ["campaign"],
            registry=registry,
        )
        self.in_flight = Gauge(
            "hotline_outbound_calls", "Outbound calls this node has under way", registry=registry
        )
