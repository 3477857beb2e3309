"""A simulated hotline for the ACD bridge tests: the simulator (shipped dialplan + ``[acd-callers]``)
and a CTI node running only the ACD extension, in this process, on the simulator's clock."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acd.agent_state import AgentState
from acd.model import Agent, AgentLevel, Skill
from bench.hotline_calls import Line
from bench.sim_hotline import SimulatedHotline, simulated_hotline
from sim.callers import Caller
from sim.phones import PhoneProfile
from tests.cti.ami.tcp_proxy import TcpProxy
from tests.support.audio import write_wav

LINES: dict[str, Line] = {
    "100": Line("general"),
    "101": Line("complaint", "senior", "vip", "lanzhou"),
    "102": Line("billing", prefecture="tianshui"),
}


def agent(
    extension: str, level: AgentLevel = AgentLevel.JUNIOR, skills: str = "general,billing,complaint"
) -> Agent:
    return Agent(
        f"agent-{extension}", extension, "lanzhou", level, tuple(Skill(s) for s in skills.split(",")), ("zh",)
    )


@dataclass
class Hotline(SimulatedHotline):
    proxy: TcpProxy | None = None  # between the node's AMI client and the simulator, if asked for

    def call(self, exten: str = "100", number: str | None = "13800000001", **script: Any) -> Caller:
        return super().call(exten, number, **script)

    def of(self, kind: type[Any], uniqueid: str | None = None) -> list[Any]:
        return [
            e
            for e in self.events
            if isinstance(e, kind) and (uniqueid is None or e.entry.uniqueid == uniqueid)
        ]

    async def until(self, predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
        """Wait (real seconds) until ``predicate()`` holds."""
        async with asyncio.timeout(timeout_s):
            while True:
                if predicate():
                    return
                await asyncio.sleep(0.01)  # polled: the simulator and the node change it

    async def until_state(self, agent_id: str, state: AgentState, timeout_s: float = 10.0) -> None:
        async with asyncio.timeout(timeout_s):
            while True:
                if (await self.acd.status(agent_id)).state is state:
                    return
                await asyncio.sleep(0.01)


def write_sounds(folder: Path, names: Sequence[str], seconds: float = 0.5) -> Path:
    """Silent WAV files ``<folder>/<name>.wav`` the simulator plays for ``seconds`` each."""
    for name in names:
        write_wav(folder / f"{name}.wav", seconds)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.asynccontextmanager
async def hotline(
    tmp_path: Path,
    *,
    phones: Sequence[PhoneProfile],
    agents: Sequence[Agent] | None = None,
    login: bool = True,
    lines: Mapping[str, Line] = LINES,
    speed: float = 10.0,
    globals: Mapping[str, str] | None = None,
    sounds: Sequence[str] = (),
    proxy: bool = False,
    redis_url: str | None = None,
    storage_url: str | None = None,
    reports: Mapping[str, Any] | None = None,
    **acd: Any,
) -> AsyncIterator[Hotline]:
    """The simulator and a node with ``agents`` (default: one per phone) logged in; ``sounds``
    are prompt files the simulator can play (half a second each); ``proxy`` puts a TCP proxy
    the test can cut between the node's AMI client and the simulator; ``redis_url`` runs the ACD
    on the Redis store there (a key prefix of its own); ``storage_url`` is the node's database
    (default: a SQLite file in ``tmp_path``), ``reports`` its ``[reports]`` settings."""
    agents = list(agents) if agents is not None else [agent(p.extension) for p in phones if p.kind == "agent"]
    proxy_box: list[TcpProxy] = []

    async def through_proxy(port: int) -> int:
        cut = TcpProxy("127.0.0.1", port)
        await cut.start()
        proxy_box.append(cut)
        return cut.port

    values: dict[str, Any] = {"ring_timeout_s": 8.0, "wrapup_s": 0.0, "announce_interval_s": 20.0}
    values.update(acd)
    redis = None
    if redis_url is not None:
        values["store"] = "redis"
        redis = {"url": redis_url, "key_prefix": f"test-{tmp_path.name}"}
    try:
        async with simulated_hotline(
            tmp_path,
            lines=lines,
            phones=phones,
            agents=[(a, a.id) for a in agents],
            speed=speed,
            login=login,
            sim_globals={"AGENT_RING_TIMEOUT": "6", **(globals or {})},
            sounds=[write_sounds(tmp_path / "sounds", sounds)],
            connect_through=through_proxy if proxy else None,
            acd=values,
            redis=redis,
            storage_url=storage_url,
            reports=reports,
        ) as base:
            line = Hotline(base.sim, base.node, base.events, proxy_box[0] if proxy_box else None)
            yield line
    finally:
        for cut in proxy_box:
            await cut.stop()
