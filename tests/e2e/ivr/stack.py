"""The whole hotline in one process for the IVR end-to-end tests.

``hotline sim`` (:class:`sim.main.Simulator`) runs the SHIPPED dialplan ``dialplan/extensions.conf``
at :data:`SPEED` times real time with placeholder prompts; our :class:`cti.app.CtiNode` (storage,
AMI client, FastAGI server with the ``ivr`` route) serves it.  The node runs no extensions: in
place of the ACD, its ``acd-wait`` route reads the hand-off variables the way the ACD does
(GET VARIABLE) and hangs up, so a call ends once it has been handed over.  A test places a
scripted caller (:class:`sim.callers.CallerScript`) on the hotline number and gets back a
:class:`FinishedCall`: what the caller heard (from the AMI ``AGIExecStart`` events the node's
AMI client received, and from the simulated channel), the channel variables at the end, what
the ACD's route read, and the IVR record, its steps and the tickets the call left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.agi.session import AgiSession
from cti.ami.protocol import AmiMessage
from cti.app import CtiNode
from cti.settings import AgiSettings, AmiSettings, Settings, StorageSettings
from cti.storage.ivr_records import IvrSession, IvrStep, ivr_steps
from cti.storage.tickets import Ticket
from ivr.handoff import VARIABLES
from sim.ami.server import AmiUser
from sim.callers import Caller, CallerScript, KeyStep
from sim.channel import Channel
from sim.main import Simulator, SimulatorConfig
from tests.e2e.ivr.heard import as_files, digit_waits, media_commands
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
    acd_saw: dict[str, str | None] | None = None  # hand-off variables, read in acd-wait

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
    node: CtiNode
    acd_saw: dict[str, dict[str, str | None]]  # uniqueid -> what the acd-wait route read

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.node.sessions

    async def call(
        self, number: str, *steps: KeyStep, on_start: Callable[[Caller], None] | None = None
    ) -> FinishedCall:
        """Place a call from ``number`` to the hotline, let it run to its end, collect it."""
        events = self.node.ami.subscribe("*")
        try:
            caller = self.sim.call(CallerScript(number=number, dial=HOTLINE_NUMBER, steps=steps))
            assert caller.record is not None
            uid = caller.record.uniqueid
            if on_start is not None:
                on_start(caller)
            async with asyncio.timeout(CALL_LIMIT_S):
                commands = await _agi_commands_until_hangup(events, uid)
                record = await self._closed_record(uid)
        finally:
            events.close()
        async with self.sessions() as db:
            tickets = list(
                (
                    await db.execute(
                        select(Ticket).where(Ticket.ivr_session_id == record.id).order_by(Ticket.id)
                    )
                )
                .scalars()
                .all()
            )
            steps_done = await ivr_steps(db, record.id)
        assert caller.channel is not None
        return FinishedCall(
            caller,
            uid,
            commands,
            record,
            steps_done,
            tickets,
            dict(caller.channel.variables),
            self.acd_saw.get(uid),
        )

    async def _closed_record(self, uniqueid: str) -> IvrSession:
        """The call's IVR record once the handler has closed it (it may finish after the hang-up)."""
        while True:
            async with self.sessions() as db:
                stmt = select(IvrSession).where(IvrSession.uniqueid == uniqueid)
                record = (await db.execute(stmt)).scalar_one_or_none()
            if record is not None and record.outcome is not None:
                return record
            await asyncio.sleep(0.02)


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
    database_url: str, sounds: Path, *, speed: float = SPEED
) -> AsyncIterator[HotlineStack]:
    """The simulator on the shipped dialplan and a CTI node on ``database_url``, both running."""
    agi_port = free_port()
    config = SimulatorConfig(
        dialplan=SHIPPED_DIALPLAN,
        ami_port=0,
        users=[AmiUser.build(AMI_USER, AMI_SECRET)],
        speed=speed,
        sounds=[sounds],
        spool_dir=sounds.parent / "spool",
        agi=f"127.0.0.1:{agi_port}",
    )
    acd_saw: dict[str, dict[str, str | None]] = {}

    async def acd_stand_in(session: AgiSession) -> None:
        """What the ACD does first with a caller the IVR queued: read the hand-off."""
        acd_saw[session.env.uniqueid] = {name: await session.get_variable(name) for name in VARIABLES}
        await session.hangup()

    async with Simulator(config) as sim:
        settings = Settings(
            storage=StorageSettings(url=database_url),
            ami=AmiSettings(host="127.0.0.1", port=sim.ami_port, username=AMI_USER, secret=AMI_SECRET),
            agi=AgiSettings(host="127.0.0.1", port=agi_port, drain_timeout_s=1.0),
        )
        async with CtiNode.running(settings, extra_routes={"acd-wait": acd_stand_in}, extensions=[]) as node:
            await node.ami.wait_connected(timeout_s=10)
            yield HotlineStack(sim, node, acd_saw)
