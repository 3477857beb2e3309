"""The CTI node the IVR end-to-end tests run against a PBX (the simulator or the real Asterisk):
:func:`node.root.running_node` on a seeded database, with the ``ivr`` route, and in place of the ACD an
``acd-wait`` route that reads the hand-off variables the way the ACD does (GET VARIABLE) and
hangs up, so a call ends once it has been handed over.  No ACD, recordings or API run."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.agi.session import AgiSession
from cti.agi.settings import AgiSettings
from cti.ami.settings import AmiSettings
from ivr.handoff import VARIABLES
from ivr.settings import IvrSettings
from node.root import Node, Parts, running_node
from node.settings import Settings
from orders.provisioning import Provisioned, ProvisioningFailed, ProvisioningRequest
from orders.settings import OrderSettings
from storage.ivr_records import IvrSession, IvrStep, ivr_steps
from storage.settings import StorageSettings
from storage.tickets import Ticket

HandoffSeen = dict[str, str | None]


@dataclass
class IvrNode:
    node: Node
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


class RefusingBss:
    """A BSS that refuses every order (plugged in by name: ``[orders] provisioning``)."""

    name = "refusing-bss"

    async def apply(self, request: ProvisioningRequest) -> Provisioned:
        raise ProvisioningFailed("rejected", "the BSS is closed for maintenance")

    async def applied(self, order_number: str) -> Provisioned | None:
        return None


def refusing_bss(sessions: async_sessionmaker[AsyncSession], settings: OrderSettings) -> RefusingBss:
    return RefusingBss()


@contextlib.asynccontextmanager
async def ivr_node(
    database_url: str,
    ami: AmiSettings,
    agi_port: int,
    *,
    orders: OrderSettings | None = None,
    prompts_dir: Path | None = None,
) -> AsyncIterator[IvrNode]:
    """A running node serving FastAGI on ``agi_port``, its AMI client logged in to ``ami``;
    ``orders``: its service orders' settings (e.g. another provisioning adapter); ``prompts_dir``:
    the prompts played by absolute path from there (production), else by name from the PBX's own
    sounds folder."""
    acd_saw: dict[str, HandoffSeen] = {}

    async def acd_stand_in(session: AgiSession) -> None:
        """What the ACD does first with a caller the IVR queued: read the hand-off."""
        acd_saw[session.env.uniqueid] = {name: await session.get_variable(name) for name in VARIABLES}
        await session.hangup()

    settings = Settings(
        storage=StorageSettings(url=database_url),
        ami=ami,
        agi=AgiSettings(host="127.0.0.1", port=agi_port, drain_timeout_s=1.0),
        orders=orders or OrderSettings(),
        ivr=IvrSettings(prompts_dir=prompts_dir, prompts_by_path=True)
        if prompts_dir is not None
        else IvrSettings(prompts_by_path=False),
    )
    parts = Parts(acd=False, recordings=False, api=False)
    async with running_node(settings, parts=parts, extra_routes={"acd-wait": acd_stand_in}) as node:
        await node.ami.wait_connected(timeout_s=10)
        yield IvrNode(node, acd_saw)
