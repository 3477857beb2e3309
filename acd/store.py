"""Where the ACD keeps its state: the interface both stores implement, and the records they hold.

Two implementations: :class:`acd.store_memory.MemoryStore` (one process, the default) and
:class:`acd.store_redis.RedisStore` (several CTI nodes share one Redis).  They behave the same;
one contract suite (``tests/acd``) runs against both.

The store holds agent profiles and statuses, waiting / offered / connected calls, the timers
(ring timeouts, ends of wrap-up, overflow step changes) and node presence.  It changes state in
two kinds of atomic steps only:

* :meth:`AcdStore.commit` — a :class:`Change`: several agent and call writes, each with the
  version it expects to replace; all are applied or none (compare-and-set).  The service
  computes the new values (agent states by :func:`acd.agent_state.transition`); the store keeps
  its indexes in line with them.
* :meth:`AcdStore.reserve_for_call` / :meth:`AcdStore.reserve_for_agent` — the routing decision
  "this call → this agent", taken and written in one step (a Lua script in Redis), so two nodes
  can never give one agent two calls or one call two agents.  Either way the agent gets the best
  call it may take: a call-driven decision that finds an agent for whom a better-placed call is
  waiting (the agent has just become available and its own decision has not run yet) reserves
  the agent for that call instead.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from acd.agent_state import AgentStatus
from acd.model import Agent, AgentLevel, WaitingEntry
from acd.overflow import StepState
from acd.routing import ChoicePolicy
from acd.stats import Tally, TallyStep

if TYPE_CHECKING:
    from acd.settings import AcdSettings, RedisSettings

__all__ = [
    "AcdStore",
    "AgentWrite",
    "CallDelete",
    "CallPhase",
    "CallPut",
    "Change",
    "Due",
    "Offer",
    "QueuedCall",
    "open_store",
]


class CallPhase(enum.StrEnum):
    WAITING = "waiting"  # in line
    OFFERED = "offered"  # an agent is reserved for it and rung
    CONNECTED = "connected"  # the agent answered; kept until hang-up (escalation needs it)


@dataclass(frozen=True, slots=True)
class QueuedCall:
    """A call as the store holds it."""

    entry: WaitingEntry
    phase: CallPhase
    version: int
    score: float  # place in line (lower first); kept through offer and connection
    since: float  # when the current phase began
    step: int = 0  # overflow step in force while waiting
    agent_id: str | None = None  # offered to / connected with
    deadline: float | None = None  # next overflow step, while waiting

    @property
    def entry_id(self) -> str:
        return self.entry.entry_id


@dataclass(frozen=True, slots=True)
class AgentWrite:
    agent_id: str
    expected_version: int
    status: AgentStatus


@dataclass(frozen=True, slots=True)
class CallPut:
    """Write a call record.  ``expected_version`` None: the call must not exist yet.

    A waiting call needs ``step`` (its overflow step: which index it sits in, when it changes).
    ``at_head`` puts it at the head of its skill's queue (ring-no-answer) unless already ahead.
    """

    entry: WaitingEntry
    phase: CallPhase
    expected_version: int | None
    score: float
    since: float
    step: StepState | None = None
    agent_id: str | None = None
    at_head: bool = False

    def __post_init__(self) -> None:
        if (self.phase is CallPhase.WAITING) != (self.step is not None):
            raise ValueError("a waiting call needs its overflow step; other phases have none")
        if (self.phase is CallPhase.WAITING) == (self.agent_id is not None):
            raise ValueError("offered and connected calls name their agent; waiting calls do not")


@dataclass(frozen=True, slots=True)
class CallDelete:
    entry_id: str
    expected_version: int


@dataclass(frozen=True, slots=True)
class Change:
    agents: tuple[AgentWrite, ...] = ()
    calls: tuple[CallPut | CallDelete, ...] = ()


@dataclass(frozen=True, slots=True)
class Offer:
    """A reservation made by the store: ``agent`` (now reserved, ``status``) is to ring for ``call``."""

    call: QueuedCall
    agent: Agent
    status: AgentStatus


@dataclass(frozen=True, slots=True)
class Due:
    kind: Literal["agent", "call"]
    id: str
    at: float


class AcdStore(Protocol):
    # -- agents ---------------------------------------------------------------------------
    async def put_agent(self, agent: Agent, now: float) -> None:
        """Add or update a profile; a new agent starts logged out."""
        ...

    async def remove_agent(self, agent_id: str) -> bool:
        """Forget a logged-out agent (retired); False when unknown, :class:`AgentNotLoggedOut`
        when they are still logged in."""
        ...

    async def agent(self, agent_id: str) -> Agent | None: ...

    async def agents(self) -> list[Agent]: ...

    async def status(self, agent_id: str) -> AgentStatus | None: ...

    async def statuses(self) -> dict[str, AgentStatus]: ...

    async def free_agents(self, level: AgentLevel, most: int) -> list[str]:
        """The available agents of ``level``, longest idle first, at most ``most`` of them."""
        ...

    # -- calls ----------------------------------------------------------------------------
    async def call(self, entry_id: str) -> QueuedCall | None: ...

    async def calls(self) -> list[QueuedCall]:
        """Every call the store holds, best place in line first."""
        ...

    async def position(self, entry_id: str) -> int | None:
        """How many waiting calls of the same skill are ahead of this waiting call."""
        ...

    # -- atomic steps ---------------------------------------------------------------------
    async def commit(self, change: Change) -> bool:
        """Apply every write or none; False when any expected version did not match."""
        ...

    async def reserve_for_call(
        self, entry_id: str, now: float, ring_timeout_s: float, policy: ChoicePolicy
    ) -> Offer | None:
        """Reserve the best available agent for this waiting call, if there is one, for the best
        call that agent may take (what :meth:`reserve_for_agent` would give it): this call, unless
        a better-placed waiting call may go to that agent too.  So no agent is ever offered a call
        while a better-placed one it may take waits, whichever decision runs first.  The offer
        names the call reserved; when it is another, this one is still waiting."""
        ...

    async def reserve_for_agent(
        self, agent_id: str, now: float, ring_timeout_s: float, policy: ChoicePolicy
    ) -> Offer | None:
        """Reserve this available agent for the best waiting call it may take, if there is one."""
        ...

    # -- timers ---------------------------------------------------------------------------
    async def due(self, now: float, limit: int = 100) -> list[Due]:
        """Agents and calls whose deadline (ring timeout, wrap-up end, next step) has passed."""
        ...

    async def next_due(self) -> float | None: ...

    # -- presence of CTI nodes ------------------------------------------------------------
    async def heartbeat(self, node: str, ttl_s: float, now: float) -> None:
        """Say that ``node`` is alive for ``ttl_s`` more seconds."""
        ...

    async def dead_nodes(self, now: float) -> list[str]:
        """Nodes whose presence expired and that still have agents logged in."""
        ...

    async def node_agents(self, node: str) -> list[str]: ...

    async def forget_node(self, node: str) -> None:
        """Drop a dead node once none of its agents is logged in any more."""
        ...

    # -- the wallboards' counters --------------------------------------------------------
    async def add_tally(self, step: TallyStep, samples: int) -> bool:
        """Add one event's counts to those of ``step.day`` (keeping the newest ``samples`` handle
        times per group, whatever the day), once per ``step.key``: False when that key was added
        before (a retry after a failover).  Counters of days before the day before are dropped."""
        ...

    async def tally(self, day: str = "") -> Tally:
        """The counters of ``day`` and the handle times, as every node sees them."""
        ...

    # -- upkeep ---------------------------------------------------------------------------
    async def audit(self, now: float) -> list[str]:
        """Check indexes against records; each problem found is one line (empty: consistent)."""
        ...

    async def close(self) -> None: ...


async def open_store(acd: AcdSettings, redis: RedisSettings) -> AcdStore:
    """The store the settings ask for: ``memory``, or ``redis`` under ``<redis.key_prefix>:acd``
    (one server, or the primary Redis Sentinel names: :mod:`acd.redis_link`)."""
    if acd.store == "memory":
        from acd.store_memory import MemoryStore

        return MemoryStore()
    from acd.store_redis import RedisStore

    return await RedisStore.open(redis, f"{redis.key_prefix}:acd")
