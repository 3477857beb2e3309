"""Routing rules one by one, through AcdService, on both stores."""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from acd.agent_state import AgentState
from acd.clock import ManualClock
from acd.errors import (
    CallNotInPhase,
    DuplicateCall,
    IllegalTransition,
    ModelError,
    StoreUnavailable,
    UnknownCall,
)
from acd.model import Agent, AgentLevel, Segment, SkillRequirement
from acd.overflow import parse_routing
from acd.service import AcdService
from acd.store import CallPhase
from acd.telephony import OfferEnd

from .conftest import ServiceFactory
from .support import FakeTelephony, agent

COMPLAINT = SkillRequirement("complaint")
BILLING = SkillRequirement("billing")


async def staff(service: AcdService, *agents: Agent) -> None:
    for a in agents:
        await service.register_agent(a)
        await service.login(a.id)


async def state(service: AcdService, agent_id: str) -> AgentState:
    return (await service.status(agent_id)).state


async def phase(service: AcdService, entry_id: str) -> CallPhase | None:
    record = await service.store.call(entry_id)
    return record.phase if record else None


@pytest.mark.parametrize("segment", ["vip", "important", "big", "private_line"])
async def test_vip_complaint_never_reaches_a_junior_before_its_overflow_step(
    service: AcdService, clock: ManualClock, telephony: FakeTelephony, segment: str
) -> None:
    await staff(service, agent("j1", "junior", ["complaint"], "chengdu"))
    await service.enqueue("u1", COMPLAINT, segment, "chengdu")
    for elapsed in (0.0, 10.0, 19.9, 20.0, 40.0, 59.9):
        clock.advance(elapsed - (clock.now() - 1_700_000_000.0))
        await service.tick()
        assert telephony.offers() == [], f"offered at {elapsed} s"
    clock.advance(0.1)  # 60 s: the last step admits any agent with the skill
    await service.tick()
    assert telephony.offers() == [("u1", "j1")]


async def test_vip_complaint_steps_own_senior_then_any_senior(
    service: AcdService, clock: ManualClock, telephony: FakeTelephony
) -> None:
    s2 = agent("s2", "senior", ["complaint"], "mianyang")
    await staff(service, s2, agent("m1", "manager", ["complaint"]))
    await service.pause("m1", "meeting")
    await service.enqueue("u1", COMPLAINT, Segment.VIP, "chengdu")
    clock.advance(19.9)
    await service.tick()
    assert telephony.offers() == []
    clock.advance(0.1)
    await service.tick()
    assert telephony.offers() == [("u1", "s2")]
    await staff(service, agent("s1", "senior", ["complaint"], "chengdu"))
    await service.enqueue("u2", COMPLAINT, Segment.VIP, "chengdu")
    assert telephony.offers()[-1] == ("u2", "s1")  # a senior of its own prefecture at once


async def test_longest_idle_eligible_agent_gets_the_call(
    service: AcdService, clock: ManualClock, telephony: FakeTelephony
) -> None:
    await staff(service, agent("j1"))
    clock.advance(5)
    await staff(service, agent("j2"), agent("x", skills=["fault"]))
    clock.advance(5)
    await service.enqueue("u1", BILLING, "normal", "chengdu")
    await service.enqueue("u2", BILLING, "normal", "chengdu")
    assert telephony.offers() == [("u1", "j1"), ("u2", "j2")]


async def test_juniors_take_junior_calls_before_seniors(
    service: AcdService, clock: ManualClock, telephony: FakeTelephony
) -> None:
    await staff(service, agent("s1", "senior"))
    clock.advance(5)
    await staff(service, agent("j1", "junior"))
    await service.enqueue("u1", BILLING, "normal", "chengdu")
    await service.enqueue("u2", BILLING, "normal", "chengdu")
    assert telephony.offers() == [("u1", "j1"), ("u2", "s1")]  # the senior only when no junior is free


async def one_senior_held_back(make_service: ServiceFactory, telephony: FakeTelephony) -> AcdService:
    """keep_free senior 1, s1 the only senior: the junior call u1 waits."""
    rules = parse_routing(
        {"agent_choice": {"keep_free": {"senior": 1}}, "rules": [{"name": "all", "steps": [{}]}]}
    )
    service = await make_service(routing_config=rules)
    await staff(service, agent("s1", "senior"))
    await service.enqueue("u1", BILLING, "normal", "chengdu")
    assert telephony.offers() == []
    return service


async def test_keep_free_holds_the_last_senior_back(
    make_service: ServiceFactory, telephony: FakeTelephony
) -> None:
    service = await one_senior_held_back(make_service, telephony)
    await service.enqueue("u2", SkillRequirement("billing", AgentLevel.SENIOR), "normal", "chengdu")
    assert telephony.offers() == [("u2", "s1")]


async def test_a_held_back_senior_takes_the_call_once_another_senior_is_free(
    make_service: ServiceFactory, telephony: FakeTelephony
) -> None:
    """keep_free senior 1: s1, the only free senior, is held back from a junior call.  s2 comes
    free but cannot take it (another skill), so its own routing finds nothing; now one senior
    stays free either way, and s1 is offered the call at once, not at the next routing event."""
    service = await one_senior_held_back(make_service, telephony)
    await staff(service, agent("s2", "senior", ["complaint"]))
    assert telephony.offers() == [("u1", "s1")]
    await staff(service, agent("s3", "senior", ["complaint"]))
    await service.enqueue("u2", BILLING, "normal", "chengdu")
    assert telephony.offers() == [("u1", "s1")]  # s2 and s3 lack the skill: nobody else to ask


async def test_a_store_that_cannot_answer_leaves_the_held_back_senior_to_the_next_event(
    make_service: ServiceFactory, telephony: FakeTelephony, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The re-routing of held-back agents comes after the agent's own step is stored: a store
    failing over then (a plain read does not wait it out) costs the shortcut, not the step."""
    service = await one_senior_held_back(make_service, telephony)

    async def failing_over(level: AgentLevel, most: int) -> list[str]:
        raise StoreUnavailable("redis free agents: Connection refused")

    monkeypatch.setattr(service.store, "free_agents", failing_over)
    with capture_logs() as logs:
        await staff(service, agent("s2", "senior", ["complaint"]))
    assert await state(service, "s2") is AgentState.AVAILABLE and telephony.offers() == []
    assert [e["agent"] for e in logs if e["event"] == "acd held-back agents not routed"] == ["s2"]


async def test_language_and_own_prefecture(
    service: AcdService, clock: ManualClock, telephony: FakeTelephony
) -> None:
    await staff(service, agent("zh1"), agent("en1", languages=["en"], prefecture="mianyang"))
    await service.enqueue("u1", SkillRequirement("billing", language="en"), "normal", "chengdu")
    assert telephony.offers() == []  # the only English speaker is in another prefecture
    clock.advance(30)  # ordinary: own prefecture for 30 s, then any
    await service.tick()
    assert telephony.offers() == [("u1", "en1")]


async def test_ring_no_answer_pauses_the_agent_and_requeues_at_the_head(
    service: AcdService, clock: ManualClock, telephony: FakeTelephony
) -> None:
    await staff(service, agent("j1"))
    await service.enqueue("u1", BILLING, "normal", "chengdu")
    clock.advance(5)
    await service.enqueue("u2", BILLING, "normal", "chengdu")
    await service.enqueue("u3", BILLING, "vip", "chengdu")  # a VIP ranks ahead of u1 ...
    assert await service.position("u3") == (0, None)
    clock.advance(10)  # 15 s of ringing
    await service.tick()
    status = await service.status("j1")
    assert (status.state, status.reason) == (AgentState.PAUSED, "no-answer")
    assert telephony.cancels == [("u1", "j1", OfferEnd.NO_ANSWER)]
    assert await phase(service, "u1") is CallPhase.WAITING
    assert [await service.position(u) for u in ("u1", "u3", "u2")] == [(0, None), (1, None), (2, None)]
    record = await service.store.call("u1")
    assert record is not None and record.entry.history[-1].kind == "no-answer"
    await staff(service, agent("j2"))
    assert telephony.offers()[-1] == ("u1", "j2")  # ... but the requeued call is served first


async def test_dial_failure_reported_by_telephony_is_a_no_answer(
    service: AcdService, telephony: FakeTelephony
) -> None:
    await staff(service, agent("j1"), agent("j2"))
    await service.enqueue("u1", BILLING, "normal", "chengdu")
    assert await service.agent_not_answered("u1", "j1")
    assert (await service.status("j1")).reason == "no-answer"
    assert telephony.offers() == [("u1", "j1"), ("u1", "j2")]
    assert not await service.agent_not_answered("u1", "j1")  # stale: no longer offered to j1


async def test_unreachable_agent_is_paused_and_the_call_goes_on(
    service: AcdService, telephony: FakeTelephony
) -> None:
    telephony.unreachable.add("j1")
    await staff(service, agent("j1"))
    await service.enqueue("u1", BILLING, "normal", "chengdu")
    status = await service.status("j1")
    assert (status.state, status.reason) == (AgentState.PAUSED, "unreachable")
    assert await phase(service, "u1") is CallPhase.WAITING
    await staff(service, agent("j2"))
    assert telephony.offers()[-1] == ("u1", "j2")


async def test_wrap_up_is_respected(
    service: AcdService, clock: ManualClock, telephony: FakeTelephony
) -> None:
    await staff(service, agent("j1"))
    await service.enqueue("u1", BILLING, "normal", "chengdu")
    assert await service.agent_answered("u1", "j1")
    clock.advance(60)
    assert await service.call_hung_up("u1")
    status = await service.status("j1")
    assert (status.state, status.deadline) == (AgentState.WRAP_UP, clock.now() + 10)
    await service.enqueue("u2", BILLING, "normal", "chengdu")
    clock.advance(9.9)
    await service.tick()
    assert telephony.offers() == [("u1", "j1")]
    clock.advance(0.1)
    await service.tick()
    assert telephony.offers() == [("u1", "j1"), ("u2", "j1")]


async def test_ready_ends_wrap_up_early(service: AcdService, telephony: FakeTelephony) -> None:
    await staff(service, agent("j1"))
    await service.enqueue("u1", BILLING, "normal", "chengdu")
    await service.agent_answered("u1", "j1")
    await service.call_hung_up("u1")
    await service.enqueue("u2", BILLING, "normal", "chengdu")
    await service.ready("j1")
    assert telephony.offers()[-1] == ("u2", "j1")


async def test_pause_unpause_and_logout(service: AcdService, telephony: FakeTelephony) -> None:
    await staff(service, agent("j1"))
    paused = await service.pause("j1", "lunch")
    assert (paused.state, paused.reason) == (AgentState.PAUSED, "lunch")
    await service.enqueue("u1", BILLING, "normal", "chengdu")
    assert telephony.offers() == []
    await service.unpause("j1")
    assert telephony.offers() == [("u1", "j1")]
    with pytest.raises(IllegalTransition):
        await service.logout("j1")  # its phone is ringing
    await service.call_hung_up("u1")
    assert (await service.logout("j1")).state is AgentState.LOGGED_OUT


async def test_forced_logout_while_ringing_gives_the_call_to_someone_else(
    service: AcdService, clock: ManualClock, telephony: FakeTelephony
) -> None:
    await staff(service, agent("j1"))
    clock.advance(1)
    await staff(service, agent("j2"))
    await service.pause("j2", "break")
    await service.enqueue("u1", BILLING, "normal", "chengdu")
    await service.unpause("j2")
    assert (await service.force_logout("j1", by="supervisor-7")).state is AgentState.LOGGED_OUT
    assert telephony.cancels == [("u1", "j1", OfferEnd.AGENT_GONE)]
    assert telephony.offers() == [("u1", "j1"), ("u1", "j2")]


async def test_escalation_to_senior_then_manager_keeps_history_and_is_counted(
    service: AcdService, clock: ManualClock, telephony: FakeTelephony
) -> None:
    await staff(service, agent("j1"), agent("j2"))
    await service.enqueue("u1", BILLING, "normal", "chengdu", linkedid="L1")
    await service.agent_answered("u1", "j1")
    clock.advance(40)
    entry = await service.escalate("u1", "j1", AgentLevel.SENIOR, "customer wants a refund")
    assert entry.requirement.min_level is AgentLevel.SENIOR and entry.rule == "escalation"
    assert entry.history[-1].kind == "escalated" and "junior->senior" in entry.history[-1].detail
    assert ("return_to_queue", "u1", "j1") in telephony.actions
    assert await state(service, "j1") is AgentState.WRAP_UP
    clock.advance(1000)
    await service.tick()
    assert telephony.offered_to("j2") == []  # a junior never gets an escalated call
    await staff(service, agent("s1", "senior"))
    assert telephony.offers()[-1] == ("u1", "s1")
    await service.agent_answered("u1", "s1")
    entry = await service.escalate("u1", "s1", AgentLevel.MANAGER)
    await staff(service, agent("m1", "manager"))
    assert telephony.offers()[-1] == ("u1", "m1")
    assert [h.kind for h in entry.history] == ["escalated", "escalated"]
    snapshot = service.stats.snapshot(clock.now())
    assert snapshot.by_skill["billing"].escalations == 2 and snapshot.total.escalations == 2
    with pytest.raises(ModelError):
        await service.escalate("u1", "m1", AgentLevel.JUNIOR)


async def test_escalation_needs_the_agent_on_that_call(service: AcdService) -> None:
    await staff(service, agent("j1"))
    await service.enqueue("u1", BILLING, "normal", "chengdu")
    with pytest.raises(CallNotInPhase):
        await service.escalate("u1", "j1", AgentLevel.SENIOR)
    with pytest.raises(UnknownCall):
        await service.escalate("nope", "j1", AgentLevel.SENIOR)


async def test_callback_request_keeps_the_callers_place_in_line(
    service: AcdService, clock: ManualClock, telephony: FakeTelephony
) -> None:
    for uid in ("u1", "u2", "u3"):
        await service.enqueue(uid, BILLING, "normal", "chengdu", caller_number=f"138{uid}")
        clock.advance(1)
    clock.advance(30)
    request = await service.request_callback("u2", "13800000002")
    assert request.enqueued_at == 1_700_000_001.0
    assert await service.position(request.request_id) == (1, None)
    assert not await service.call_hung_up("u2")  # the caller hangs up: the request stays
    await service.enqueue("u4", BILLING, "vip", "chengdu")  # a VIP still goes first
    await staff(service, agent("j1"))
    order = []
    for _ in range(4):
        entry_id, agent_id = telephony.offers()[-1]
        order.append(entry_id)
        await service.agent_answered(entry_id, agent_id)
        await service.call_hung_up(entry_id)
        await service.ready(agent_id)
    assert order == ["u4", "u1", "callback-u2", "u3"]
    assert ("call_back", "callback-u2", "j1") in telephony.actions
    with pytest.raises(UnknownCall):
        await service.request_callback("u2", "1")


async def test_abandon_while_waiting_and_dequeue(service: AcdService, clock: ManualClock) -> None:
    await service.enqueue("u1", BILLING, "normal", "chengdu")
    await service.enqueue("u2", BILLING, "normal", "chengdu")
    with pytest.raises(DuplicateCall):
        await service.enqueue("u1", BILLING, "normal", "chengdu")
    clock.advance(12)
    assert await service.call_hung_up("u1")
    assert await service.dequeue("u2")
    assert not await service.call_hung_up("u1")
    total = service.stats.snapshot(clock.now()).total
    assert (total.abandoned, total.waiting, total.abandonment_rate) == (1, 0, 1.0)


async def test_caller_gone_when_the_agent_is_dialled(
    service: AcdService, telephony: FakeTelephony, clock: ManualClock
) -> None:
    """The caller's channel is gone when the agent is to be dialled: an abandoned call, the agent
    free again.  (A fake FastAGI peer's invented uniqueids, which once moved the wallboard by 200 a
    second this way, are refused before they reach the ACD: tests/node/test_agi_trust.py.)"""
    telephony.caller_gone.add("u1")
    await staff(service, agent("j1"))
    await service.enqueue("u1", BILLING, "normal", "chengdu")
    assert await phase(service, "u1") is None
    assert await state(service, "j1") is AgentState.AVAILABLE
    total = service.stats.snapshot(clock.now()).total
    assert (total.abandoned, total.waiting) == (1, 0)


async def test_starvation_bound_holds_under_a_stream_of_vips(
    make_service: ServiceFactory, clock: ManualClock, telephony: FakeTelephony
) -> None:
    """One agent, an ordinary caller, and a VIP every 10 s: the ordinary caller is served before
    any VIP that arrived more than the head start (60 s here) after it."""
    rules = parse_routing(
        {"priority": {"head_start_s": {"vip": 60}}, "rules": [{"name": "all", "steps": [{}]}]}
    )
    service = await make_service(routing_config=rules, wrapup_s=0)
    await staff(service, agent("j1"))
    await service.enqueue("first", BILLING, "normal", "chengdu")  # keeps the agent busy
    await service.agent_answered("first", "j1")
    arrivals = {"ordinary": clock.now()}
    await service.enqueue("ordinary", BILLING, "normal", "chengdu")
    served = []
    for i in range(40):
        clock.advance(10)
        arrivals[f"vip{i}"] = clock.now()
        await service.enqueue(f"vip{i}", BILLING, "vip", "chengdu")
        if i % 3 == 2:  # every 30 s the agent finishes and takes the best call
            entry_id = telephony.offers()[-1][0]
            if await phase(service, entry_id) is CallPhase.OFFERED:
                await service.agent_answered(entry_id, "j1")
            await service.call_hung_up(entry_id)
            served.append(telephony.offers()[-1][0])
    assert "ordinary" in served
    before = served[: served.index("ordinary")]
    assert before and all(arrivals[v] <= arrivals["ordinary"] + 60 for v in before)


async def test_shipped_rules_an_emergency_is_answered_before_calls_queued_earlier(
    make_service: ServiceFactory, clock: ManualClock, telephony: FakeTelephony
) -> None:
    """紧急服务: a lost phone the IVR could not suspend jumps every line (the shipped rules' emergency
    rule: an hour's head start), and after 5 s any free agent of any prefecture may take it."""
    from acd.overflow import load_routing

    service = await make_service(routing_config=load_routing(), wrapup_s=0)
    general = SkillRequirement("general")
    emergency = SkillRequirement("emergency")
    for n in range(3):
        await service.enqueue(f"early-{n}", general, "normal", "chengdu")
        clock.advance(5)
    await service.enqueue("vip-early", general, "vip", "chengdu")
    clock.advance(5)
    await service.enqueue("lost-phone", emergency, "normal", "chengdu")
    await staff(service, agent("a1", "junior", ["general", "emergency"], "chengdu"))
    assert telephony.offers() == [("lost-phone", "a1")]  # before the VIP and the ordinary calls
    # an emergency of another prefecture: its own prefecture's agents only, for 5 s, then anyone's
    await service.enqueue("lost-phone-far", emergency, "normal", "mianyang")
    await staff(service, agent("a2", "junior", ["general", "emergency"], "chengdu"))
    assert telephony.offers()[-1] == ("vip-early", "a2")
    await staff(service, agent("a3", "junior", ["general", "emergency"], "chengdu"))
    assert telephony.offers()[-1] == ("early-0", "a3")
    clock.advance(5)
    await service.tick()  # the upkeep moves the call to its next step
    await staff(service, agent("a4", "junior", ["general", "emergency"], "chengdu"))
    assert telephony.offers()[-1] == ("lost-phone-far", "a4")  # before early-1, queued 25 s earlier
