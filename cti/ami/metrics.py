"""Prometheus metrics of the AMI client (``hotline_ami_*``), on an injectable registry.

The composition root passes the registry it serves on ``/metrics``; without one each
:class:`AmiMetrics` gets a private registry, so tests never collide.  Every series carries a
``server`` label: one CTI node may run a client per Asterisk server on one registry (the
metric families are created once per registry and shared).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase

__all__ = ["AmiMetrics"]

_ACTION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
M = TypeVar("M", bound=MetricWrapperBase)


class PerServer(Generic[M]):
    """A labelled family with the ``server`` label already filled in."""

    def __init__(self, family: M, server: str) -> None:
        self._family = family
        self._server = server

    def labels(self, *values: str) -> M:
        return self._family.labels(self._server, *values)


@dataclass(frozen=True)
class _Families:
    connected: Gauge
    sessions: Counter
    disconnects: Counter
    connect_failures: Counter
    ping_timeouts: Counter
    ping_seconds: Histogram
    actions: Counter
    action_seconds: Histogram
    events: Counter
    malformed: Counter
    unmatched: Counter
    read_errors: Counter
    subscription_dropped: Counter
    resyncs: Counter
    channels: Gauge
    bridges: Gauge
    ignored_events: Gauge

    @classmethod
    def create(cls, r: CollectorRegistry) -> _Families:
        s = ["server"]
        return cls(
            connected=Gauge(
                "hotline_ami_connected", "1 while the AMI session is logged in and synced", s, registry=r
            ),
            sessions=Counter(
                "hotline_ami_sessions", "AMI sessions that reached the ready state", s, registry=r
            ),
            disconnects=Counter(
                "hotline_ami_disconnects", "AMI sessions lost after being ready", s, registry=r
            ),
            connect_failures=Counter(
                "hotline_ami_connect_failures",
                "Failed attempts to set up an AMI session, by stage (connect, login, setup)",
                [*s, "stage"],
                registry=r,
            ),
            ping_timeouts=Counter(
                "hotline_ami_ping_timeouts", "Sessions dropped because a Ping went unanswered", s, registry=r
            ),
            ping_seconds=Histogram(
                "hotline_ami_ping_seconds",
                "Round trip of the watchdog Ping",
                s,
                buckets=_ACTION_BUCKETS,
                registry=r,
            ),
            actions=Counter(
                "hotline_ami_actions",
                "AMI actions by name and outcome (ok, error, timeout, lost)",
                [*s, "action", "outcome"],
                registry=r,
            ),
            action_seconds=Histogram(
                "hotline_ami_action_seconds",
                "Time from sending an action to its complete reply",
                [*s, "action"],
                buckets=_ACTION_BUCKETS,
                registry=r,
            ),
            events=Counter("hotline_ami_events", "AMI events received", s, registry=r),
            malformed=Counter(
                "hotline_ami_malformed_input", "Pieces of AMI input that could not be parsed", s, registry=r
            ),
            unmatched=Counter(
                "hotline_ami_unmatched_responses",
                "Responses to no pending action (late, after a timeout)",
                s,
                registry=r,
            ),
            read_errors=Counter(
                "hotline_ami_read_errors",
                "Errors of ours while handling one input item (the session carries on)",
                s,
                registry=r,
            ),
            subscription_dropped=Counter(
                "hotline_ami_subscription_dropped",
                "Items dropped from full subscription queues, oldest first (kind: events, changes)",
                [*s, "kind"],
                registry=r,
            ),
            resyncs=Counter(
                "hotline_ami_resyncs", "Channel table rebuilt from CoreShowChannels", s, registry=r
            ),
            channels=Gauge("hotline_ami_channels", "Channels in the call state model", s, registry=r),
            bridges=Gauge("hotline_ami_bridges", "Bridges in the call state model", s, registry=r),
            ignored_events=Gauge(
                "hotline_ami_ignored_events",
                "Events of kinds the call state model does not use (since start)",
                s,
                registry=r,
            ),
        )


_FAMILIES: weakref.WeakKeyDictionary[CollectorRegistry, _Families] = weakref.WeakKeyDictionary()


class AmiMetrics:
    def __init__(self, registry: CollectorRegistry | None = None, *, server: str = "asterisk") -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.server = server
        f = _FAMILIES.get(self.registry)
        if f is None:
            f = _FAMILIES[self.registry] = _Families.create(self.registry)
        self.connected = f.connected.labels(server)
        self.sessions = f.sessions.labels(server)
        self.disconnects = f.disconnects.labels(server)
        self.connect_failures = PerServer(f.connect_failures, server)
        self.ping_timeouts = f.ping_timeouts.labels(server)
        self.ping_seconds = f.ping_seconds.labels(server)
        self.actions = PerServer(f.actions, server)
        self.action_seconds = PerServer(f.action_seconds, server)
        self.events = f.events.labels(server)
        self.malformed = f.malformed.labels(server)
        self.unmatched = f.unmatched.labels(server)
        self.read_errors = f.read_errors.labels(server)
        self.subscription_dropped = PerServer(f.subscription_dropped, server)
        self.resyncs = f.resyncs.labels(server)
        self._channels = f.channels.labels(server)
        self._bridges = f.bridges.labels(server)
        self._ignored = f.ignored_events.labels(server)

    def watch_state(
        self, channels: Callable[[], int], bridges: Callable[[], int], ignored: Callable[[], int]
    ) -> None:
        """Read the state model's sizes at scrape time (nothing to do per event)."""
        self._channels.set_function(lambda: float(channels()))
        self._bridges.set_function(lambda: float(bridges()))
        self._ignored.set_function(lambda: float(ignored()))
