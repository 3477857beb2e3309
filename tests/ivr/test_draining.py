"""A node shutting down hands the calls in its IVR on to the agent queue at their next menu node
(the apology, ``HOTLINE_OUTCOME=queue``, outcome ``transferred``) instead of walking them on."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.handler import run_ivr
from ivr.menu import Menu
from ivr.settings import IvrSettings
from storage.ivr_records import IvrOutcome, IvrSession, ivr_steps
from tests.ivr.conftest import Clock
from tests.ivr.scripted_caller import HANGUP, ScriptedCaller


class DrainsAfter:
    """``draining()`` turns true after it has been asked ``n`` times (once per menu node)."""

    def __init__(self, n: int) -> None:
        self.left = n

    def __call__(self) -> bool:
        self.left -= 1
        return self.left < 0


async def test_a_call_in_the_menu_is_handed_to_the_queue_when_the_node_drains(
    hotline_db: async_sessionmaker[AsyncSession], hotline_menu: Menu
) -> None:
    caller = ScriptedCaller.calling("2", HANGUP)  # bill query: would ask for the PIN next
    outcome = await run_ivr(
        caller, hotline_db, hotline_menu, IvrSettings(), clock=Clock(), draining=DrainsAfter(2)
    )
    assert outcome is IvrOutcome.TRANSFERRED
    assert caller.heard[-1] == "hotline/fallback_agent" and "hotline/enter_pin" not in caller.heard
    assert caller.variables["HOTLINE_OUTCOME"] == "queue"
    async with hotline_db() as db:
        record = (await db.execute(select(IvrSession))).scalar_one()
        steps = await ivr_steps(db, record.id)
    assert record.outcome is IvrOutcome.TRANSFERRED and "draining" in record.path
    assert steps[-1].result.startswith("queue:")


async def test_without_draining_the_same_call_goes_on(
    hotline_db: async_sessionmaker[AsyncSession], hotline_menu: Menu
) -> None:
    caller = ScriptedCaller.calling("2", HANGUP)
    await run_ivr(caller, hotline_db, hotline_menu, IvrSettings(), clock=Clock(), draining=DrainsAfter(1000))
    assert "hotline/enter_pin" in caller.heard and "HOTLINE_OUTCOME" not in caller.variables
