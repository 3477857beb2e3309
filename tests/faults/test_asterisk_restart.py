"""The real Asterisk 22 is stopped and started again while calls are connected and callers wait.

Three agents (Local channels: ``AGENT_TECH=Local``, ``AGENT_SUFFIX=@restart-agents/n``, who answer
and talk for two minutes) take three of five callers; two wait in ``[acd-wait]``.  Then Asterisk
goes away — stopped as an operator does (``core stop now``: it hangs the calls up first) or killed
(SIGKILL: no event, the AMI and FastAGI sockets just close) — and is started again on the same
port with the same dialplan (its site globals rendered into the file, as ``hotline dialplan render``
does: a restart forgets globals set over AMI).  The node must notice every call is gone:

* the connected calls end (``CallEnded``) and the waiting ones are abandoned (``CallAbandoned``),
  each exactly once; the ACD holds no call, its queue is empty, every agent is available again;
  no FastAGI session, channel of before or lost report is left, and the feed is in sync with the
  new Asterisk (a feed left "blind" holds every ring time-out: it did after a stop, the fix is in
  ``AmiFeed.blind``);
* killed, the call records say the system cut the calls, Q.850 cause 38 (network out of order),
  not the caller with a normal clearing (the node tells a restart from a lost connection by
  ``CoreStatus``); stopped, Asterisk's own Hangup events say how each ended;
* new calls after the restart are queued and answered.

Each run prints how long Asterisk was away and, from the moment its AMI port opened again, when
the ACD had settled and when the feed had resynchronised.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from acd.agent_state import AgentState
from acd.events import AcdEvent, CallAbandoned, CallAnswered, CallEnded, CallQueued
from acd.model import Agent, AgentLevel, Skill
from acd.store import CallPhase
from bench.hotline_calls import CALLERS_CONTEXT, SHIPPED_DIALPLAN, Line, write_dialplan
from bench.sim_hotline import write_directory
from cti.acd_bridge.node import AcdNode
from cti.acd_bridge.site_globals import render_globals
from cti.ami.channels import NETWORK_OUT_OF_ORDER
from node.root import Node, Parts, running_node
from node.settings import load_settings
from reports.call_assembly import FinishedCall
from reports.records import CallOutcome, Party
from tests.support.ports import free_port
from tests.support.real_asterisk import RealAsterisk, real_asterisk

pytestmark = pytest.mark.slow

AGENTS = ("1001", "1002", "1003")
CALLERS = 5
AGENTS_CONTEXT = "restart-agents"
DIALPLAN_AGENTS = f"""
[{AGENTS_CONTEXT}]
; the agents' phones: answer, talk for two minutes
exten => _10XX,1,Answer()
 same => n,Wait(120)
 same => n,Hangup()
"""


class Watch:
    """What the node's ACD and call records said."""

    def __init__(self, node: Node) -> None:
        assert node.acd is not None and node.reports is not None
        self.acd: AcdNode = node.acd
        self.events: list[AcdEvent] = []
        self.records: list[FinishedCall] = []
        self.acd.subscribe(self.events.append)
        writer = node.reports.writer
        submit = writer.submit

        def recording(item: Any) -> None:
            if isinstance(item, FinishedCall):
                self.records.append(item)
            submit(item)

        writer.submit = recording  # type: ignore[method-assign]

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    async def until(self, what: str, predicate: Callable[[], bool], timeout_s: float = 30.0) -> None:
        try:
            async with asyncio.timeout(timeout_s):
                while True:
                    if predicate():
                        return
                    await asyncio.sleep(0.05)  # polled: Asterisk and the node change it
        except TimeoutError:
            raise AssertionError(f"not within {timeout_s} s: {what}") from None

    async def settled(self) -> bool:
        """The ACD holds no call, nobody waits, every agent is available."""
        service = self.acd.service
        if await service.store.calls() or service.stats.snapshot(0).total.waiting:
            return False
        statuses = await service.store.statuses()
        return all(s.state is AgentState.AVAILABLE for s in statuses.values())

    async def until_settled(self, timeout_s: float = 30.0) -> None:
        try:
            async with asyncio.timeout(timeout_s):
                while True:
                    if await self.settled():
                        return
                    await asyncio.sleep(0.05)  # polled: Asterisk and the node change it
        except TimeoutError:
            calls = [(c.entry.uniqueid, str(c.phase)) for c in await self.acd.service.store.calls()]
            statuses = {a: str(s.state) for a, s in (await self.acd.service.store.statuses()).items()}
            raise AssertionError(
                f"not settled in {timeout_s} s: calls held {calls}, agents {statuses}"
            ) from None


@contextlib.asynccontextmanager
async def hotline_on_asterisk(tmp_path: Path) -> AsyncIterator[tuple[RealAsterisk, Node, Watch]]:
    agi_port = free_port()
    site = {
        "HOTLINE_AGI": f"agi://127.0.0.1:{agi_port}",
        "AGENT_TECH": "Local",
        "AGENT_SUFFIX": f"@{AGENTS_CONTEXT}/n",
        "RECORD_CALLS": "no",
        "POST_CALL_RATING": "no",
    }
    shipped = tmp_path / "hotline.conf"
    shipped.write_text(render_globals(SHIPPED_DIALPLAN.read_text(), site))
    extensions = write_dialplan(tmp_path / "extensions.conf", {"100": Line("general")}, include=shipped)
    extensions.write_text(extensions.read_text() + DIALPLAN_AGENTS)
    with real_asterisk(extensions=extensions) as pbx:
        pbx.cli("core waitfullybooted")
        settings = load_settings(
            storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'cti.sqlite3'}"},
            ami={"host": "127.0.0.1", "port": pbx.ami_port, "username": pbx.username, "secret": pbx.secret},
            agi={"host": "127.0.0.1", "port": agi_port},
            acd={"wrapup_s": 0.0, "announce_interval_s": 5.0, "ring_timeout_s": 10.0},
            reports={"cdr_grace_s": 1.0, "settle_s": 5.0, "flush_every_s": 0.2},
        )
        agents = [
            (Agent(f"agent-{ext}", ext, "lanzhou", AgentLevel.JUNIOR, (Skill("general"),)), ext)
            for ext in AGENTS
        ]
        await write_directory(settings, agents)
        parts = Parts(recordings=False, api=False, orders=False, retention=False)
        async with running_node(settings, parts=parts) as node:
            await node.ami.wait_connected(timeout_s=10)
            watch = Watch(node)
            for ext in AGENTS:
                await watch.acd.login(f"agent-{ext}")
            yield pbx, node, watch


async def place_callers(node: Node, n: int) -> None:
    """Callers: the ``;1`` half waits (the phone), the ``;2`` half goes through [acd-callers]."""
    for _ in range(n):
        await node.ami.originate(f"Local/100@{CALLERS_CONTEXT}/n", application="Wait", data="120")


async def phases(watch: Watch) -> Counter[CallPhase]:
    return Counter(c.phase for c in await watch.acd.service.store.calls())


async def restart(pbx: RealAsterisk, how: str) -> float:
    """Stop (or kill) Asterisk and start it again (its AMI port open); how long it was away (s)."""
    went = time.monotonic()
    await asyncio.to_thread(pbx.stop if how == "stopped" else pbx.crash)
    # Asterisk tells its start time in whole seconds (CoreStatus): a restart within the same
    # second would look like a mere reconnect (no real Asterisk comes back that fast)
    await asyncio.sleep(1.0 - time.time() % 1.0 + 0.05)
    await asyncio.to_thread(pbx.start)
    return time.monotonic() - went


@pytest.mark.parametrize("how", ["stopped", "killed"])
async def test_calls_close_and_service_resumes_when_asterisk_restarts(tmp_path: Path, how: str) -> None:
    async with hotline_on_asterisk(tmp_path) as (pbx, node, watch):
        await place_callers(node, CALLERS)
        await watch.until(
            "three callers talking and two waiting",
            lambda: len(watch.of(CallAnswered)) == len(AGENTS) and len(watch.of(CallQueued)) == CALLERS,
        )
        held = await phases(watch)
        assert held == {CallPhase.CONNECTED: len(AGENTS), CallPhase.WAITING: CALLERS - len(AGENTS)}
        connected = {e.entry.entry_id for e in watch.of(CallAnswered)}
        queued = {e.entry.entry_id for e in watch.of(CallQueued)}

        away = await restart(pbx, how)
        back = time.monotonic()
        await watch.until_settled()
        settled = time.monotonic() - back
        feed = watch.acd.feed
        # in sync again: ring time-outs no longer held (a blind feed holds them all)
        await watch.until("the feed compared with the new Asterisk", lambda: not feed.blind())
        synced = time.monotonic() - back
        print(f"asterisk {how}: away {away:.2f} s; back: settled {settled:.2f} s, resynced {synced:.2f} s")

        # nothing stuck: no waiting caller's FastAGI session, no channel of before, no report owed
        await watch.until("the cut FastAGI sessions closed", lambda: node.agi.active_sessions == 0)
        assert [uid for uid in queued if node.ami.state.channel(uid) is not None] == []
        assert not feed.stale
        ended = Counter(e.entry.entry_id for e in watch.of(CallEnded))
        abandoned = Counter(e.entry.entry_id for e in watch.of(CallAbandoned))
        assert ended == Counter(connected), "each connected call ends once"
        assert abandoned == Counter(queued - connected), "each waiting caller is abandoned once"

        await watch.until("the cut calls' records", lambda: len(watch.records) == CALLERS)
        cut = sorted(
            (r.record.call_id, r.record.outcome, r.record.hung_up_by, r.record.cause) for r in watch.records
        )
        if how == "killed":  # no hang-up was seen: the calls went with Asterisk
            assert Counter((outcome, by, cause) for _, outcome, by, cause in cut) == {
                (CallOutcome.ANSWERED, Party.SYSTEM, NETWORK_OUT_OF_ORDER): len(AGENTS),
                (CallOutcome.ABANDONED_IN_QUEUE, Party.SYSTEM, NETWORK_OUT_OF_ORDER): CALLERS - len(AGENTS),
            }, cut
        else:  # Asterisk hung them up itself: its Hangup events came (cause 0 or 16) before it went
            outcomes = Counter(outcome for _, outcome, _, _ in cut)
            assert outcomes == {
                CallOutcome.ANSWERED: len(AGENTS),
                CallOutcome.ABANDONED_IN_QUEUE: CALLERS - len(AGENTS),
            }

        await asyncio.to_thread(pbx.cli, "core waitfullybooted")  # its dialplan loaded: calls can come
        await node.ami.wait_connected(timeout_s=10)
        answered_before = len(watch.of(CallAnswered))
        await place_callers(node, 2)
        await watch.until(
            "new calls answered after the restart", lambda: len(watch.of(CallAnswered)) == answered_before + 2
        )
        fresh = {e.entry.entry_id for e in watch.of(CallAnswered)[answered_before:]}
        assert not fresh & queued
