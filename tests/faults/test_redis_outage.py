"""Redis, the ACD's store, is unreachable for 10 s while calls flow (a private ``redis-server``
stopped and started again, with its data): routing pauses while it is away and resumes when it is
back; what Asterisk reported meanwhile (callers who hung up, calls that ended) is settled by a
resync once the store answers (``AmiFeed.heal``); no call is given to two agents, no agent two calls.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from acd.events import CallAnswered, CallOffered
from sim.distributions import Fixed
from sim.phones import PhoneProfile
from tests.cti.acd_bridge.harness import Hotline, hotline

from .private_redis import PrivateRedis
from .traffic import check_nothing_lost, run_traffic, until_settled

SPEED = 5.0
OUTAGE_S = 10.0  # real seconds


@pytest.fixture
async def private_redis(tmp_path: Path) -> PrivateRedis:
    server = PrivateRedis(tmp_path / "redis")
    await server.start()
    yield server  # type: ignore[misc]
    await server.stop()


async def stop_redis(line: Hotline, server: PrivateRedis, after_s: float, times: dict[str, float]) -> None:
    await line.sim.clock.sleep(after_s)
    await server.stop()
    times["down"] = line.sim.clock.now()
    await asyncio.sleep(OUTAGE_S)
    times["up_at"] = line.sim.clock.now()
    await server.start()


async def test_routing_pauses_and_resumes_across_a_redis_outage(
    tmp_path: Path, private_redis: PrivateRedis
) -> None:
    phones = [PhoneProfile(f"3{i:03d}", ring=Fixed(2.0), talk=Fixed(15.0)) for i in range(5)]
    times: dict[str, float] = {}
    async with hotline(
        tmp_path, phones=phones, speed=SPEED, redis_url=private_redis.url, ring_timeout_s=15.0, wrapup_s=0.0
    ) as line:
        callers = await run_traffic(
            line,
            calls=36,
            every_s=2.5,
            patience_s=120.0,
            during=lambda: stop_redis(line, private_redis, 15.0, times),
            drain_timeout_s=120.0,
        )
        await until_settled(line)
        check_nothing_lost(line, callers)
        offered = [e.at for e in line.events if isinstance(e, CallOffered)]
        # paused: nothing offered while Redis was away (the events are the store's successes)
        assert not [t for t in offered if times["down"] + 0.5 < t < times["up_at"]]
        assert [t for t in offered if t > times["up_at"]], "routing resumed"
        answered = Counter(e.entry.entry_id for e in line.events if isinstance(e, CallAnswered))
        assert [uid for uid, n in answered.items() if n > 1] == []
