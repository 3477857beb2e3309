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

The counters (answered, abandoned, escalations, waits) are the centre's **day's**: they start
again at local midnight (``[acd] timezone``; each event counts on the day of its ``at``), as a
wallboard's "today" does; the handle-time samples behind AHT and EWT run on across midnight.

A :class:`LiveStats` counts the events of its own service from when it was made; waiting calls
and agent states are kept incrementally (sorted by enqueue time per group), so a snapshot costs
O(groups), not O(calls).  What the wallboards show is the same computation over *shared* state
(:mod:`acd.shared_stats`): the store's agents and calls, and its :class:`Tally` of counters, to
which each event is added once, by the node that made it (:func:`tally_step`).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import Literal

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

__all__ = [
    "TALLY_SEEN_S",
    "GroupStats",
    "LiveStats",
    "StatsSnapshot",
    "Tally",
    "TallyStep",
    "local_day",
    "tally_step",
]

TALLY_SEEN_S = 600  # how long a store remembers a counted step's key (a retry comes within seconds)
TOTAL = "*"
SKILL = "skill:"
PREFECTURE = "prefecture:"
CounterName = Literal["answered", "within", "abandoned", "escalations", "wait_total"]
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


@dataclass(frozen=True, slots=True)
class TallyStep:
    """What one event adds to the counters of its groups (``skill:<name>``, ``prefecture:<code>``,
    ``*``).  ``key`` names the event: a store adds a step with a key it has seen before no more."""

    key: str
    groups: tuple[str, ...]
    counts: Mapping[CounterName, float]
    handle_s: float | None = None  # a handle-time sample (talk + wrap-up) for each group
    day: str = ""  # the local day the counts belong to (``local_day``); "" without a time zone


@dataclass(frozen=True, slots=True)
class Tally:
    """Counters as a store holds them: ``counts[group][counter]``, ``handle[group]`` newest first."""

    counts: Mapping[str, Mapping[str, float]]
    handle: Mapping[str, tuple[float, ...]]


def local_day(at: float, tz: tzinfo | None) -> str:
    """The centre's day of the wall-clock time ``at`` (ISO date), or "" without a time zone."""
    return "" if tz is None else datetime.fromtimestamp(at, tz).date().isoformat()


def tally_step(
    event: AcdEvent, threshold_s: float, wrapup_s: float, tz: tzinfo | None = None
) -> TallyStep | None:
    """The counters ``event`` moves, or None when it moves none."""
    match event:
        case CallAnswered(at=at, entry=entry, waited_s=waited):
            counts: dict[CounterName, float] = {"answered": 1, "wait_total": waited}
            counts["within"] = 1 if waited <= threshold_s else 0
            step = TallyStep(f"answered:{entry.entry_id}:{at!r}", _names(entry), counts)
        case CallAbandoned(at=at, entry=entry):
            step = TallyStep(f"abandoned:{entry.entry_id}:{at!r}", _names(entry), {"abandoned": 1})
        case CallEscalated(at=at, entry=entry):
            step = TallyStep(f"escalated:{entry.entry_id}:{at!r}", _names(entry), {"escalations": 1})
        case CallEnded(at=at, entry=entry, talk_s=talk):
            step = TallyStep(f"ended:{entry.entry_id}:{at!r}", _names(entry), {}, talk + wrapup_s)
        case _:
            return None
    return step if tz is None else replace(step, day=local_day(at, tz))


def _names(entry: WaitingEntry) -> tuple[str, str, str]:
    return SKILL + entry.requirement.skill, PREFECTURE + entry.prefecture, TOTAL


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


def _group_in(table: dict[str, _Group], name: str) -> _Group:
    """``table``'s group ``name``, made when missing (``setdefault`` would build a group each time)."""
    group = table.get(name)
    if group is None:
        group = table[name] = _Group()
    return group


class LiveStats:
    def __init__(
        self, threshold_s: float, wrapup_s: float, aht_samples: int = 50, *, tz: tzinfo | None = None
    ) -> None:
        self.threshold_s = threshold_s
        self._wrapup_s = wrapup_s
        self._samples = aht_samples
        self._tz = tz
        self._day = ""  # the day the counters are of
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
        """Start from the store's agent states (at service start, and for every shared snapshot:
        the agents are counted per skills, prefecture and state first, then added to the groups
        once per such combination, not once per agent)."""
        alike: Counter[tuple[tuple[str, ...], str, AgentState]] = Counter()
        for agent in agents:
            status = statuses.get(agent.id)
            if status is None:
                continue
            if agent.id in self._agents:  # seen before: move it from its old groups
                self._set_agent(agent, status.state)
                continue
            self._agents[agent.id] = (agent, status.state)
            alike[(tuple(s.name for s in agent.skills), agent.prefecture, status.state)] += 1
        for (skills, prefecture, state), n in alike.items():
            for name in skills:
                _group_in(self._skills, name).agents[state] += n
            _group_in(self._prefectures, prefecture).agents[state] += n
            self._total.agents[state] += n

    def seed_waiting(self, entries: Iterable[WaitingEntry]) -> None:
        for entry in entries:
            self._add_waiting(entry)

    def apply(self, event: AcdEvent) -> None:
        match event:
            case CallQueued(entry=entry):
                self._add_waiting(entry)
            case CallAnswered(entry=entry) | CallAbandoned(entry=entry) | CallRemoved(entry=entry):
                self._drop_waiting(entry)
            case CallEscalated(entry=entry):
                self._add_waiting(entry)
            case CallbackRequested(request=request):
                for g in self._groups(request):
                    g.waiting.discard(request.uniqueid)
                self._add_waiting(request)
            case AgentStateChanged(agent=agent, new=new):
                self._set_agent(agent, new.state)
            case _:
                pass
        step = tally_step(event, self.threshold_s, self._wrapup_s, self._tz)
        if step is not None:
            self._count(step)
        for callback in list(self._subscribers):
            callback(event)

    def load_tally(self, tally: Tally, day: str = "") -> None:
        """Take the counters from a store's tally (of ``day``) instead of those counted here."""
        self._day = day
        for name in {*tally.counts, *tally.handle}:
            g = self._group(name)
            counts = tally.counts.get(name, {})
            g.answered = round(counts.get("answered", 0))
            g.within = round(counts.get("within", 0))
            g.abandoned = round(counts.get("abandoned", 0))
            g.escalations = round(counts.get("escalations", 0))
            g.wait_total = counts.get("wait_total", 0.0)
            g.handle = deque(reversed(tally.handle.get(name, ())[: self._samples]))

    def expected_wait(self, skill: str, position: int) -> float | None:
        """Seconds a caller at ``position`` (0 = next) in ``skill``'s line can expect to wait."""
        group = self._skills.get(skill)
        if group is None or not group.handle:
            return None
        serving = sum(n for state, n in group.agents.items() if state in _SERVING)
        return (position + 1) * (sum(group.handle) / len(group.handle)) / max(1, serving)

    def snapshot(self, now: float) -> StatsSnapshot:
        if local_day(now, self._tz) != self._day:
            self._new_day(local_day(now, self._tz))  # nothing counted yet today
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
    def _count(self, step: TallyStep) -> None:
        if step.day != self._day:
            if step.day < self._day:
                return  # yesterday's, heard after midnight: yesterday's figures are closed
            self._new_day(step.day)
        for name in step.groups:
            g = self._group(name)
            g.answered += round(step.counts.get("answered", 0))
            g.within += round(step.counts.get("within", 0))
            g.abandoned += round(step.counts.get("abandoned", 0))
            g.escalations += round(step.counts.get("escalations", 0))
            g.wait_total += step.counts.get("wait_total", 0.0)
            if step.handle_s is not None:
                g.handle.append(step.handle_s)
                if len(g.handle) > self._samples:
                    g.handle.popleft()

    def _new_day(self, day: str) -> None:
        """Midnight: the day's counters start again (waiting calls, agents and AHT samples stay)."""
        self._day = day
        for g in (*self._skills.values(), *self._prefectures.values(), self._total):
            g.answered = g.within = g.abandoned = g.escalations = 0
            g.wait_total = 0.0

    def _group(self, name: str) -> _Group:
        if name.startswith(SKILL):
            return _group_in(self._skills, name[len(SKILL) :])
        if name.startswith(PREFECTURE):
            return _group_in(self._prefectures, name[len(PREFECTURE) :])
        return self._total

    def _groups(self, entry: WaitingEntry) -> tuple[_Group, _Group, _Group]:
        skill = _group_in(self._skills, entry.requirement.skill)
        prefecture = _group_in(self._prefectures, entry.prefecture)
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
        groups = [_group_in(self._skills, s.name) for s in agent.skills]
        groups.append(_group_in(self._prefectures, agent.prefecture))
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
