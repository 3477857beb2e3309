"""The ACD bridge against the real Asterisk 22 (and ``hotline sim`` as its own process, the same way).

Agents are Local channels (``AGENT_TECH=Local``, ``AGENT_SUFFIX=@test-agents/n``): extension 1001
answers and hangs up after two seconds, 1002 never answers.  A caller is a Local channel whose
``;2`` half is handed over like an IVR caller and waits in ``[acd-wait]`` (our FastAGI handler).

1. The ACD redirects the caller into ``[acd-connect]`` (out of a running AGI: Asterisk ends the
   AGI as for a hang-up, then carries on at the target), which Dials the Local agent; the ACD
   sees ``DialEnd`` ANSWER, then the caller's ``Hangup``: answered, ended, agent free.
2. The ACD's ring timeout (shorter than ``AGENT_RING_TIMEOUT``) withdraws an offer: the caller
   is redirected back to ``[acd-wait]`` out of a ringing ``Dial`` (whose ``DialEnd`` CANCEL
   already shows the caller at the redirect's target — the simulator was fixed to do the same);
   the agent is paused ``no-answer`` once; the next agent gets the call.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from acd.agent_state import NO_ANSWER_REASON, AgentState
from acd.events import AcdEvent, CallAnswered, CallEnded, CallOffered, CallQueued, CallRequeued
from acd.model import Agent, AgentLevel, Skill
from bench.hotline_calls import CALLERS_CONTEXT, Line, write_dialplan
from bench.sim_hotline import write_directory
from cti.acd_bridge.node import AcdNode
from cti.acd_bridge.signals import DialEnded, Signal
from node.root import Node, Parts
from node.root import running_node as run_node
from node.settings import load_settings
from tests.support.pbx import parametrize_pbx_kind, running_pbx

pytestmark = pytest.mark.conformance

TEST_AGENTS = """
[test-agents]
; the agents' phones: 1001 answers and hangs up after two seconds, 1002 rings for ever
exten => 1001,1,Answer()
 same => n,Wait(2)
 same => n,Hangup()
exten => 1002,1,Wait(60)
 same => n,Hangup()
"""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_pbx_kind(metafunc)


class Seen:
    def __init__(self, node: Node) -> None:
        assert node.acd is not None
        self.acd: AcdNode = node.acd
        self.events: list[AcdEvent] = []
        self.signals: list[Signal] = []
        self.acd.subscribe(self.events.append)
        handle = self.acd.feed.handle

        async def recording(signal: Signal) -> None:
            self.signals.append(signal)
            await handle(signal)

        self.acd.feed.handle = recording  # type: ignore[method-assign]

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    async def until(self, predicate: Callable[[], bool], timeout_s: float = 20.0) -> None:
        async with asyncio.timeout(timeout_s):
            while True:
                if predicate():
                    return
                await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def running_node(tmp_path: Path, pbx_kind: str, **acd: object) -> AsyncIterator[tuple[Node, Seen]]:
    extensions = write_dialplan(tmp_path / "extensions.conf", {"100": Line("general")})
    extensions.write_text(extensions.read_text() + TEST_AGENTS)
    with running_pbx(pbx_kind, extensions=extensions) as pbx:
        settings = load_settings(
            storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'cti.sqlite3'}"},
            ami={"host": "127.0.0.1", "port": pbx.ami_port, "username": pbx.username, "secret": pbx.secret},
            agi={"host": "127.0.0.1", "port": 0},
            acd={"wrapup_s": 0.0, "announce_interval_s": 5.0, **acd},
        )
        agents = [
            (Agent(f"agent-{ext}", ext, "lanzhou", AgentLevel.JUNIOR, (Skill("general"),)), ext)
            for ext in ("1001", "1002")
        ]
        await write_directory(settings, agents)
        async with run_node(settings, parts=Parts(recordings=False, api=False)) as node:
            await node.ami.wait_connected(timeout_s=10)
            for name, value in {
                "HOTLINE_AGI": f"agi://127.0.0.1:{node.agi.port}",
                "AGENT_TECH": "Local",
                "AGENT_SUFFIX": "@test-agents/n",
                "AGENT_RING_TIMEOUT": "10",
            }.items():
                await node.ami.setvar(name, value)
            yield node, Seen(node)


async def place_caller(node: Node) -> None:
    """A caller: the ``;1`` half waits (the phone), the ``;2`` half goes through [acd-callers]."""
    await node.ami.originate(f"Local/100@{CALLERS_CONTEXT}/n", application="Wait", data="40")


async def test_a_caller_is_redirected_into_acd_connect_and_answered(tmp_path: Path, pbx_kind: str) -> None:
    async with running_node(tmp_path, pbx_kind) as (node, seen):
        await seen.acd.login("agent-1001")
        await place_caller(node)
        await seen.until(lambda: bool(seen.of(CallEnded)))
        kinds = [type(e) for e in seen.events if hasattr(e, "entry")]
        assert kinds == [CallQueued, CallOffered, CallAnswered, CallEnded]
        (answered,) = seen.of(CallAnswered)
        assert answered.agent_id == "agent-1001"
        uid = answered.entry.uniqueid
        assert DialEnded(uid, "1001", "ANSWER") in seen.signals
        (ended,) = seen.of(CallEnded)
        assert 1.0 < ended.talk_s < 6.0
        await seen.until(lambda: not seen.acd.service.stats.snapshot(0).total.waiting)
        assert (await seen.acd.status("agent-1001")).state is AgentState.AVAILABLE
        assert await seen.acd.service.store.calls() == []


async def test_a_ring_timeout_takes_the_caller_back_and_the_next_agent_answers(
    tmp_path: Path, pbx_kind: str
) -> None:
    async with running_node(tmp_path, pbx_kind, ring_timeout_s=3.0) as (node, seen):
        await seen.acd.login("agent-1002")  # never answers
        await place_caller(node)
        await seen.until(lambda: bool(seen.of(CallRequeued)))
        status = await seen.acd.status("agent-1002")
        assert status.state is AgentState.PAUSED and status.reason == NO_ANSWER_REASON
        await seen.acd.login("agent-1001")
        await seen.until(lambda: bool(seen.of(CallEnded)))
        (answered,) = seen.of(CallAnswered)
        assert answered.agent_id == "agent-1001"
        uid = answered.entry.uniqueid
        # the redirect ended the ringing Dial at once; its DialEnd (CANCEL) shows the caller where
        # the redirects took it ([acd-wait], or already [acd-connect] 1001 when the next offer's
        # redirect came before the Dial ended, as on a loaded machine) and is not read as the end
        # of an offer: no second no-answer
        dial_ends = [s for s in seen.signals if isinstance(s, DialEnded)]
        assert [s for s in dial_ends if s.status != "CANCEL"] == [DialEnded(uid, "1001", "ANSWER")]
        assert [e.reason for e in seen.of(CallRequeued)] == ["no-answer"]
