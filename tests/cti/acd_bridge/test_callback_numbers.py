"""Security finding 1 in the waiting line: callbacks only to numbers the policy allows
(``[acd] callback_numbers``; the probe registered a callback for ``0090012345678`` and the node
dialled it through the trunk), and no re-queue storm for a call the ACD lets go of."""

from __future__ import annotations

import asyncio
from itertools import pairwise
from pathlib import Path

import pytest

from acd.agent_state import AgentState
from acd.events import CallbackRequested, CallQueued
from cti.acd_bridge.callback_numbers import callback_allowed
from sim.callers import KeyStep
from sim.distributions import Fixed
from sim.phones import PhoneProfile

from .harness import agent, hotline
from .test_waiting import PROMPTS, heard


async def _registered(number: str) -> bool:
    return number == "13900000000"


@pytest.mark.parametrize(
    ("number", "domestic", "registered", "any_"),
    [
        ("13800000001", True, False, True),
        ("13900000000", True, True, True),
        ("09318123456", True, False, True),  # Lanzhou landline with its area code
        ("0090012345678", False, False, True),  # international: toll fraud
        ("12345", False, False, True),  # a service number
        ("1001", False, False, True),  # an extension
        ("１３８００００００１", False, False, False),  # full-width digits
        ("13", False, False, False),
    ],
)
async def test_the_number_policy(number: str, domestic: bool, registered: bool, any_: bool) -> None:
    assert await callback_allowed(number, "domestic", _registered) is domestic
    assert await callback_allowed(number, "registered", _registered) is registered
    assert await callback_allowed(number, "any", _registered) is any_


async def test_an_international_caller_is_not_offered_a_callback_and_pressing_1_registers_none(
    tmp_path: Path,
) -> None:
    phones = [PhoneProfile("1001", ring=Fixed(1.0), talk=Fixed(8.0))]
    async with hotline(
        tmp_path, phones=phones, sounds=PROMPTS, agents=[agent("1001")], announce_interval_s=2.0
    ) as line:
        busy = line.call("100", number="13800000001")
        await line.until_state("agent-1001", AgentState.ON_CALL)
        fraud = line.call("100", number="0090012345678", steps=(KeyStep("1", on="input", delay_s=0.3),))
        await line.until(lambda: len(heard(fraud)) >= 2, timeout_s=30)
        await asyncio.sleep(1.0)
        assert "hotline/acd_callback_offer" not in heard(fraud)
        assert "hotline/acd_callback_registered" not in heard(fraud)
        assert line.of(CallbackRequested) == []
        assert busy is not None


async def test_a_call_the_acd_keeps_letting_go_of_is_put_back_with_back_off_then_let_go(
    tmp_path: Path,
) -> None:
    """Finding 1: with no channel to connect, the wait loop used to re-queue at once, forever
    (enqueue → route → CallerGone, hundreds a second).  Now it waits 1 s, 2 s, 4 s … (and stops
    after five times)."""
    phones = [PhoneProfile("1001", ring=Fixed(1.0), talk=Fixed(8.0))]
    async with hotline(
        tmp_path, phones=phones, login=False, sounds=PROMPTS, announce_interval_s=60.0
    ) as line:
        caller = line.call("100", number="13800000001")
        await line.until(
            lambda: caller.record is not None and bool(line.of(CallQueued, caller.record.uniqueid))
        )
        assert caller.record is not None
        uid = caller.record.uniqueid
        removed = 0
        deadline = asyncio.get_running_loop().time() + 15.0
        while asyncio.get_running_loop().time() < deadline and not caller.done.is_set():
            if await line.acd.service.dequeue(uid):  # the ACD lets go of the call
                removed += 1
            await asyncio.sleep(0.005)
        times = [e.at for e in line.of(CallQueued, uid)]
        gaps = [round(b - a, 1) for a, b in pairwise(times)]
        # before: re-queued at once each time (hundreds in this window); now 1 s, 2 s, 4 s … apart
        assert 3 <= len(times) <= 6 and removed == len(times), (times, removed)
        assert all(g >= 1.0 for g in gaps) and gaps == sorted(gaps), gaps
