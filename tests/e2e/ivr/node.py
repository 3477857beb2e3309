"""The CTI node the IVR end-to-end tests run against a PBX (the simulator or the real Asterisk):
:class:`cti.app.CtiNode` on a seeded database, with the ``ivr`` route, and in place of the ACD an
``acd-wait`` route that reads the hand-off variables the way the ACD does (GET VARIABLE) and
hangs up, so a call ends once it has been handed over.  No node extensions run."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.agi.session import AgiSession
from cti.app import CtiNode
from cti.settings import AgiSettings, AmiSettings, Settings, StorageSettings
from cti.storage.ivr_records import IvrSession, IvrStep, ivr_steps
from cti.storage.tickets import Ticket
from ivr.handoff import VARIABLES

HandoffSeen = dict[str, str | None]


@dataclass
class IvrNode:
    node: CtiNode
    acd_saw: dict[str, HandoffSeen]  # uniqueid -> what the acd-wait route read

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.node.sessions

    async def closed_record(self, uniqueid: str) -> IvrSession:
        """The call's IVR record once the handler has closed it (it may finish after the hang-up)."""
        while True:
            async with self.sessions() as db:
                stmt = select(IvrSession).where(IvrSession.uniqueid == uniqueid)
                record = (await db.execute(stmt)).scalar_one_or_none()
            if record is not None and record.outcome is not None:
                return record
            await asyncio.sleep(0.02)

    async def left_behind(self, record: IvrSession) -> tuple[list[IvrStep], list[Ticket]]:
        """The record's steps, and the tickets opened by its call."""
        async with self.sessions() as db:
            stmt = select(Ticket).where(Ticket.ivr_session_id == record.id).order_by(Ticket.id)
            tickets = list((await db.execute(stmt)).scalars().all())
            return await ivr_steps(db, record.id), tickets


@contextlib.asynccontextmanager
async def ivr_node(database_url: str, ami: AmiSettings, agi_port: int) -> AsyncIterator[IvrNode]:
    """A running node serving FastAGI on ``agi_port``, its AMI client logged in to ``ami``."""
    acd_saw: dict[str, HandoffSeen] = {}

    async def acd_stand_in(session: AgiSession) -> None:
        """What the ACD does first with a caller the IVR queued: read the hand-off."""
        acd_saw[session.env.uniqueid] = {name: await session.get_variable(name) for name in VARIABLES}
        await session.hangup()

    settings = Settings(
        storage=StorageSettings(url=database_url),
        ami=ami,
        agi=AgiSettings(host="127.0.0.1", port=agi_port, drain_timeout_s=1.0),
    )
    async with CtiNode.running(settings, extra_routes={"acd-wait": acd_stand_in}, extensions=[]) as node:
        await node.ami.wait_connected(timeout_s=10)
        yield IvrNode(node, acd_saw)
