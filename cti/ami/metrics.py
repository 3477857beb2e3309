"""Prometheus metrics of the AMI client (``hotline_ami_*``), on an injectable registry.

The composition root passes the registry it serves on ``/metrics``; without one each
:class:`AmiMetrics` gets a private registry, so two clients (or two tests) never collide.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["AmiMetrics"]

_ACTION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class AmiMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.connected = Gauge(
            "hotline_ami_connected", "1 while the AMI session is logged in and synced", registry=r
        )
        self.sessions = Counter(
            "hotline_ami_sessions", "AMI sessions that reached the ready state", registry=r
        )
        self.disconnects = Counter(
            "hotline_ami_disconnects", "AMI sessions lost after being ready", registry=r
        )
        self.connect_failures = Counter(
            "hotline_ami_connect_failures",
            "Failed attempts to set up an AMI session, by stage",
            ["stage"],  # connect | login | setup
            registry=r,
        )
        self.ping_timeouts = Counter(
            "hotline_ami_ping_timeouts", "Sessions dropped because a Ping went unanswered", registry=r
        )
        self.ping_seconds = Histogram(
            "hotline_ami_ping_seconds", "Round trip of the watchdog Ping", buckets=_ACTION_BUCKETS, registry=r
        )
        self.actions = Counter(
            "hotline_ami_actions",
            "AMI actions by name and outcome",
            ["action", "outcome"],  # ok | error | timeout | lost
            registry=r,
        )
        self.action_seconds = Histogram(
            "hotline_ami_action_seconds",
            "Time from sending an action to its complete reply",
            ["action"],
            buckets=_ACTION_BUCKETS,
            registry=r,
        )
        self.events = Counter("hotline_ami_events", "AMI events received", registry=r)
        self.malformed = Counter(
            "hotline_ami_malformed_input", "Pieces of AMI input that could not be parsed", registry=r
        )
        self.unmatched = Counter(
            "hotline_ami_unmatched_responses",
            "Responses to no pending action (late, after a timeout)",
            registry=r,
        )
        self.read_errors = Counter(
            "hotline_ami_read_errors",
            "Errors of ours while handling one input item (the session carries on)",
            registry=r,
        )
        self.subscription_dropped = Counter(
            "hotline_ami_subscription_dropped",
            "Items dropped from full subscription queues (oldest first)",
            ["kind"],  # events | changes
            registry=r,
        )
        self.resyncs = Counter(
            "hotline_ami_resyncs", "Channel table rebuilt from CoreShowChannels", registry=r
        )
        self.channels = Gauge("hotline_ami_channels", "Channels in the call state model", registry=r)
        self.bridges = Gauge("hotline_ami_bridges", "Bridges in the call state model", registry=r)
        self.ignored_events = Gauge(
            "hotline_ami_ignored_events",
            "Events of kinds the call state model does not use (since start)",
            registry=r,
        )

    def watch_state(
        self, channels: Callable[[], int], bridges: Callable[[], int], ignored: Callable[[], int]
    ) -> None:
        """Read the state model's sizes at scrape time (nothing to do per event)."""
        self.channels.set_function(lambda: float(channels()))
        self.bridges.set_function(lambda: float(bridges()))
        self.ignored_events.set_function(lambda: float(ignored()))
