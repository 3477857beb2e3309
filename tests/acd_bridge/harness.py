"""A simulated hotline for the ACD bridge tests: the simulator (shipped dialplan + ``[acd-callers]``)
and a CTI node running only the ACD extension, in this process, on the simulator's clock."""

from __future__ import annotations

import asyncio
import contextlib
import wave
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acd.agent_state import AgentState
from acd.events import AcdEvent
from acd.model import Agent, AgentLevel, Skill
from bench.hotline_calls import CALLERS_CONTEXT, Line, write_dialplan
from cti.acd.node import AcdNode, acd_extension
from cti.app import CtiNode
from cti.settings import Settings, load_settings
from cti.storage.agents import upsert_agent
from cti.storage.db import create_engine_from_settings, create_schema, session_factory
from sim.ami.server import AmiUser
from sim.callers import Caller, CallerScript
from sim.main import Simulator, SimulatorConfig
from sim.phones import PhoneProfile
from tests.cti.ami.tcp_proxy import TcpProxy

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
class Hotline:
    sim: Simulator
    node: CtiNode
    proxy: TcpProxy | None = None  # between the node's AMI client and the simulator, if asked for
    events: list[AcdEvent] = field(default_factory=list)

    @property
    def acd(self) -> AcdNode:
        assert self.node.acd is not None
        return self.node.acd

    def call(self, exten: str = "100", number: str | None = "13800000001", **script: Any) -> Caller:
        return self.sim.call(CallerScript(number=number, dial=exten, context=CALLERS_CONTEXT, **script))

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
        path = folder / f"{name}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(b"\0\0" * int(8000 * seconds))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def settings_for(tmp_path: Path, ami_port: int, **acd: Any) -> Settings:
    values = {"ring_timeout_s": 8.0, "wrapup_s": 0.0, "announce_interval_s": 20.0, "presence_ttl_s": 30.0}
    values.update(acd)
    return load_settings(
        storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'cti.sqlite3'}"},
        ami={"host": "127.0.0.1", "port": ami_port, "username": "hotline", "secret": "secret"},
        agi={"host": "127.0.0.1", "port": 0},
        acd=values,
    )


async def write_directory(settings: Settings, agents: Sequence[Agent]) -> None:
    engine = create_engine_from_settings(settings.storage)
    try:
        await create_schema(engine)
        async with session_factory(engine)() as db:
            for a in agents:
                await upsert_agent(db, a, a.id)
            await db.commit()
    finally:
        await engine.dispose()


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
    **acd: Any,
) -> AsyncIterator[Hotline]:
    """The simulator and a node with ``agents`` (default: one per phone) logged in; ``sounds``
    are prompt files the simulator can play (half a second each); ``proxy`` puts a TCP proxy
    the test can cut between the node's AMI client and the simulator."""
    dialplan = write_dialplan(tmp_path / "extensions.conf", lines)
    config = SimulatorConfig(
        dialplan=dialplan,
        ami_port=0,
        users=[AmiUser.build("hotline", "secret")],
        speed=speed,
        spool_dir=tmp_path / "spool",
        globals={"RECORD_CALLS": "no", "AGENT_RING_TIMEOUT": "6", **(globals or {})},
        sounds=[write_sounds(tmp_path / "sounds", sounds)],
    )
    agents = list(agents) if agents is not None else [agent(p.extension) for p in phones if p.kind == "agent"]
    async with Simulator(config) as sim:
        for profile in phones:
            sim.add_phone(profile)
        cut = TcpProxy("127.0.0.1", sim.ami_port) if proxy else None
        if cut is not None:
            await cut.start()
        settings = settings_for(tmp_path, cut.port if cut is not None else sim.ami_port, **acd)
        await write_directory(settings, agents)
        extension = acd_extension(clock=sim.clock, tick_every_s=0.01)
        async with contextlib.AsyncExitStack() as stack:
            if cut is not None:
                stack.push_async_callback(cut.stop)
            node = await stack.enter_async_context(CtiNode.running(settings, extensions=[extension]))
            sim.pbx.agi_override = f"127.0.0.1:{node.agi.port}"
            await node.ami.wait_connected(timeout_s=5)
            line = Hotline(sim, node, cut)
            line.acd.subscribe(line.events.append)
            if login:
                for a in agents:
                    await line.acd.login(a.id)
            yield line
