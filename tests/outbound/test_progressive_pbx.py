"""Agent-assisted campaigns through the ACD, on ``hotline sim`` and the real Asterisk (``--pbx``):
a progressive campaign dials one call per free agent of its skill; the answered call enters the
ACD's line and is put through to the agent in ``[acd-connect]`` (the agent is a Local channel that
answers, talks a second and hangs up); an answered call that finds no free agent hears the
message and counts as abandoned (in the campaign's daily abandon counts)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from acd.events import CallAnswered, CallEnded, CallOffered
from acd.model import Agent, AgentLevel, Skill
from bench.sim_hotline import write_directory
from node.root import Node, Parts, running_node
from node.settings import load_settings
from outbound.campaign import Campaign, CampaignEvent, CampaignKind
from outbound.contact import Contact
from outbound.pacing import ProgressivePacing
from tests.outbound.pbx_phones import write_extensions
from tests.outbound.test_dialer_pbx import START, RealSpeedClock
from tests.support.pbx import parametrize_pbx_kind, running_pbx

pytestmark = pytest.mark.conformance


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_pbx_kind(metafunc)


@contextlib.asynccontextmanager
async def agent_node(tmp_path: Path, pbx_kind: str) -> AsyncIterator[Node]:
    with running_pbx(pbx_kind, extensions=write_extensions(tmp_path)) as pbx:
        settings = load_settings(
            storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'cti.sqlite3'}"},
            ami={"host": "127.0.0.1", "port": pbx.ami_port, "username": pbx.username, "secret": pbx.secret},
            agi={"host": "127.0.0.1", "port": 0},
            acd={"wrapup_s": 0.0},
            outbound={"channel": "Local/{number}@test-callee", "tick_s": 0.2},
        )
        agent = Agent("agent-1001", "1001", "lanzhou", AgentLevel.JUNIOR, (Skill("general"),))
        await write_directory(settings, [(agent, "王芳")])
        clock = RealSpeedClock()
        parts = Parts(ivr=False, recordings=False, api=False, reports=False, outbound=True,
                      outbound_clock=clock, workflow_clock=clock)  # fmt: skip
        async with running_node(settings, parts=parts) as node:
            await node.ami.wait_connected(timeout_s=10)
            for name, value in {
                "HOTLINE_AGI": f"agi://127.0.0.1:{node.agi.port}",
                "AGENT_TECH": "Local",
                "AGENT_SUFFIX": "@test-agents/n",
                "POST_CALL_RATING": "no",
            }.items():
                await node.ami.setvar(name, value)
            yield node


async def until(predicate: Callable[[], Awaitable[bool]], timeout_s: float = 60.0) -> None:
    async with asyncio.timeout(timeout_s):
        while True:
            if await predicate():
                return
            await asyncio.sleep(0.2)


async def _campaign(node: Node, numbers: list[str]) -> None:
    assert node.outbound is not None
    store = node.outbound.campaigns
    campaign = Campaign("prog", "prog", CampaignKind.GENERIC, ProgressivePacing(), skill="general")
    await store.create(campaign, prefecture=None, created_by="test", now=START)
    await store.add_contacts("prog", [Contact(n, n, "lanzhou", n) for n in numbers], START)
    await store.move("prog", CampaignEvent.START, START)


async def test_progressive_calls_go_through_the_acd_to_the_agent(tmp_path: Path, pbx_kind: str) -> None:
    async with agent_node(tmp_path, pbx_kind) as node:
        assert node.acd is not None and node.outbound is not None
        await node.acd.login("agent-1001")
        dialer = node.outbound.dialer
        agent_calls: list[str] = []  # what the ACD did with agent-1001, in order
        placed_when_first_ended: list[int] = []
        node.acd.subscribe(
            lambda e: (
                agent_calls.append(f"{type(e).__name__} {e.entry.uniqueid}")
                if isinstance(e, CallOffered | CallAnswered | CallEnded)
                else None
            )
        )
        node.acd.subscribe(
            lambda e: placed_when_first_ended.append(dialer.placed) if isinstance(e, CallEnded) else None
        )
        await _campaign(node, ["13800000001", "13800000002"])

        async def both_ended() -> bool:
            attempts = await node.outbound.attempts.of_campaign("prog")  # type: ignore[union-attr]
            return len(attempts) == 2 and all(a.outcome for a in attempts)

        await until(both_ended, 90)
        attempts = await node.outbound.attempts.of_campaign("prog")
        assert [(a.outcome, a.agent_id) for a in attempts] == [("completed", "agent-1001")] * 2
        # one agent: the second call was offered only after the first had ended at the agent
        # (the attempt's own end is written at its last leg's hang-up, which may come after the
        # agent's leg freed the agent and the next call was dialled)
        assert placed_when_first_ended[0] == 1  # the second call waited for the agent
        first, second = agent_calls[0].split()[1], agent_calls[-1].split()[1]
        assert first != second
        kinds = ("CallOffered", "CallAnswered", "CallEnded")
        assert agent_calls == [f"{kind} {uid}" for uid in (first, second) for kind in kinds]

        async def counted() -> bool:  # the dialer counts the answer after it wrote the attempt's end
            ledger = await node.outbound.attempts.ledger("prog", START.date())  # type: ignore[union-attr]
            return ledger.window(START.date()).live_answered == 2

        await until(counted, 10)
        ledger = await node.outbound.attempts.ledger("prog", START.date())
        assert ledger.window(START.date()).live_answered == 2 and ledger.rate(START.date()) == 0.0


async def test_an_answered_call_without_a_free_agent_is_abandoned(tmp_path: Path, pbx_kind: str) -> None:
    async with agent_node(tmp_path, pbx_kind) as node:
        assert node.acd is not None and node.outbound is not None
        await node.acd.login("agent-1001")
        await _campaign(node, ["13800000005"])  # rings 3 s before answering

        async def dialled() -> bool:
            return node.outbound.dialer.placed == 1  # type: ignore[union-attr]

        await until(dialled, 20)
        await node.acd.pause("agent-1001", "break")  # the agent leaves while it rings

        async def ended() -> bool:
            attempts = await node.outbound.attempts.of_campaign("prog")  # type: ignore[union-attr]
            return len(attempts) == 1 and attempts[0].outcome is not None

        await until(ended, 60)
        (attempt,) = await node.outbound.attempts.of_campaign("prog")
        assert (attempt.outcome, attempt.script_result, attempt.agent_id) == ("abandoned", "abandoned", None)

        async def counted() -> bool:  # the dialer counts the answer after it wrote the attempt's end
            ledger = await node.outbound.attempts.ledger("prog", START.date())  # type: ignore[union-attr]
            return ledger.rate(START.date()) == 1.0

        await until(counted, 10)
        assert await node.acd.service.store.calls() == []
