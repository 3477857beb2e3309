"""Prometheus series of workflow monitoring."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["WorkflowMetrics"]


class WorkflowMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.alerts = Counter(
            "hotline_workflow_alerts_total",
            "Ticket alerts this node raised, by kind and target role",
            ["kind", "target_role"],
            registry=registry,
        )
        self.rounds = Counter(
            "hotline_workflow_rounds_total", "Monitoring rounds, by result", ["result"], registry=registry
        )
        self.round_seconds = Histogram(
            "hotline_workflow_round_seconds",
            "How long one monitoring round took",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=registry,
        )
        self.overdue = Gauge(
            "hotline_workflow_overdue_tickets", "Open tickets past their due time", registry=registry
        )
