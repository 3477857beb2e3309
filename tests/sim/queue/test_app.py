"""Queue() end to end in the simulator: strategies, time-outs, joinempty, a caller who gives up, a
busy member, a phone as member, and the AMI actions' answers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from cti.ami.protocol import AmiMessage, AmiParser
from sim.ami.server import AmiUser
from sim.distributions import Fixed
from sim.events import Event
from sim.main import Simulator, SimulatorConfig
from sim.originate import OriginateRequest, originate
from sim.phones import PhoneProfile
from sim.queue_module import queues_of

EXTENSIONS = """
[queue]
exten => _[a-z].,1,Answer()
 same => n,Queue(${EXTEN},,,,${QTIMEOUT})
 same => n,NoOp(QUEUESTATUS=${QUEUESTATUS})
 same => n,Hangup()

[agents]
exten => a,1,Wait(0.5)
 same => n,Answer()
 same => n,Wait(1)
 same => n,Hangup()
exten => b,1,Wait(0.5)
 same => n,Answer()
 same => n,Wait(1)
 same => n,Hangup()
exten => never,1,Ringing()
 same => n,Wait(60)
exten => busy,1,Busy(5)
"""
QUEUES = """
[rr]
strategy = rrmemory
timeout = 5
member => Local/a@agents/n,0,A
member => Local/b@agents/n,0,B

[slow]
timeout = 2
retry = 1
member => Local/never@agents/n,0,Never

[strict]
joinempty = strict
member => Local/a@agents/n,0,A,,,,yes

[busyfirst]
strategy = linear
member => Local/busy@agents/n,0,Busy
member => Local/b@agents/n,0,B

[desk]
member => PJSIP/1001,0,Desk
"""


class Line:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.events: list[Event] = []
        self.changed = asyncio.Event()
        sim.pbx.bus.history_hooks.append(self._seen)

    def _seen(self, event: Event) -> None:
        self.events.append(event)
        self.changed.set()

    def of(self, name: str) -> list[dict[str, str]]:
        return [dict(e.headers) for e in self.events if e.name == name]

    def statuses(self) -> list[str]:
        return [f["Value"] for f in self.of("VarSet") if f["Variable"] == "QUEUESTATUS"]

    async def call(self, queue: str, *, within_s: int = 30, caller_stays_s: float = 60.0) -> None:
        request = OriginateRequest(
            channel=f"Local/{queue}@queue",
            application="Wait",
            data=str(caller_stays_s),
            caller_num="5550100",
            caller_name="Caller",
            variables=[("QTIMEOUT", str(within_s))],
            is_async=True,
        )
        await originate(self.sim.pbx, request)

    async def until(self, done: Callable[[], bool], timeout_s: float = 5.0) -> None:
        async with asyncio.timeout(timeout_s):
            while not done():
                self.changed.clear()
                await self.changed.wait()

    async def idle(self) -> None:
        await self.until(lambda: not self.sim.pbx.channels)


def _simulator(tmp_path: Path) -> Simulator:
    (tmp_path / "extensions.conf").write_text(EXTENSIONS)
    (tmp_path / "queues.conf").write_text(QUEUES)  # found beside the dialplan
    config = SimulatorConfig(
        dialplan=tmp_path / "extensions.conf",
        ami_port=0,
        speed=10.0,
        spool_dir=tmp_path,
        users=[AmiUser.build("u", "p")],
    )
    return Simulator(config)


async def test_rrmemory_takes_turns(tmp_path: Path) -> None:
    async with _simulator(tmp_path) as sim:
        line = Line(sim)
        for done in range(1, 4):
            await line.call("rr")
            await line.until(lambda: not sim.pbx.channels and len(line.of("AgentComplete")) == done)  # noqa: B023
        assert [f["MemberName"] for f in line.of("AgentConnect")] == ["A", "B", "A"]
        rr = queues_of(sim.pbx).queue("rr")
        assert rr is not None and rr.completed == 3 and [m.calls for m in rr.members] != [0, 0]


async def test_nobody_answers_before_the_time_out(tmp_path: Path) -> None:
    async with _simulator(tmp_path) as sim:
        line = Line(sim)
        await line.call("slow", within_s=5)
        await line.until(lambda: bool(line.statuses()), timeout_s=3)
        assert line.statuses() == ["TIMEOUT"]
        rings = line.of("AgentRingNoAnswer")
        assert len(rings) == 2 and {r["RingTime"] for r in rings} == {"2000"}  # 2 s, retry 1 s, 2 s
        (abandon,) = line.of("QueueCallerAbandon")
        assert abandon["HoldTime"] == "5"
        assert [f["Value"] for f in line.of("VarSet") if f["Variable"] == "QUEUEWAIT"][-1] == "5"
        await line.idle()


async def test_joinempty_turns_callers_away(tmp_path: Path) -> None:
    async with _simulator(tmp_path) as sim:
        line = Line(sim)
        await line.call("strict")
        await line.until(lambda: bool(line.statuses()))
        assert line.statuses() == ["JOINEMPTY"] and not line.of("QueueCallerJoin")
        await line.call("nosuchqueue")
        await line.until(lambda: len(line.statuses()) == 2)
        assert line.statuses()[1] == "UNKNOWN"
        await line.idle()


async def test_a_caller_who_hangs_up_while_members_ring_abandons(tmp_path: Path) -> None:
    async with _simulator(tmp_path) as sim:
        line = Line(sim)
        await line.call("slow", caller_stays_s=1.2)
        await line.until(lambda: bool(line.of("QueueCallerAbandon")))
        await line.idle()
        assert [
            f["DialStatus"] for f in line.of("DialEnd") if f.get("Channel", "").startswith("Local/slow")
        ] == [
            "CANCEL",
            "CANCEL",
        ]
        assert not line.statuses()  # hung up: no QUEUESTATUS
        cdrs = [f for f in line.of("Cdr") if f["Channel"].startswith("Local/never")]
        assert cdrs and cdrs[0]["Disposition"] == "FAILED"  # hung up with no cause


async def test_a_busy_member_is_skipped_within_the_round(tmp_path: Path) -> None:
    async with _simulator(tmp_path) as sim:
        line = Line(sim)
        await line.call("busyfirst")
        await line.until(lambda: bool(line.of("AgentComplete")))
        dialled = [
            (f["DestChannel"].split("-")[0], f["DialStatus"]) for f in line.of("DialEnd") if "Channel" in f
        ]
        assert ("Local/busy@agents", "BUSY") in dialled and ("Local/b@agents", "ANSWER") in dialled
        assert [f["MemberName"] for f in line.of("AgentRingNoAnswer")] == ["Busy"]
        await line.idle()


async def test_a_phone_can_be_a_member(tmp_path: Path) -> None:
    async with _simulator(tmp_path) as sim:
        line = Line(sim)
        sim.add_phone(PhoneProfile("1001", ring=Fixed(0.5), talk=Fixed(1.0)))
        await line.call("desk")
        await line.until(lambda: bool(line.of("AgentComplete")))
        (complete,) = line.of("AgentComplete")
        assert complete["Reason"] == "agent" and complete["DestChannel"].startswith("PJSIP/1001-")
        assert [f["Status"] for f in line.of("QueueMemberStatus")][:2] == ["1", "6"]  # registered, ringing
        await line.idle()


async def _ami(port: int, *actions: str) -> list[AmiMessage]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    parser = AmiParser(expect_banner=True)
    replies: list[AmiMessage] = []
    writer.write(b"Action: Login\r\nUsername: u\r\nSecret: p\r\nEvents: off\r\n\r\n")
    for i, action in enumerate(actions):
        writer.write(action.replace("\n", "\r\n").encode() + f"ActionID: a{i}\r\n\r\n".encode())
    writer.write(b"Action: Logoff\r\n\r\n")
    await writer.drain()
    async with asyncio.timeout(5):
        while not any(m.response == "Goodbye" for m in replies):
            data = await reader.read(65536)
            if not data:
                break
            replies += [m for m in parser.feed(data) if isinstance(m, AmiMessage)]
    writer.close()
    return [m for m in replies if m.action_id is not None]


async def test_the_ami_actions_answer_as_asterisk_does(tmp_path: Path) -> None:
    async with _simulator(tmp_path) as sim:
        replies = await _ami(
            sim.ami_port,
            "Action: QueueAdd\nInterface: Local/b@agents/n\n",
            "Action: QueueAdd\nQueue: rr\n",
            "Action: QueueAdd\nQueue: nope\nInterface: Local/b@agents/n\n",
            "Action: QueueAdd\nQueue: rr\nInterface: Local/a@agents/n\n",
            "Action: QueueRemove\nQueue: rr\nInterface: Local/a@agents/n\n",
            "Action: QueueRemove\nQueue: rr\n",
            "Action: QueuePause\nInterface: Local/zz@agents/n\nPaused: yes\n",
            "Action: QueuePause\nInterface: Local/a@agents/n\n",
            "Action: QueuePenalty\nInterface: Local/a@agents/n\nPenalty: 3\n",
            "Action: QueueStatus\nQueue: rr\nMember: B\n",
            "Action: QueueSummary\nQueue: slow\n",
        )
        said = [(m.action_id, m.response or m.event, m.get("Message") or "") for m in replies]
        assert said[:9] == [
            ("a0", "Error", "'Queue' not specified."),
            ("a1", "Error", "'Interface' not specified."),
            ("a2", "Error", "Unable to add interface to queue: No such queue"),
            ("a3", "Error", "Unable to add interface: Already there"),
            ("a4", "Error", "Member not dynamic"),
            ("a5", "Error", "Need 'Queue' and 'Interface' parameters."),
            ("a6", "Error", "Interface not found"),
            ("a7", "Error", "Need 'Interface' and 'Paused' parameters."),
            ("a8", "Success", "Interface penalty set successfully"),
        ]
        status = [m for m in replies if m.action_id == "a9"]
        assert [m.event or m.response for m in status] == [
            "Success",
            "QueueParams",
            "QueueMember",
            "QueueStatusComplete",
        ]
        assert status[2].get("Name") == "B" and status[3].get("ListItems") == "2"
        summary = [m for m in replies if m.action_id == "a10"]
        assert [(m.event, m.get("Queue"), m.get("LoggedIn")) for m in summary[1:]] == [
            ("QueueSummary", "slow", "1"),
            ("QueueSummaryComplete", None, None),
        ]
