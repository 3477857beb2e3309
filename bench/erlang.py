"""Queueing theory for the ACD benches: Erlang C, and an ideal queue run on the same calls.

**Erlang C** (M/M/N, callers who never hang up): with offered load ``A = λ·h`` Erlangs on ``N``
agents, the probability that a caller waits is ``C(N, A)``; the service level (answered within
``T``) is ``1 - C·exp(-(N - A)·T/h)`` and the mean wait ``C·h/(N - A)``.

**Ideal FCFS** (:func:`ideal_fcfs`): the very calls of a run (arrival times, handle times) through
a zero-overhead first-come-first-served queue with ``N`` agents.  Comparing the ACD's figures with
it separates what the ACD and the telephony cost from the luck of one day's random calls, which
is what separates the ideal queue from Erlang C's long-run average.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["QueueFigures", "erlang_c", "erlang_c_asa", "erlang_c_service_level", "ideal_fcfs"]


def erlang_c(agents: int, load: float) -> float:
    """Probability that a caller has to wait (1 when the load reaches the agents)."""
    if agents <= 0 or load >= agents:
        return 1.0
    if load <= 0:
        return 0.0
    # Erlang B by its stable recurrence, then C from B
    b = 1.0
    for k in range(1, agents + 1):
        b = load * b / (k + load * b)
    return agents * b / (agents - load * (1 - b))


def erlang_c_service_level(agents: int, load: float, handle_time_s: float, threshold_s: float) -> float:
    if load >= agents:
        return 0.0
    return 1.0 - erlang_c(agents, load) * math.exp(-(agents - load) * threshold_s / handle_time_s)


def erlang_c_asa(agents: int, load: float, handle_time_s: float) -> float:
    if load >= agents:
        return math.inf
    return erlang_c(agents, load) * handle_time_s / (agents - load)


@dataclass(frozen=True, slots=True)
class QueueFigures:
    calls: int
    service_level: float
    asa_s: float


def ideal_fcfs(
    arrivals_s: Sequence[float], handle_times_s: Sequence[float], agents: int, threshold_s: float
) -> QueueFigures:
    """Serve the calls first come first served by ``agents`` agents with no overhead."""
    if len(arrivals_s) != len(handle_times_s):
        raise ValueError("one handle time per arrival")
    free_at = [0.0] * agents
    within = 0
    waited = 0.0
    for arrived, handle in sorted(zip(arrivals_s, handle_times_s, strict=True)):
        start = max(arrived, heapq.heappop(free_at))
        wait = start - arrived
        within += wait <= threshold_s
        waited += wait
        heapq.heappush(free_at, start + handle)
    n = len(arrivals_s)
    return QueueFigures(n, within / n if n else 1.0, waited / n if n else 0.0)
