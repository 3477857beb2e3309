"""A simulated hotline in one process: the simulator and a CTI node running the ACD on its clock.

``async with simulated_hotline(workdir, lines=..., phones=..., agents=...) as line:`` starts the
simulator with the shipped dialplan plus ``[acd-callers]`` (:mod:`bench.hotline_calls`), writes
the agents to a fresh directory database, starts a CTI node with only the ACD extension, points
the simulator's ``AGI()`` at it and logs the agents in.  The ACD reads the simulator's clock, so
its waits, timers and statistics are in simulated seconds at any ``speed``; its timers are
polled every ``tick_every_s`` real seconds.  Calls are not recorded (``RECORD_CALLS=no``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acd.events import AcdEvent
from acd.model import Agent
from bench.hotline_calls import CALLERS_CONTEXT, Line, write_dialplan
from cti.acd_bridge.node import AcdNode
from node.root import Node, Parts, running_node
from node.settings import Settings, load_settings
from sim.ami.server import AmiUser
from sim.callers import Caller, CallerScript
from sim.main import Simulator, SimulatorConfig
from sim.phones import PhoneProfile
from storage.agents import upsert_agent
from storage.db import create_engine_from_settings, create_schema, session_factory

__all__ = ["SimulatedHotline", "simulated_hotline"]

USER, SECRET = "hotline", "bench-secret"


@dataclass
class SimulatedHotline:
    sim: Simulator
    node: Node
    events: list[AcdEvent] = field(default_factory=list)  # every ACD event, in order

    @property
    def acd(self) -> AcdNode:
        assert self.node.acd is not None
        return self.node.acd

    def call(self, exten: str, number: str | None = "13800000001", **script: Any) -> Caller:
        """A caller arriving now on ``[acd-callers]`` extension ``exten``."""
        return self.sim.call(CallerScript(number=number, dial=exten, context=CALLERS_CONTEXT, **script))


def node_settings(
    workdir: Path,
    ami_port: int,
    acd: Mapping[str, Any],
    redis: Mapping[str, Any] | None = None,
    storage_url: str | None = None,
    reports: Mapping[str, Any] | None = None,
) -> Settings:
    return load_settings(
        storage={"url": storage_url or f"sqlite+aiosqlite:///{workdir / 'cti.sqlite3'}"},
        ami={"host": "127.0.0.1", "port": ami_port, "username": USER, "secret": SECRET},
        agi={"host": "127.0.0.1", "port": 0},
        # simulated time may run past midnight: the benches' totals are of the whole run
        acd={"timezone": "", **acd},
        redis=dict(redis or {}),
        reports=dict(reports or {}),
    )


async def write_directory(settings: Settings, agents: Sequence[tuple[Agent, str]]) -> None:
    engine = create_engine_from_settings(settings.storage)
    try:
        await create_schema(engine)
        async with session_factory(engine)() as db:
            for agent, name in agents:
                await upsert_agent(db, agent, name)
            await db.commit()
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def simulated_hotline(
    workdir: Path,
    *,
    lines: Mapping[str, Line],
    phones: Sequence[PhoneProfile],
    agents: Sequence[tuple[Agent, str]],
    speed: float,
    login: bool = True,
    sim_globals: Mapping[str, str] | None = None,
    sounds: Sequence[Path] = (),
    tick_every_s: float = 0.01,
    connect_through: Callable[[int], Awaitable[int]] | None = None,
    seed: int = 0,
    acd: Mapping[str, Any] | None = None,
    redis: Mapping[str, Any] | None = None,
    storage_url: str | None = None,
    reports: Mapping[str, Any] | None = None,
) -> AsyncIterator[SimulatedHotline]:
    """See the module docstring; ``connect_through(sim_ami_port)`` may return another port for
    the node's AMI client (a proxy a test cuts); ``redis`` are the ``[redis]`` settings (with
    ``acd={"store": "redis"}``), ``storage_url`` another database than the work folder's SQLite,
    ``reports`` the ``[reports]`` settings."""
    config = SimulatorConfig(
        dialplan=write_dialplan(workdir / "extensions.conf", lines),
        ami_port=0,
        users=[AmiUser.build(USER, SECRET)],
        speed=speed,
        spool_dir=workdir / "spool",
        globals={"RECORD_CALLS": "no", **(sim_globals or {})},
        sounds=list(sounds),
        seed=seed,
    )
    async with Simulator(config) as sim:
        for profile in phones:
            sim.add_phone(profile)
        port = await connect_through(sim.ami_port) if connect_through is not None else sim.ami_port
        settings = node_settings(workdir, port, acd or {}, redis, storage_url, reports)
        await write_directory(settings, agents)
        parts = Parts(recordings=False, api=False, acd_clock=sim.clock, acd_tick_every_s=tick_every_s)
        async with running_node(settings, parts=parts) as node:
            sim.pbx.agi_override = f"127.0.0.1:{node.agi.port}"
            await node.ami.wait_connected(timeout_s=10)
            line = SimulatedHotline(sim, node)
            line.acd.subscribe(line.events.append)
            if login:
                for agent, _ in agents:
                    await line.acd.login(agent.id)
            yield line
