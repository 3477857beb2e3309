"""The whole hotline in one process for the IVR end-to-end tests.

``hotline sim`` (:class:`sim.main.Simulator`) runs the SHIPPED dialplan ``dialplan/extensions.conf``
at :data:`SPEED` times real time with placeholder prompts; our CTI node (:mod:`tests.e2e.ivr.node`:
a node (``running_node``) with the ``ivr`` route, and an ``acd-wait`` route reading the hand-off as the ACD
would) serves it.  A test places a scripted caller (:class:`sim.callers.CallerScript`) on
the hotline number and gets back a :class:`FinishedCall`: what the caller heard (from the AMI
``AGIExecStart`` events the node's AMI client received, and from the simulated channel), the
channel variables at the end, what the ACD's route read, and the IVR record, its steps and the
tickets the call left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.ami.protocol import AmiMessage
from cti.ami.settings import AmiSettings
from sim.ami.server import AmiUser
from sim.callers import Caller, CallerScript, KeyStep
from sim.channel import Channel
from sim.main import Simulator, SimulatorConfig
from storage.ivr_records import IvrSession, IvrStep
from storage.tickets import Ticket
from tests.e2e.ivr.heard import as_files, digit_waits, media_commands
from tests.e2e.ivr.node import HandoffSeen, IvrNode, ivr_node
from tests.support.ports import free_port

REPO = Path(__file__).resolve().parents[3]
SHIPPED_DIALPLAN = REPO / "dialplan" / "extensions.conf"
HOTLINE_NUMBER = "10000"
SPEED = 10.0
AMI_USER, AMI_SECRET = "hotline", "e2e-secret"
CALL_LIMIT_S = 30.0


@dataclass
class FinishedCall:
    caller: Caller
    uniqueid: str
    commands: list[str]  # every AGI command line, from AGIExecStart
    record: IvrSession
    steps: list[IvrStep]
    tickets: list[Ticket]  # opened during this call (by its IVR record)
    variables: dict[str, str] = field(default_factory=dict)  # the channel's, at the end
    acd_saw: HandoffSeen | None = None  # hand-off variables, read in acd-wait

    @property
    def channel(self) -> Channel:
        assert self.caller.channel is not None
        return self.caller.channel

    @property
    def heard(self) -> list[str]:
        """What the IVR played, from the AGI commands (``number:``/``digits:`` for SAY)."""
        return media_commands(self.commands)

    @property
    def waits(self) -> list[int]:
        return digit_waits(self.commands)

    @property
    def files(self) -> list[str]:
        """The files the simulated channel played."""
        return [item.what for item in self.channel.heard]

    def heard_as_files(self) -> list[str]:
        return as_files(self.heard, self.channel.language)

    @property
    def nodes(self) -> list[str]:
        return [s.node for s in self.steps]

    def step(self, node: str) -> IvrStep:
        return next(s for s in self.steps if s.node == node)


@dataclass
class HotlineStack:
    sim: Simulator
    ivr: IvrNode

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.ivr.sessions

    async def call(
        self, number: str, *steps: KeyStep, on_start: Callable[[Caller], None] | None = None
    ) -> FinishedCall:
        """Place a call from ``number`` to the hotline, let it run to its end, collect it."""
        events = self.ivr.node.ami.subscribe("*")
        try:
            caller = self.sim.call(CallerScript(number=number, dial=HOTLINE_NUMBER, steps=steps))
            assert caller.record is not None and caller.channel is not None
            uid = caller.record.uniqueid
            if on_start is not None:
                on_start(caller)
            async with asyncio.timeout(CALL_LIMIT_S):
                commands = await _agi_commands_until_hangup(events, uid)
                record = await self.ivr.closed_record(uid)
        finally:
            events.close()
        steps_done, tickets = await self.ivr.left_behind(record)
        variables = dict(caller.channel.variables)
        return FinishedCall(
            caller, uid, commands, record, steps_done, tickets, variables, self.ivr.acd_saw.get(uid)
        )


async def _agi_commands_until_hangup(events: AsyncIterator[AmiMessage], uniqueid: str) -> list[str]:
    commands: list[str] = []
    async for event in events:
        if event.get("Uniqueid") != uniqueid:
            continue
        if event.event == "AGIExecStart":
            commands.append(event.get("Command") or "")
        elif event.event == "Hangup":
            return commands
    raise AssertionError("AMI events ended before the caller hung up")


@contextlib.asynccontextmanager
async def hotline_stack(
    database_url: str, sounds: Path, *, speed: float = SPEED, dialplan: Path = SHIPPED_DIALPLAN
) -> AsyncIterator[HotlineStack]:
    """The simulator on the shipped dialplan (or ``dialplan``) and a CTI node on ``database_url``."""
    agi_port = free_port()
    config = SimulatorConfig(
        dialplan=dialplan,
        ami_port=0,
        users=[AmiUser.build(AMI_USER, AMI_SECRET)],
        speed=speed,
        sounds=[sounds],
        spool_dir=sounds.parent / "spool",
        agi=f"127.0.0.1:{agi_port}",
    )
    async with Simulator(config) as sim:
        ami = AmiSettings(host="127.0.0.1", port=sim.ami_port, username=AMI_USER, secret=AMI_SECRET)
        async with ivr_node(database_url, ami, agi_port) as node:
            yield HotlineStack(sim, node)
