"""The in-memory store: one process, the default.

Every method runs to completion without awaiting anything, so under asyncio each one is atomic
(the event loop cannot interleave another task inside it): that is the whole concurrency story
here.  The indexes are :class:`~acd.sorted_index.SortedIndex` sets under the keys of
:mod:`acd.indexes`, exactly as the Redis store keeps ZSETs, so both make the same decisions.
Presence times come from the ``now`` the service passes (its clock).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import islice

from acd.agent_state import AgentEvent, AgentState, AgentStatus, Timings, transition
from acd.audit import audit
from acd.errors import AgentNotLoggedOut
from acd.indexes import agent_keys, agent_queue_keys, call_candidate_keys, call_key, free_key, skill_queue_key
from acd.model import Agent, AgentLevel
from acd.priority import requeue_score
from acd.routing import AgentHead, ChoicePolicy, EntryHead, choose_agent, choose_entry
from acd.sorted_index import SortedIndex
from acd.stats import TALLY_SEEN_S, Tally, TallyStep
from acd.store import CallDelete, CallPhase, CallPut, Change, Due, Offer, QueuedCall

__all__ = ["MemoryStore"]

TALLY_KEYS_KEPT = 100_000  # and at most this many (a burst within TALLY_SEEN_S)


@dataclass(slots=True, eq=False)
class _AgentRow:
    agent: Agent
    status: AgentStatus
    keys: tuple[str, ...]
    queue_keys: tuple[tuple[AgentLevel, str], ...]


@dataclass(slots=True, eq=False)
class _CallRow:
    record: QueuedCall
    key: str | None = None  # its queue set while waiting
    level: AgentLevel = AgentLevel.JUNIOR  # the level its step admits
    candidates: tuple[tuple[AgentLevel, str], ...] = ()


class MemoryStore:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._agents: dict[str, _AgentRow] = {}
        self._calls: dict[str, _CallRow] = {}
        self._index: dict[str, SortedIndex] = {}
        self._deadlines = SortedIndex()
        self._presence: dict[str, float] = {}  # node -> expiry
        self._node_agents: dict[str, set[str]] = {}
        self._counts: dict[str, dict[str, dict[str, float]]] = {}  # day -> group -> counter
        self._handle: dict[str, list[float]] = {}  # newest first
        self._tallied: dict[str, float] = {}  # step key -> when added, oldest first

    # -- agents ---------------------------------------------------------------------------
    async def put_agent(self, agent: Agent, now: float) -> None:
        row = self._agents.get(agent.id)
        if row is None:
            self._agents[agent.id] = _AgentRow(
                agent, AgentStatus.logged_out(now), agent_keys(agent), agent_queue_keys(agent)
            )
            return
        self._unindex_agent(row)
        row.agent, row.keys, row.queue_keys = agent, agent_keys(agent), agent_queue_keys(agent)
        self._index_agent(row)

    async def remove_agent(self, agent_id: str) -> bool:
        row = self._agents.get(agent_id)
        if row is None:
            return False
        if row.status.state is not AgentState.LOGGED_OUT:
            raise AgentNotLoggedOut(agent_id)
        self._unindex_agent(row)
        self._deadlines.discard(f"a:{agent_id}")
        del self._agents[agent_id]
        return True

    async def agent(self, agent_id: str) -> Agent | None:
        row = self._agents.get(agent_id)
        return row.agent if row else None

    async def agents(self) -> list[Agent]:
        return [row.agent for row in self._agents.values()]

    async def status(self, agent_id: str) -> AgentStatus | None:
        row = self._agents.get(agent_id)
        return row.status if row else None

    async def statuses(self) -> dict[str, AgentStatus]:
        return {agent_id: row.status for agent_id, row in self._agents.items()}

    async def free_agents(self, level: AgentLevel, most: int) -> list[str]:
        return [agent_id for agent_id, _ in islice(self._index.get(free_key(level)) or (), most)]

    # -- calls ----------------------------------------------------------------------------
    async def call(self, entry_id: str) -> QueuedCall | None:
        row = self._calls.get(entry_id)
        return row.record if row else None

    async def calls(self) -> list[QueuedCall]:
        return sorted((row.record for row in self._calls.values()), key=lambda c: (c.score, c.entry_id))

    async def position(self, entry_id: str) -> int | None:
        row = self._calls.get(entry_id)
        if row is None or row.record.phase is not CallPhase.WAITING:
            return None
        return self._ix(skill_queue_key(row.record.entry.requirement.skill)).rank(entry_id)

    # -- atomic steps ---------------------------------------------------------------------
    async def commit(self, change: Change) -> bool:
        for w in change.agents:
            row = self._agents.get(w.agent_id)
            if row is None or row.status.version != w.expected_version:
                return False
        for c in change.calls:
            call = self._calls.get(c.entry.entry_id if isinstance(c, CallPut) else c.entry_id)
            expected = c.expected_version
            if (call is None) != (expected is None) or (call and call.record.version != expected):
                return False
        for w in change.agents:
            self._write_status(self._agents[w.agent_id], w.status)
        for c in change.calls:
            if isinstance(c, CallDelete):
                self._unindex_call(self._calls.pop(c.entry_id))
            else:
                self._put_call(c)
        return True

    async def reserve_for_call(
        self, entry_id: str, now: float, ring_timeout_s: float, policy: ChoicePolicy
    ) -> Offer | None:
        crow = self._calls.get(entry_id)
        if crow is None or crow.record.phase is not CallPhase.WAITING:
            return None
        heads = []
        for level, key in crow.candidates:
            head = self._live_head(key, now)
            if head is not None:
                heads.append(AgentHead(head[0], level, head[1]))
        free = self._free()
        chosen = choose_agent(crow.level, heads, free, policy)
        if chosen is None:
            return None
        arow = self._agents[chosen.agent_id]
        # the agent takes the best call it may take: this one, unless a better-placed one waits
        best = self._best_entry(arow, free, policy)
        target = self._calls[best.entry_id] if best is not None else crow
        return self._reserve(target, arow, now, ring_timeout_s)

    async def reserve_for_agent(
        self, agent_id: str, now: float, ring_timeout_s: float, policy: ChoicePolicy
    ) -> Offer | None:
        arow = self._agents.get(agent_id)
        if (
            arow is None
            or arow.status.state is not AgentState.AVAILABLE
            or not self._alive(arow.status.node, now)
        ):
            return None
        chosen = self._best_entry(arow, self._free(), policy)
        if chosen is None:
            return None
        return self._reserve(self._calls[chosen.entry_id], arow, now, ring_timeout_s)

    # -- timers ---------------------------------------------------------------------------
    async def due(self, now: float, limit: int = 100) -> list[Due]:
        return [
            Due("agent" if name[0] == "a" else "call", name[2:], at)
            for name, at in self._deadlines.up_to(now, limit)
        ]

    async def next_due(self) -> float | None:
        head = self._deadlines.head()
        return head[1] if head else None

    # -- presence -------------------------------------------------------------------------
    async def heartbeat(self, node: str, ttl_s: float, now: float) -> None:
        self._presence[node] = now + ttl_s

    async def dead_nodes(self, now: float) -> list[str]:
        return sorted(n for n, ids in self._node_agents.items() if ids and not self._alive(n, now))

    async def node_agents(self, node: str) -> list[str]:
        return sorted(self._node_agents.get(node, ()))

    async def forget_node(self, node: str) -> None:
        if not self._node_agents.get(node):
            self._node_agents.pop(node, None)
            self._presence.pop(node, None)

    # -- upkeep ---------------------------------------------------------------------------
    async def add_tally(self, step: TallyStep, samples: int) -> bool:
        now = self._monotonic()
        self._forget_tallied(now - TALLY_SEEN_S)
        if step.key in self._tallied:
            return False
        self._tallied[step.key] = now
        if len(self._tallied) > TALLY_KEYS_KEPT:
            del self._tallied[next(iter(self._tallied))]
        days = self._counts.setdefault(step.day, {})
        for old in sorted(self._counts)[:-2]:  # today's and yesterday's are kept
            del self._counts[old]
        for group in step.groups:
            counts = days.setdefault(group, {})
            for name, value in step.counts.items():
                counts[name] = counts.get(name, 0.0) + value
            if step.handle_s is not None:
                handle = self._handle.setdefault(group, [])
                handle.insert(0, step.handle_s)
                del handle[samples:]
        return True

    def _forget_tallied(self, before: float) -> None:
        """Steps added before ``before`` are forgotten, as the Redis store's keys expire: a retry
        comes within seconds, and a node running for months keeps no key per call."""
        while self._tallied:
            key, added = next(iter(self._tallied.items()))
            if added >= before:
                return
            del self._tallied[key]

    async def tally(self, day: str = "") -> Tally:
        counts = self._counts.get(day, {})
        return Tally({g: dict(c) for g, c in counts.items()}, {g: tuple(h) for g, h in self._handle.items()})

    async def audit(self, now: float) -> list[str]:
        dead = [n for n in self._node_agents if not self._alive(n, now)]
        return audit(
            {a: row.agent for a, row in self._agents.items()},
            {a: row.status for a, row in self._agents.items()},
            {c: row.record for c, row in self._calls.items()},
            {key: dict(ix) for key, ix in self._index.items() if len(ix)},
            dict(self._deadlines),
            dead,
        )

    async def close(self) -> None:
        return None

    # -- inside ---------------------------------------------------------------------------
    def _ix(self, key: str) -> SortedIndex:
        ix = self._index.get(key)
        if ix is None:
            ix = self._index[key] = SortedIndex()
        return ix

    def _free(self) -> dict[AgentLevel, int]:
        return {level: len(self._index.get(free_key(level)) or ()) for level in AgentLevel}

    def _alive(self, node: str | None, now: float) -> bool:
        return node is not None and self._presence.get(node, float("-inf")) >= now

    def _live_head(self, key: str, now: float) -> tuple[str, float] | None:
        """Head of an agent set, evicting agents whose node died (the reaper logs them out)."""
        ix = self._index.get(key)
        while ix is not None and (head := ix.head()) is not None:
            row = self._agents[head[0]]
            if self._alive(row.status.node, now):
                return head
            self._unindex_agent(row)
        return None

    def _best_entry(
        self, arow: _AgentRow, free: dict[AgentLevel, int], policy: ChoicePolicy
    ) -> EntryHead | None:
        """The waiting call this agent would take: the heads of the queues it serves, chosen."""
        heads: list[EntryHead] = []
        for level, key in arow.queue_keys:  # own level first
            if policy.conserve_higher_levels and heads and level < heads[0].level:
                break  # a call at a higher level wins anyway
            ix = self._index.get(key)
            head = ix.head() if ix else None
            if head is not None:
                heads.append(EntryHead(head[0], level, head[1]))
        return choose_entry(arow.agent.level, heads, free, policy)

    def _index_agent(self, row: _AgentRow) -> None:
        if row.status.state is AgentState.AVAILABLE:
            score = row.status.idle_since if row.status.idle_since is not None else row.status.since
            for key in row.keys:
                self._ix(key).add(row.agent.id, score)

    def _unindex_agent(self, row: _AgentRow) -> None:
        for key in row.keys:
            ix = self._index.get(key)
            if ix is not None:
                ix.discard(row.agent.id)

    def _write_status(self, row: _AgentRow, status: AgentStatus) -> None:
        agent_id = row.agent.id
        old_node = row.status.node
        self._unindex_agent(row)
        row.status = status
        self._index_agent(row)
        if status.deadline is None:
            self._deadlines.discard(f"a:{agent_id}")
        else:
            self._deadlines.add(f"a:{agent_id}", status.deadline)
        if old_node is not None and (old_node != status.node or not status.logged_in):
            self._node_agents.get(old_node, set()).discard(agent_id)
        if status.logged_in and status.node is not None:
            self._node_agents.setdefault(status.node, set()).add(agent_id)

    def _unindex_call(self, row: _CallRow) -> None:
        entry_id = row.record.entry_id
        if row.key is not None:
            self._ix(row.key).discard(entry_id)
            self._ix(skill_queue_key(row.record.entry.requirement.skill)).discard(entry_id)
            row.key = None
        self._deadlines.discard(f"c:{entry_id}")

    def _put_call(self, put: CallPut) -> None:
        entry_id = put.entry.entry_id
        old = self._calls.get(entry_id)
        if old is not None:
            self._unindex_call(old)
        version = (put.expected_version or 0) + 1
        record = QueuedCall(put.entry, put.phase, version, put.score, put.since, agent_id=put.agent_id)
        row = _CallRow(record)
        if put.step is not None:
            line = self._ix(skill_queue_key(put.entry.requirement.skill))
            if put.at_head:
                head = line.head()
                record = replace(record, score=requeue_score(put.score, head[1] if head else None))
            record = replace(record, step=put.step.index, deadline=put.step.next_at)
            key = call_key(put.step.eligibility)
            row = _CallRow(
                record, key, put.step.eligibility.min_level, call_candidate_keys(put.step.eligibility)
            )
            self._ix(key).add(entry_id, record.score)
            line.add(entry_id, record.score)
            if record.deadline is not None:
                self._deadlines.add(f"c:{entry_id}", record.deadline)
        self._calls[entry_id] = row

    def _reserve(self, crow: _CallRow, arow: _AgentRow, now: float, ring_timeout_s: float) -> Offer:
        entry_id = crow.record.entry_id
        status = transition(
            arow.agent.id,
            arow.status,
            AgentEvent.RESERVE,
            now,
            Timings(ring_timeout_s, 0.0),
            entry_id=entry_id,
        )
        self._write_status(arow, status)
        self._unindex_call(crow)
        crow.record = replace(
            crow.record,
            phase=CallPhase.OFFERED,
            version=crow.record.version + 1,
            since=now,
            agent_id=arow.agent.id,
            deadline=None,
        )
        return Offer(crow.record, arow.agent, status)
