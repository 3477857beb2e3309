"""Live statistics per skill and per prefecture, updated on every ACD event, for the wallboard.

Figures, per group (a skill, a prefecture, and the total):

* calls waiting (callers on hold, including those whose agent is being rung, and callback
  requests) and the longest current wait;
* agents by state (an agent counts in each of its skills and in its prefecture);
* answered, abandoned, **service level** = answered within the threshold / (answered +
  abandoned), **ASA** = mean wait of answered calls, **abandonment rate** = abandoned /
  (answered + abandoned), escalations;
* **AHT** = mean handle time (talk + configured wrap-up) of the last ``aht_samples`` calls of the
  skill, and **EWT** for a new caller = (calls waiting + 1) × AHT / agents serving the skill
  (logged in and not paused).  :meth:`LiveStats.expected_wait` gives it for a given position.

Counters run from when the object was made (a CTI start); wall-boards show "since start".  Each
node counts the events of its own service.  Waiting calls and agent states are kept
incrementally (sorted by enqueue time per group), so a snapshot costs O(groups), not O(calls).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from acd.agent_state import AgentState, AgentStatus
from acd.events import (
    AcdEvent,
    AgentStateChanged,
    CallAbandoned,
    CallAnswered,
    CallbackRequested,
    CallEnded,
    CallEscalated,
    CallQueued,
    CallRemoved,
)
from acd.model import Agent, WaitingEntry
from acd.sorted_index import SortedIndex

__all__ = ["GroupStats", "LiveStats", "StatsSnapshot"]

TOTAL = "*"
_SERVING = frozenset({AgentState.AVAILABLE, AgentState.RESERVED, AgentState.ON_CALL, AgentState.WRAP_UP})


@dataclass(frozen=True, slots=True)
class GroupStats:
    waiting: int
    longest_wait_s: float
    agents: Mapping[str, int]  # state value -> count
    answered: int
    answered_within_threshold: int
    abandoned: int
    escalations: int
    service_level: float | None  # 0..1; None before the first answered or abandoned call
    asa_s: float | None
    abandonment_rate: float | None
    aht_s: float | None
    ewt_s: float | None


@dataclass(frozen=True, slots=True)
class StatsSnapshot:
    at: float
    threshold_s: float
    total: GroupStats
    by_skill: Mapping[str, GroupStats]
    by_prefecture: Mapping[str, GroupStats]


@dataclass(slots=True)
class _Group:
    waiting: SortedIndex = field(default_factory=SortedIndex)  # entry id -> enqueued_at
    agents: Counter[AgentState] = field(default_factory=Counter)
    answered: int = 0
    within: int = 0
    abandoned: int = 0
    escalations: int = 0
    wait_total: float = 0.0
    handle: deque[float] = field(default_factory=deque)


class LiveStats:
    def __init__(self, threshold_s: float, wrapup_s: float, aht_samples: int = 50) -> None:
        self.threshold_s = threshold_s
        self._wrapup_s = wrapup_s
        self._samples = aht_samples
        self._skills: dict[str, _Group] = {}
        self._prefectures: dict[str, _Group] = {}
        self._total = _Group()
        self._agents: dict[str, tuple[Agent, AgentState]] = {}
        self._subscribers: list[Callable[[AcdEvent], None]] = []

    def subscribe(self, callback: Callable[[AcdEvent], None]) -> Callable[[], None]:
        """Call ``callback`` after each event is counted (the wallboard then reads a snapshot).
        Returns a function that unsubscribes."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def seed(self, agents: Iterable[Agent], statuses: Mapping[str, AgentStatus]) -> None:
        """Start from the store's agent states (at service start)."""
        for agent in agents:
            status = statuses.get(agent.id)
            if status is not None:
                self._set_agent(agent, status.state)

    def seed_waiting(self, entries: Iterable[WaitingEntry]) -> None:
        for entry in entries:
            self._add_waiting(entry)

    def apply(self, event: AcdEvent) -> None:
        match event:
            case CallQueued(entry=entry):
                self._add_waiting(entry)
            case CallAnswered(entry=entry, waited_s=waited):
                self._drop_waiting(entry)
                for g in self._groups(entry):
                    g.answered += 1
                    g.wait_total += waited
                    g.within += waited <= self.threshold_s
            case CallAbandoned(entry=entry):
                self._drop_waiting(entry)
                for g in self._groups(entry):
                    g.abandoned += 1
            case CallRemoved(entry=entry):
                self._drop_waiting(entry)
            case CallEnded(entry=entry, talk_s=talk):
                for g in self._groups(entry):
                    g.handle.append(talk + self._wrapup_s)
                    if len(g.handle) > self._samples:
                        g.handle.popleft()
            case CallEscalated(entry=entry):
                self._add_waiting(entry)
                for g in self._groups(entry):
                    g.escalations += 1
            case CallbackRequested(request=request):
                for g in self._groups(request):
                    g.waiting.discard(request.uniqueid)
                self._add_waiting(request)
            case AgentStateChanged(agent=agent, new=new):
                self._set_agent(agent, new.state)
            case _:
                pass
        for callback in list(self._subscribers):
            callback(event)

    def expected_wait(self, skill: str, position: int) -> float | None:
        """Seconds a caller at ``position`` (0 = next) in ``skill``'s line can expect to wait."""
        group = self._skills.get(skill)
        if group is None or not group.handle:
            return None
        serving = sum(n for state, n in group.agents.items() if state in _SERVING)
        return (position + 1) * (sum(group.handle) / len(group.handle)) / max(1, serving)

    def snapshot(self, now: float) -> StatsSnapshot:
        return StatsSnapshot(
            at=now,
            threshold_s=self.threshold_s,
            total=self._figures(self._total, now, None),
            by_skill={name: self._figures(g, now, name) for name, g in sorted(self._skills.items())},
            by_prefecture={
                name: self._figures(g, now, None) for name, g in sorted(self._prefectures.items())
            },
        )

    # -- inside ---------------------------------------------------------------------------
    def _groups(self, entry: WaitingEntry) -> tuple[_Group, _Group, _Group]:
        skill = self._skills.setdefault(entry.requirement.skill, _Group())
        prefecture = self._prefectures.setdefault(entry.prefecture, _Group())
        return skill, prefecture, self._total

    def _add_waiting(self, entry: WaitingEntry) -> None:
        for g in self._groups(entry):
            g.waiting.add(entry.entry_id, entry.enqueued_at)

    def _drop_waiting(self, entry: WaitingEntry) -> None:
        # an escalated call may have changed skill since it was first counted
        for g in (*self._skills.values(), *self._prefectures.values(), self._total):
            g.waiting.discard(entry.entry_id)

    def _set_agent(self, agent: Agent, state: AgentState) -> None:
        previous = self._agents.get(agent.id)
        if previous is not None:
            for g in self._agent_groups(previous[0]):
                g.agents[previous[1]] -= 1
        self._agents[agent.id] = (agent, state)
        for g in self._agent_groups(agent):
            g.agents[state] += 1

    def _agent_groups(self, agent: Agent) -> list[_Group]:
        groups = [self._skills.setdefault(s.name, _Group()) for s in agent.skills]
        groups.append(self._prefectures.setdefault(agent.prefecture, _Group()))
        groups.append(self._total)
        return groups

    def _figures(self, g: _Group, now: float, skill: str | None) -> GroupStats:
        decided = g.answered + g.abandoned
        head = g.waiting.head()
        aht = sum(g.handle) / len(g.handle) if g.handle else None
        return GroupStats(
            waiting=len(g.waiting),
            longest_wait_s=max(0.0, now - head[1]) if head else 0.0,
            agents={state.value: g.agents.get(state, 0) for state in AgentState},
            answered=g.answered,
            answered_within_threshold=g.within,
            abandoned=g.abandoned,
            escalations=g.escalations,
            service_level=g.within / decided if decided else None,
            asa_s=g.wait_total / g.answered if g.answered else None,
            abandonment_rate=g.abandoned / decided if decided else None,
            aht_s=aht,
            ewt_s=None if skill is None else self.expected_wait(skill, len(g.waiting)),
        )
