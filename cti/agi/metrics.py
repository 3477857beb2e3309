"""Prometheus metrics of the FastAGI server: sessions, commands, errors.

One :class:`AgiMetrics` per registry (prometheus refuses the same metric twice in one
registry), obtained with :func:`agi_metrics`; tests pass their own ``CollectorRegistry``.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["KNOWN_COMMANDS", "THINK_BUCKETS", "AgiMetrics", "agi_metrics", "command_label"]

THINK_BUCKETS = (0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2,
                 0.3, 0.5, 1, 2, 5)  # fmt: skip

# res_agi.c's command names; anything else is labelled OTHER to keep label values bounded.
KNOWN_COMMANDS: frozenset[str] = frozenset(
    {
        "ANSWER",
        "ASYNCAGI BREAK",
        "CHANNEL STATUS",
        "CONTROL STREAM FILE",
        "DATABASE DEL",
        "DATABASE DELTREE",
        "DATABASE GET",
        "DATABASE PUT",
        "EXEC",
        "GET DATA",
        "GET FULL VARIABLE",
        "GET OPTION",
        "GET VARIABLE",
        "HANGUP",
        "NOOP",
        "RECEIVE CHAR",
        "RECEIVE TEXT",
        "RECORD FILE",
        "SAY ALPHA",
        "SAY DATE",
        "SAY DATETIME",
        "SAY DIGITS",
        "SAY NUMBER",
        "SAY PHONETIC",
        "SAY TIME",
        "SEND IMAGE",
        "SEND TEXT",
        "SET AUTOHANGUP",
        "SET CALLERID",
        "SET CONTEXT",
        "SET EXTENSION",
        "SET MUSIC",
        "SET PRIORITY",
        "SET VARIABLE",
        "SPEECH ACTIVATE GRAMMAR",
        "SPEECH CREATE",
        "SPEECH DEACTIVATE GRAMMAR",
        "SPEECH DESTROY",
        "SPEECH LOAD GRAMMAR",
        "SPEECH RECOGNIZE",
        "SPEECH SET",
        "SPEECH UNLOAD GRAMMAR",
        "STREAM FILE",
        "TDD MODE",
        "VERBOSE",
        "WAIT FOR DIGIT",
    }
)


def command_label(words: Sequence[str]) -> str:
    """The command's name (``GET VARIABLE``) for a metric label, or ``OTHER``."""
    upper = [w.upper() for w in words[:3]]
    for n in (3, 2, 1):
        name = " ".join(upper[:n])
        if len(upper) >= n and name in KNOWN_COMMANDS:
            return name
    return "OTHER"


class AgiMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.sessions = Counter(
            "hotline_agi_sessions",
            "FastAGI sessions by script and how they ended",
            ["script", "outcome"],
            registry=registry,
        )
        self.active = Gauge("hotline_agi_sessions_active", "FastAGI sessions in progress", registry=registry)
        self.commands = Counter(
            "hotline_agi_commands", "AGI commands sent, by reply", ["command", "outcome"], registry=registry
        )
        self.command_seconds = Histogram(
            "hotline_agi_command_seconds",
            "Time from sending an AGI command to its reply",
            ["command"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
            registry=registry,
        )
        # the handler's own time per step (the IVR's thinking, its database and the event loop):
        # what a caller hears as dead air between one prompt and the next
        self.think_seconds = Histogram(
            "hotline_agi_think_seconds",
            "Time from an AGI reply to the session's next command",
            buckets=THINK_BUCKETS,
            registry=registry,
        )
        self.errors = Counter(
            "hotline_agi_errors", "Problems in FastAGI sessions, by kind", ["kind"], registry=registry
        )


_BY_REGISTRY: weakref.WeakKeyDictionary[CollectorRegistry, AgiMetrics] = weakref.WeakKeyDictionary()


def agi_metrics(registry: CollectorRegistry | None = None) -> AgiMetrics:
    """The metrics in ``registry`` (default: prometheus_client's global one), created once."""
    reg = REGISTRY if registry is None else registry
    found = _BY_REGISTRY.get(reg)
    if found is None:
        found = _BY_REGISTRY[reg] = AgiMetrics(reg)
    return found
