"""app_queue in a PBX: member changes and their events, the device state cache, callers joining
and leaving, statistics, and member statuses following their devices."""

from __future__ import annotations

import asyncio

from sim.channel import AST_STATE_RING, AST_STATE_UP
from sim.dialplan.config import parse_dialplan
from sim.events import Event
from sim.pbx import Pbx
from sim.queue_config import EMPTY_PAUSED, parse_queues_conf
from sim.queue_module import QueueModule, install_queues, queues_of
from sim.queues import INUSE, INVALID, NOT_INUSE, UNAVAILABLE, Caller

DIALPLAN = "[agents]\nexten => a,1,Wait(10)\nexten => b,1,Wait(10)\n[in]\nexten => 1,1,Wait(10)\n"
QUEUES = """
[sales]
strategy = ringall
joinempty = paused
setqueuevar = yes
member => Local/a@agents/n,0,Alice,Local/a@agents
member => Local/gone@agents/n,0,Ghost
[support]
ringinuse = no
member => PJSIP/1001,0,Desk
"""


def _module() -> tuple[Pbx, QueueModule, list[Event]]:
    pbx = Pbx(parse_dialplan(DIALPLAN))
    module = install_queues(pbx, parse_queues_conf(QUEUES))
    events: list[Event] = []
    pbx.bus.history_hooks.append(events.append)
    return pbx, module, events


def _fields(events: list[Event], name: str) -> list[dict[str, str]]:
    return [dict(e.headers) for e in events if e.name == name]


def test_members_start_with_their_device_states() -> None:
    pbx, module, _ = _module()
    assert queues_of(pbx) is module
    sales, support = module.queue("SALES"), module.queue("support")
    assert sales is not None and support is not None
    assert [(m.name, m.status, m.dynamic) for m in sales.members] == [
        ("Alice", NOT_INUSE, False),
        ("Ghost", INVALID, False),  # no such extension
    ]
    assert support.members[0].status == UNAVAILABLE  # no phone registered
    assert support.members[0].ringinuse is False and sales.members[0].ringinuse is True


def test_adding_pausing_and_removing_members() -> None:
    _pbx, module, events = _module()
    assert module.add_member("nope", "Local/b@agents/n") == "nosuchqueue"
    assert module.add_member("sales", "Local/b@agents/n", name="Bob", penalty=2, reason="x") == "ok"
    assert module.add_member("sales", "local/B@agents/n") == "exists"
    (added,) = _fields(events, "QueueMemberAdded")
    assert (added["MemberName"], added["Membership"], added["Penalty"], added["Status"]) == (
        "Bob",
        "dynamic",
        "2",
        "1",
    )
    states = [(f["Device"], f["State"]) for f in _fields(events, "DeviceStateChange")]
    assert states == [("Queue:sales_pause_Local/b@agents/n", "NOT_INUSE"), ("Queue:sales_avail", "NOT_INUSE")]
    events.clear()
    assert module.set_paused("", "Local/b@agents/n", "lunch", True)
    assert module.set_paused("sales", "Local/b@agents/n", "lunch", True)  # again: no new device state
    pauses = _fields(events, "QueueMemberPause")
    assert [(p["Paused"], p["PausedReason"]) for p in pauses] == [("1", "lunch"), ("1", "lunch")]
    states = [(f["Device"], f["State"]) for f in _fields(events, "DeviceStateChange")]
    assert states == [("Queue:sales_pause_Local/b@agents/n", "INUSE")]
    assert module.set_paused("sales", "Local/b@agents/n", "back", False)
    assert _fields(events, "QueueMemberPause")[-1]["PausedReason"] == "back"  # shown once, then cleared
    member = module.queue("sales").member("Local/b@agents/n")  # type: ignore[union-attr]
    assert member is not None and member.reason_paused == "" and member.lastpause > 0
    assert not module.set_paused("sales", "Local/zz@agents/n", "", True)
    assert module.set_penalty("", "Local/b@agents/n", 4) and member.penalty == 4
    assert not module.set_penalty("", "Local/b@agents/n", -1)
    assert module.remove_member("sales", "Local/a@agents/n") == "notdynamic"
    assert module.remove_member("sales", "Local/zz@agents/n") == "notthere"
    assert module.remove_member("nope", "Local/b@agents/n") == "nosuchqueue"
    assert module.remove_member("sales", "Local/b@agents/n") == "ok"
    assert _fields(events, "QueueMemberRemoved")[0]["MemberName"] == "Bob"


async def test_callers_join_by_priority_and_leave() -> None:
    pbx, module, events = _module()
    sales = module.queue("sales")
    assert sales is not None
    chans = [
        pbx.new_channel(
            f"Local/1@in-0000000{i};2", tech="Local", context="in", exten="1", state=AST_STATE_RING
        )
        for i in range(3)
    ]
    first, second, vip = (Caller(c, 0.0) for c in chans)
    vip.prio = 5
    for caller in (first, second, vip):
        assert module.join(sales, caller, 0) is None
    assert [c.pos for c in sales.callers] == [1, 2, 3] and sales.callers[0] is vip
    assert [(f["Position"], f["Count"]) for f in _fields(events, "QueueCallerJoin")] == [
        ("1", "1"),
        ("2", "2"),
        ("1", "3"),
    ]
    module.leave(sales, vip)
    assert [c.pos for c in sales.callers] == [1, 2] and chans[2].get_variable("QUEUEPOSITION") == "1"
    module.record_abandoned(sales, first)
    assert sales.abandoned == 1 and chans[0].get_variable("ABANDONED") == "TRUE"
    assert (
        chans[0].get_variable("QUEUEABANDONED") == "0"
    )  # set just before the count goes up (record_abandoned)
    module.leave(sales, first)
    module.leave(sales, second)
    states = [
        (f["Device"], f["State"])
        for f in _fields(events, "DeviceStateChange")
        if f["Device"] == "Queue:sales"
    ]
    assert states == [("Queue:sales", "RINGING"), ("Queue:sales", "NOT_INUSE")]
    # joinempty = paused: with Alice paused and Ghost invalid (still counted), a caller may join
    module.set_paused("sales", "Local/a@agents/n", "", True)
    assert module.join(sales, Caller(chans[0], 0.0), 0) is None
    assert sales.config.joinempty == EMPTY_PAUSED


def test_hold_and_talk_times_average_as_asterisk_does() -> None:
    _pbx, module, _ = _module()
    sales = module.queue("sales")
    assert sales is not None
    module.recalc_holdtime(sales, 8)
    assert sales.holdtime == 8  # the first call sets it
    sales.completed = 1
    module.recalc_holdtime(sales, 4)
    assert sales.holdtime == (8 * 3 + 4) >> 2


async def test_a_member_status_follows_its_local_device() -> None:
    pbx, module, events = _module()
    one = pbx.new_channel("Local/a@agents-00000001;1", tech="Local", context="agents", exten="a", state=0)
    two = pbx.new_channel(
        "Local/a@agents-00000001;2", tech="Local", context="agents", exten="a", state=AST_STATE_RING
    )
    one.local_peer, two.local_peer, one.local_side, two.local_side = two, one, 1, 2
    task = pbx.spawn(pbx.run_pbx(two))
    await asyncio.sleep(0)
    one.set_state(AST_STATE_UP)  # a state change of the device makes app_queue look again
    await asyncio.sleep(0)
    alice = module.queue("sales").members[0]  # type: ignore[union-attr]
    assert alice.status == INUSE
    statuses = [(f["Queue"], f["Status"]) for f in _fields(events, "QueueMemberStatus")]
    assert statuses == [("sales", "2")]
    assert ("Local/a@agents", "INUSE") in [
        (f["Device"], f["State"]) for f in _fields(events, "DeviceStateChange")
    ]
    two.soft_hangup(16)
    await task
    await pbx.hangup(one)
    await asyncio.sleep(0)
    assert alice.status == NOT_INUSE
    assert [f["Status"] for f in _fields(events, "QueueMemberStatus")] == ["2", "1"]
