"""Issue 15's "done when", scaled down for CI: the demo node (simulated Asterisk, CTI node, the
API listening) serves real calls while it is attacked as the probe attacked it — a fake FastAGI
peer sending sessions for channels that do not exist, thousands of HTTP connections held with
half-sent headers, and concurrent password guesses — and its statistics stay right: the fake
sessions reach no handler and count no abandoned call, the guesses get no token, and the calls
the simulator placed are answered and counted as without the attack.

``HOTLINE_ATTACK_HELD`` (default 2,000; the issue's full run: 20,000) and
``HOTLINE_ATTACK_MINUTES`` (default 2 simulated minutes) scale it up.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from demo.run import demo_settings, prepare_database
from demo.traffic import DemoOptions, demo_scenario
from node.root import Parts, running_node
from sim.ami.server import AmiUser
from sim.main import DEFAULT_DIALPLAN, Simulator, SimulatorConfig
from storage.users import DEMO_PASSWORD
from tests.node.test_agi_trust import _env_block, _fake_peer

pytestmark = pytest.mark.slow
ATTACKER, GUESSER = "127.0.0.2", "127.0.0.3"  # not the real users' 127.0.0.1
HELD = int(os.environ.get("HOTLINE_ATTACK_HELD", "2000"))
MINUTES = float(os.environ.get("HOTLINE_ATTACK_MINUTES", "2"))


async def _hold_connections(port: int, count: int, stop: asyncio.Event) -> Counter[str]:
    """Open ``count`` connections sending half a request each, keep them until ``stop``."""
    seen: Counter[str] = Counter()
    writers = []
    for n in range(count):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(ATTACKER, 0))
            writer.write(b"GET /agent HTTP/1.1\r\nHost: x\r\n")
            writers.append(writer)
            seen["opened"] += 1
        except OSError:
            seen["refused-at-connect"] += 1
        if n % 200 == 0:
            await asyncio.sleep(0)
    await stop.wait()
    for writer in writers:
        writer.close()
    return seen


async def _guesses(url: str, count: int) -> Counter[int]:
    connector = aiohttp.TCPConnector(local_addr=(GUESSER, 0))
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one(n: int) -> int:
            password = DEMO_PASSWORD if n == count // 2 else f"guess-{n}"
            async with http.post(
                f"{url}/api/session", json={"username": "sup.lanzhou", "password": password}
            ) as r:
                await r.read()
                return r.status

        return Counter(await asyncio.gather(*(one(n) for n in range(count))))


async def _fake_agi(port: int, count: int) -> int:
    replies = await asyncio.gather(
        *(_fake_peer(port, _env_block(f"66600000{n}.1", "0090012345678")) for n in range(count))
    )
    return sum(b"FAILURE" in r for r in replies)


async def test_the_demo_keeps_serving_real_calls_under_attack(tmp_path: Path) -> None:
    opts = DemoOptions(minutes=MINUTES, agents=6, rate_per_min=8.0, seed=3, speed=10.0)
    offline = demo_settings(tmp_path, ami_port=5038)
    await prepare_database(offline)
    config = SimulatorConfig(
        dialplan=DEFAULT_DIALPLAN, ami_port=0, users=[AmiUser.build("hotline", "hotline-demo")],
        speed=opts.speed, spool_dir=tmp_path / "spool", seed=opts.seed,
    )  # fmt: skip
    measured: dict[str, Any] = {}
    async with Simulator(config) as sim:
        settings = demo_settings(tmp_path, sim.ami_port, web_port=0)
        settings.api.max_connections_per_address = 256
        settings.api.header_timeout_s = 10.0
        parts = Parts(acd_clock=sim.clock, acd_tick_every_s=0.02)
        async with running_node(settings, create_tables=False, parts=parts) as node:
            assert node.acd is not None and node.api is not None
            sim.pbx.agi_override = f"127.0.0.1:{node.agi.port}"
            scenario = demo_scenario(opts, await node.acd.login_demo_agents(opts.agents))
            sim.load(scenario)
            stop = asyncio.Event()
            started = time.monotonic()
            traffic = asyncio.create_task(sim.run_traffic(scenario))
            held = asyncio.create_task(_hold_connections(node.api.port, HELD, stop))
            guesses = await _guesses(node.api.url, 300)
            fake_refused = await _fake_agi(node.agi.port, 200)
            # the pages still answer a real user (another address) while all that is held
            async with aiohttp.ClientSession() as http, http.get(f"{node.api.url}/agent") as r:
                measured["page_status_under_attack"] = r.status
            callers = await asyncio.wait_for(traffic, timeout=MINUTES * 60 / opts.speed + 240)
            stop.set()
            measured["held"] = dict(await held)
            measured["wall_s"] = round(time.monotonic() - started, 1)
            total = (await node.acd.report())["total"]
            refused = node.registry.get_sample_value(
                "hotline_api_connections_refused_total", {"reason": "per-address"}
            )
            timed_out = node.registry.get_sample_value(
                "hotline_api_connections_refused_total", {"reason": "header-timeout"}
            )
    records = [c.record for c in callers if c.record is not None]
    connected = sum(1 for r in records if r.connected_at is not None)
    abandoned = sum(1 for r in records if r.abandoned)
    measured.update(
        calls=len(records), connected=connected, abandoned_by_callers=abandoned, acd=total,
        guesses=dict(guesses), fake_agi_refused=fake_refused, refused_per_address=refused,
        header_timeouts=timed_out,
    )  # fmt: skip
    print("under attack:", measured)
    assert guesses[200] == 0 and guesses[401] <= 5, guesses  # the right password among them: no token
    assert fake_refused == 200
    assert measured["page_status_under_attack"] == 200
    assert len(records) > 0 and connected > 0
    assert total["abandoned"] <= abandoned  # the fake peer added none (it used to add 200 a second)
    assert total["answered"] == connected  # every real call an agent took is counted, and only those
    assert (refused or 0) + (timed_out or 0) >= min(HELD, 256) - 256
