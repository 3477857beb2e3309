"""What a waiting caller gets: music, announcements, the callback offer; a callback request keeps
the caller's place and is dialled back when an agent is free; nobody logged in strands no one."""

from __future__ import annotations

from pathlib import Path

from acd.agent_state import AgentState
from acd.events import CallAnswered, CallbackRequested, CallEnded, CallQueued
from acd.model import CallbackRequest
from sim.callers import CallerScript, KeyStep
from sim.distributions import Fixed
from sim.phones import PhoneProfile

from .harness import agent, hotline

PROMPTS = [
    f"hotline/{name}"
    for name in (
        "acd_all_busy",
        "acd_no_agents",
        "acd_next",
        "acd_position_one",
        "acd_position-1",
        "acd_position-2",
        "acd_callback_offer",
        "acd_callback_registered",
    )
]


def heard(caller: object) -> list[str]:
    channel = caller.channel  # type: ignore[attr-defined]
    return [item.what for item in channel.heard if item.kind == "file"]


async def test_a_waiting_caller_hears_music_and_their_place_in_line(tmp_path: Path) -> None:
    phones = [PhoneProfile("1001", ring=Fixed(1.0), talk=Fixed(20.0))]
    async with hotline(tmp_path, phones=phones, sounds=PROMPTS, announce_interval_s=5.0) as line:
        busy = line.call("100", number="13800000001")
        await line.until_state("agent-1001", AgentState.ON_CALL)
        second = line.call("100", number="13800000002")
        third = line.call("100", number="13800000003")
        await line.until(lambda: len(heard(third)) >= 6, timeout_s=10)
        assert heard(second)[:3] == ["hotline/acd_all_busy", "hotline/acd_next", "hotline/acd_callback_offer"]
        assert heard(third)[:3] == [
            "hotline/acd_all_busy",
            "hotline/acd_position_one",
            "hotline/acd_callback_offer",
        ]
        # then every 5 s: the place in line again (no "all busy" any more)
        assert heard(third)[3:5] == ["hotline/acd_position_one", "hotline/acd_callback_offer"]
        chan = second.channel
        assert chan is not None
        await line.until(lambda: chan.moh_class == "default")  # music between the announcements
        await line.until(lambda: all(c.done.is_set() for c in (busy, second, third)), timeout_s=30)


async def test_press_1_for_a_callback_that_keeps_the_callers_place(tmp_path: Path) -> None:
    customer = "13800000009"
    phones = [
        PhoneProfile("1001", ring=Fixed(1.0), talk=Fixed(8.0)),
        PhoneProfile(customer, ring=Fixed(2.0), talk=Fixed(3.0)),  # the customer's own phone
    ]
    agents = [agent("1001")]  # the customer's phone is not an agent's
    async with hotline(
        tmp_path, phones=phones, sounds=PROMPTS, agents=agents, announce_interval_s=5.0
    ) as line:
        busy = line.call("100", number="13800000001")
        await line.until_state("agent-1001", AgentState.ON_CALL)
        asker = line.call("100", number=customer, steps=(KeyStep("1", on="input", delay_s=0.3),))
        await line.until(lambda: asker.done.is_set())
        later = line.call("100", number="13800000002")
        await line.until(lambda: bool(line.of(CallQueued, later.record.uniqueid if later.record else "")))
        assert asker.channel is not None and asker.channel.get_variable("HOTLINE_OUTCOME") == "callback"
        assert heard(asker)[-1] == "hotline/acd_callback_registered"
        (requested,) = line.of(CallbackRequested)
        assert requested.request.number == customer
        await line.until(lambda: later.done.is_set(), timeout_s=30)
        answered = line.of(CallAnswered)
        assert [a.entry.entry_id for a in answered] == [
            busy.record.uniqueid if busy.record else "",
            requested.request.request_id,  # before the caller who came later
            later.record.uniqueid if later.record else "",
        ]
        assert isinstance(answered[1].entry, CallbackRequest)
        await line.until(lambda: any(isinstance(e.entry, CallbackRequest) for e in line.of(CallEnded)))
        phone = line.sim.phones[customer]
        assert len(phone.calls) == 1 and phone.calls[0].answered_at is not None  # dialled back
        await line.until_state("agent-1001", AgentState.AVAILABLE)
        assert await line.acd.service.store.calls() == []


async def test_nobody_logged_in_the_caller_still_waits_and_is_served_later(tmp_path: Path) -> None:
    phones = [PhoneProfile("1001", ring=Fixed(1.0), talk=Fixed(2.0))]
    async with hotline(tmp_path, phones=phones, login=False, sounds=PROMPTS, announce_interval_s=5.0) as line:
        caller = line.call("100")
        await line.until(lambda: len(heard(caller)) >= 2)
        assert heard(caller)[:2] == ["hotline/acd_no_agents", "hotline/acd_callback_offer"]
        assert caller.record is not None
        record = await line.acd.service.store.call(caller.record.uniqueid)
        assert record is not None  # in line all the same
        await line.acd.login("agent-1001")
        await line.until(lambda: caller.done.is_set())
        (answered,) = line.of(CallAnswered)
        assert answered.entry.uniqueid == caller.record.uniqueid


async def test_a_hand_off_that_cannot_be_read_still_reaches_an_agent(tmp_path: Path) -> None:
    """A caller sent to [acd-wait] without the IVR's variables is queued for 'general'."""
    phones = [PhoneProfile("1001", ring=Fixed(1.0), talk=Fixed(2.0))]
    async with hotline(tmp_path, phones=phones) as line:
        caller = line.sim.call(CallerScript(number="13800000001", dial="s", context="acd-wait"))
        await line.until(lambda: caller.done.is_set())
        (queued,) = line.of(CallQueued)
        assert queued.entry.requirement.skill == "general"
        assert queued.entry.prefecture == "province"
        assert line.of(CallAnswered)
