"""A node dies mid-traffic and the other takes its Asterisk server over (``[lease]``, node/lease.py).

Two ``hotline serve`` processes for one simulated Asterisk, both with ``[lease] enabled`` and the
server's ACD identity (``node_id = "pbx-1"``): the first takes the lease and serves (AMI, FastAGI,
ACD timers); the second waits.  FastAGI goes to one address that moves to the survivor when the
first dies, as a floating IP following the lease would (the dialplan's ``[acd-wait]`` retries a
failed AGI after a few seconds of music, so a caller whose session died with the node comes
back to the survivor once it listens).  120 callers, 20 agents logged in for the server.
After a third of the calls the serving node is killed with SIGKILL (no cleanup, its sockets
dropped by the kernel).  Checked: the survivor serves within 10 s; never two AMI sessions at
once; every caller was connected (no call lost), no phone was offered a call while on one and
nobody talked on two calls at once; every agent is still logged in and available (their state
kept), nothing is left in Redis.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import secrets
from pathlib import Path

import pytest

from acd.agent_state import AgentState
from acd.store_redis import RedisStore
from bench.hotline_calls import CALLERS_CONTEXT, Line, write_dialplan
from sim.ami.server import AmiUser
from sim.callers import Caller, CallerScript
from sim.distributions import Fixed, Uniform
from sim.main import Simulator, SimulatorConfig
from sim.phones import PhoneProfile
from tests.acd.conftest import redis_url, require_redis

from .test_two_nodes import (
    AGENTS,
    SECRET,
    NodeProcess,
    log_in_agents,
    start_node,
    stop_nodes,
    wait_for,
    wait_for_agents_settled,
    wait_for_calls_gone,
)

pytestmark = [pytest.mark.redis, pytest.mark.slow]

CALLS = 120
KILL_AFTER = 40
# slower than the two-node test: [acd-wait] retries a failed AGI 20 times after 5 s of music,
# simulated seconds; at this speed that is 20 real seconds, longer than any takeover
TAKEOVER_SPEED = 5.0
SERVER = "pbx-1"
LEASE = """
[lease]
enabled = true
ttl_s = 4.0
poll_s = 0.25
"""


async def test_a_killed_node_is_taken_over(tmp_path: Path) -> None:
    await require_redis()
    prefix = f"test-takeover-{secrets.token_hex(4)}"
    rng = random.Random(150)
    config = SimulatorConfig(
        dialplan=write_dialplan(tmp_path / "extensions.conf", {"100": Line("general")}),
        ami_port=0,
        users=[AmiUser.build("hotline", SECRET)],
        speed=TAKEOVER_SPEED,
        spool_dir=tmp_path / "spool",
        globals={"RECORD_CALLS": "no", "AGENT_RING_TIMEOUT": "10"},
        seed=150,
    )
    nodes: list[NodeProcess] = []
    try:
        async with Simulator(config) as sim:
            for i in range(AGENTS):
                sim.add_phone(PhoneProfile(str(1001 + i), ring=Uniform(0.5, 3.0), talk=None))
            first = await start_node(tmp_path, "first", sim.ami_port, prefix, node_id=SERVER, extra=LEASE)
            nodes.append(first)
            await wait_for(lambda: bool(first.said("cti node up")), 60, "the first node to serve")
            second = await start_node(tmp_path, "second", sim.ami_port, prefix, node_id=SERVER, extra=LEASE)
            nodes.append(second)
            await wait_for(lambda: bool(second.said("lease held by another node; waiting")), 60, "a standby")
            # FastAGI goes to one address that follows the lease (a floating IP, in production)
            sim.pbx.agi_override = f"127.0.0.1:{first.agi_port}"
            await log_in_agents(prefix, nodes=(SERVER,))

            most_sessions = 0

            async def count_sessions() -> None:
                nonlocal most_sessions
                while True:
                    most_sessions = max(most_sessions, len(sim.ami.sessions))
                    await asyncio.sleep(0.01)

            sessions = asyncio.create_task(count_sessions())
            loop = asyncio.get_running_loop()
            killed_at = taken_at = 0.0
            callers: list[Caller] = []
            t = 0.0
            start = sim.clock.elapsed()
            for i in range(CALLS):
                if i == KILL_AFTER:
                    first.proc.kill()  # SIGKILL: no cleanup, the kernel drops its sockets
                    killed_at = loop.time()
                    sim.pbx.agi_override = f"127.0.0.1:{second.agi_port}"  # the address moves
                if killed_at and not taken_at and second.said("cti node up"):
                    taken_at = loop.time()
                t += rng.expovariate(0.5)
                delay = t - (sim.clock.elapsed() - start)
                if delay > 0:
                    await sim.clock.sleep(delay)
                script = CallerScript(
                    number=f"139{i:08d}", dial="100", context=CALLERS_CONTEXT, talk=Fixed(rng.uniform(10, 40))
                )
                callers.append(sim.call(script))
            if not taken_at:
                await wait_for(lambda: bool(second.said("cti node up")), 30, "the standby to take over")
                taken_at = loop.time()
            try:
                await wait_for(lambda: all(c.done.is_set() for c in callers), 180, "every call to end")
            except AssertionError:
                left = [
                    (c.script.number, c.record, c.channel and c.channel.context)
                    for c in callers
                    if not c.done.is_set()
                ]
                raise AssertionError(f"{len(left)} calls never ended: {left[:3]}") from None
            await wait_for(lambda: not sim.pbx.channels, 30, "every channel to go")
            sessions.cancel()
            await asyncio.gather(sessions, return_exceptions=True)

            takeover_s = taken_at - killed_at
            assert takeover_s < 10.0, f"the standby took {takeover_s:.1f} s"
            assert most_sessions == 1, f"{most_sessions} AMI sessions at once"
            for phone in sim.phones.values():
                assert phone.busy_offers == 0, f"{phone.endpoint} was offered a call while on one"
                talks = sorted(
                    (c.answered_at, c.ended_at or 0.0) for c in phone.calls if c.answered_at is not None
                )
                for (_, end), (begin, _) in itertools.pairwise(talks):
                    assert begin >= end, f"{phone.endpoint} had two calls at once"
            lost = [c.script.number for c in callers if c.record is None or c.record.connected_at is None]
            assert lost == [], f"{len(lost)} calls never reached an agent: {lost[:5]}"

            store = await RedisStore.connect(redis_url(), f"{prefix}:acd")
            try:
                await wait_for_calls_gone(store)
                await wait_for_agents_settled(store)
                statuses = await store.statuses()
                assert {a: s.state for a, s in statuses.items() if s.state is not AgentState.AVAILABLE} == {}
                assert await store.audit(0.0) == []
            finally:
                await store.close()
            print(
                f"takeover: first node killed after {KILL_AFTER} of {CALLS} calls; the standby served "
                f"{takeover_s:.2f} s later; {CALLS} calls connected, none lost; "
                f"{len(second.said('acd call answered'))} answered through the survivor"
            )
            await stop_nodes(nodes)
    finally:
        await stop_nodes(nodes)
        store = await RedisStore.connect(redis_url(), f"{prefix}:acd")
        await store.delete_everything()
        await store.close()
