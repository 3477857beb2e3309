"""Test doubles and helpers for the ACD tests: a telephony fake, an agent-history checker, builders."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from acd.agent_state import AgentState
from acd.clock import ManualClock
from acd.errors import CallerGone, TelephonyError
from acd.events import AcdEvent, AgentStateChanged
from acd.model import Agent, AgentLevel, CallbackRequest, Skill, WaitingCall, WaitingEntry
from acd.service import AcdService
from acd.store import CallPhase
from acd.telephony import OfferEnd


def agent(
    agent_id: str,
    level: AgentLevel | str = AgentLevel.JUNIOR,
    skills: Sequence[str] = ("billing",),
    prefecture: str = "chengdu",
    languages: Sequence[str] = ("zh",),
) -> Agent:
    return Agent(
        agent_id,
        extension=f"ext-{agent_id}",
        prefecture=prefecture,
        level=AgentLevel.parse(level),
        skills=tuple(Skill(s) for s in skills),
        languages=tuple(languages),
    )


@dataclass
class FakeTelephony:
    """Records what the ACD asked for; can make the caller vanish or the agent unreachable.

    ``hold`` (if set) makes ``connect`` wait until it is set, so a test can interleave other
    events while the dial is under way.
    """

    actions: list[tuple[str, str, str]] = field(default_factory=list)
    cancels: list[tuple[str, str, OfferEnd]] = field(default_factory=list)
    caller_gone: set[str] = field(default_factory=set)
    unreachable: set[str] = field(default_factory=set)
    hold: asyncio.Event | None = None
    dialling: asyncio.Event = field(default_factory=asyncio.Event)  # set at the first dial

    async def connect(self, call: WaitingCall, agent: Agent) -> None:
        await self._dial("connect", call, agent)

    async def call_back(self, request: CallbackRequest, agent: Agent) -> None:
        await self._dial("call_back", request, agent)

    async def cancel_offer(self, entry: WaitingEntry, agent: Agent, why: OfferEnd) -> None:
        self.cancels.append((entry.entry_id, agent.id, why))
        await asyncio.sleep(0)

    async def return_to_queue(self, entry: WaitingEntry, agent: Agent) -> None:
        self.actions.append(("return_to_queue", entry.entry_id, agent.id))
        await asyncio.sleep(0)
        if entry.entry_id in self.caller_gone:
            raise CallerGone(entry.entry_id)

    async def _dial(self, kind: str, entry: WaitingEntry, agent: Agent) -> None:
        self.actions.append((kind, entry.entry_id, agent.id))
        self.dialling.set()
        await asyncio.sleep(0)
        if self.hold is not None:
            await self.hold.wait()
        if entry.entry_id in self.caller_gone:
            raise CallerGone(entry.entry_id)
        if agent.id in self.unreachable:
            raise TelephonyError(f"endpoint of {agent.id} unreachable")

    def offers(self) -> list[tuple[str, str]]:
        """(entry id, agent id) of every dial, in order."""
        return [(e, a) for kind, e, a in self.actions if kind in ("connect", "call_back")]

    def offered_to(self, agent_id: str) -> list[str]:
        return [e for e, a in self.offers() if a == agent_id]


class AgentHistory:
    """Listens to every service (node); checks each agent's states form one chain of versions.

    Two writers that both changed an agent from the same version (two offers for one agent at
    once) show up as a repeated version; a reservation replaced by another reservation without a
    release in between shows up as two consecutive ``reserved`` links with different calls.
    """

    def __init__(self) -> None:
        self.changes: dict[str, list[AgentStateChanged]] = {}

    def __call__(self, event: AcdEvent) -> None:
        if isinstance(event, AgentStateChanged):
            self.changes.setdefault(event.agent.id, []).append(event)

    def problems(self) -> list[str]:
        out: list[str] = []
        for agent_id, changes in self.changes.items():
            chain = sorted(changes, key=lambda c: c.new.version)
            versions = [c.new.version for c in chain]
            if len(set(versions)) != len(versions):
                out.append(f"{agent_id}: a version was written twice: {versions}")
            for prev, cur in itertools.pairwise(chain):
                if cur.new.version == prev.new.version + 1 and cur.old is not prev.new.state:
                    out.append(f"{agent_id} v{cur.new.version}: left {cur.old} but was {prev.new.state}")
                if (
                    prev.new.state is AgentState.RESERVED
                    and cur.new.state is AgentState.RESERVED
                    and prev.new.entry_id != cur.new.entry_id
                ):
                    out.append(f"{agent_id}: offered {cur.new.entry_id} while rung for {prev.new.entry_id}")
        return out


async def drain(services: Sequence[AcdService], clock: ManualClock) -> None:
    """End every call and timer: hang up connected calls, let rings time out and wrap-ups end."""
    store = services[0].store
    for _ in range(20):
        for record in await store.calls():
            if record.phase is CallPhase.CONNECTED:
                await services[0].call_hung_up(record.entry_id)
        clock.advance(100)
        await tick_all(services)
        busy = [
            s
            for s in (await store.statuses()).values()
            if s.state in (AgentState.RESERVED, AgentState.ON_CALL, AgentState.WRAP_UP)
        ]
        offered = [c for c in await store.calls() if c.phase is not CallPhase.WAITING]
        if not busy and not offered:
            return
        # offers still ringing: nobody answers, they time out on the next round


async def tick_all(services: Sequence[AcdService]) -> None:
    """Every node renews its presence first (so none looks dead to another), then ticks."""
    for s in services:
        await s.heartbeat()
    for s in services:
        await s.tick()
