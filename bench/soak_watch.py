"""What the soak watches of the ACD's events: routing latency, and every queued call ending once.

The watch shares the process whose memory the soak measures, so what it keeps must not grow with
the calls: it holds the entries queued and not yet ended, and those ended in the last
``ENDS_KEPT_S`` (a second end comes within seconds of the first), not every entry of the run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from acd.agent_state import AgentState
from acd.events import (
    AcdEvent,
    AgentStateChanged,
    CallAbandoned,
    CallbackRequested,
    CallEnded,
    CallOffered,
    CallQueued,
    CallRemoved,
    CallRequeued,
    StepAdvanced,
)

__all__ = ["ENDS_KEPT_S", "SLOW_OFFER_S", "Watch"]

ENDS_KEPT_S = 600.0  # an ended entry is remembered this long (to see it end twice)
SLOW_OFFER_S = 1.0  # an offer this long after its call could first have been matched is described
SLOW_OFFERS_KEPT = 50  # the last ones described, for the report


@dataclass
class Watch:
    """What the monitors gather between two samples, and for the whole run."""

    lags: list[float] = field(default_factory=list)
    routing: list[float] = field(default_factory=list)
    queued_at: dict[str, float] = field(default_factory=dict)
    available_at: dict[str, float] = field(default_factory=dict)
    levels: dict[str, str] = field(default_factory=dict)  # agent -> its level, for the report
    story: dict[str, list[str]] = field(default_factory=dict)  # each entry's events, for the report
    open: set[str] = field(default_factory=set)  # queued, not ended yet
    recently_ended: dict[str, float] = field(default_factory=dict)  # entry -> when, oldest first
    ended_twice: list[str] = field(default_factory=list)
    queued: int = 0  # entries queued, each counted once
    offers: int = 0
    slow_offers: list[dict[str, object]] = field(default_factory=list)  # the last SLOW_OFFERS_KEPT
    started: float = field(default_factory=lambda: time.perf_counter())

    @property
    def not_ended_once(self) -> list[str]:
        return sorted(self.open) + self.ended_twice

    def on_event(self, event: AcdEvent) -> None:
        now = time.perf_counter()
        entry = getattr(event, "entry", None)
        if entry is not None:
            self.story.setdefault(entry.entry_id, []).append(type(event).__name__)
        match event:
            case CallQueued() | CallRequeued():
                self.queued_at[event.entry.entry_id] = now
                self._queue(event.entry.entry_id)
            case StepAdvanced():  # an overflow step widened who may take it
                self.queued_at[event.entry.entry_id] = now
            case AgentStateChanged() if event.new.state is AgentState.AVAILABLE:
                self.available_at[event.agent.id] = now
                self.levels[event.agent.id] = event.agent.level.label
            case CallOffered():
                self.offers += 1
                queued = self.queued_at.get(event.entry.entry_id, now)
                available = self.available_at.get(event.agent_id, 0.0)
                since = max(queued, available)
                self.routing.append(now - since)
                if now - since >= SLOW_OFFER_S:
                    self._describe_slow(event, now, queued, available)
            case CallbackRequested():  # the caller left a callback request: their call ends here,
                # the request is a new entry of the ACD (ended by its own CallEnded)
                self.story.setdefault(event.request.uniqueid, []).append("CallbackRequested")
                self._end(event.request.uniqueid, now)
                self._queue(event.request.entry_id)
            case CallEnded() | CallAbandoned() | CallRemoved():
                self.queued_at.pop(event.entry.entry_id, None)
                self._end(event.entry.entry_id, now)

    def _describe_slow(self, event: CallOffered, now: float, queued: float, available: float) -> None:
        """What the report says of an offer that came long after its call could have been matched:
        when, which call and agent, how long each had been waiting, the call's events so far."""
        entry = event.entry
        self.slow_offers.append(
            {
                "t_s": round(now - self.started, 1),
                "entry": entry.entry_id,
                "kind": type(entry).__name__,
                "agent": event.agent_id,
                # a senior taking a call a junior may take waits for keep_free (acd/rules.yaml)
                "agent_level": self.levels.get(event.agent_id),
                "call_min_level": entry.requirement.min_level.label,
                "call_waiting_s": round(now - queued, 2),
                "agent_available_s": round(now - available, 2) if available else None,
                "story": self.story.get(entry.entry_id, [])[-8:],
            }
        )
        del self.slow_offers[:-SLOW_OFFERS_KEPT]

    def _queue(self, entry_id: str) -> None:
        if entry_id not in self.open:
            self.open.add(entry_id)
            self.queued += 1

    def _end(self, entry_id: str, now: float) -> None:
        while self.recently_ended:
            oldest, at = next(iter(self.recently_ended.items()))
            if at > now - ENDS_KEPT_S:
                break
            del self.recently_ended[oldest]
        if entry_id in self.recently_ended:  # ended again: its story stays for the report
            self.ended_twice.append(entry_id)
            return
        self.recently_ended[entry_id] = now
        self.open.discard(entry_id)
        self.story.pop(entry_id, None)  # ended once, as it should: its story is not needed
