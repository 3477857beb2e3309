"""Prometheus series of the call services: call-control operations and QA monitoring sessions."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

__all__ = ["CallMetrics"]


class CallMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.call_control = Counter(
            "hotline_api_call_control_total",
            "Call-control operations by operation and result",
            ["operation", "result"],
            registry=registry,
        )
        self.monitoring = Counter(
            "hotline_api_monitoring_sessions_total",
            "QA monitoring sessions started, by mode",
            ["mode"],
            registry=registry,
        )
