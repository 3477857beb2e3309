"""The whole hotline in this process for browser tests: the simulated Asterisk (shipped dialplan,
agents' and QA phones), a CTI node with the IVR, the ACD and the HTTP API on a free port, and a
database with the demo data (customers, tickets, agents, users)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cti.api.server import RunningApi
from node.root import Node, Parts, running_node
from node.settings import Settings, load_settings
from sim.ami.server import AmiUser
from sim.callers import Caller, CallerScript, KeyStep
from sim.distributions import Fixed
from sim.main import DEFAULT_DIALPLAN, Simulator, SimulatorConfig
from sim.phones import PhoneProfile
from tests.support.demo_databases import demo_database

AGENT_PHONES = ("1001", "1002", "1003", "1004", "1005")
QA_PHONES = ("8001", "8002", "8010")


@dataclass
class Stack:
    sim: Simulator
    node: Node
    api: RunningApi

    @property
    def url(self) -> str:
        return self.api.url

    def caller_for_an_agent(self, number: str = "13800000001") -> Caller:
        """A customer dials the hotline and presses 0 (an agent) at the main menu."""
        return self.sim.call(
            CallerScript(number=number, dial="10000", context="from-pstn", steps=(KeyStep("0"),))
        )


def _settings(workdir: Path, ami_port: int) -> Settings:
    return load_settings(
        storage={"url": f"sqlite+aiosqlite:///{workdir / 'hotline.sqlite3'}"},
        ami={"host": "127.0.0.1", "port": ami_port, "username": "hotline", "secret": "browser-secret"},
        agi={"host": "127.0.0.1", "port": 0},
        acd={"wrapup_s": 60.0, "ring_timeout_s": 10.0},
        api={"host": "127.0.0.1", "port": 0, "listen": True},
        ivr={"prompts_dir": str(workdir / "prompts")},
        recordings={"directory": str(workdir / "recordings")},
    )


@contextlib.asynccontextmanager
async def running_stack(workdir: Path) -> AsyncIterator[Stack]:
    config = SimulatorConfig(
        dialplan=DEFAULT_DIALPLAN,
        ami_port=0,
        users=[AmiUser.build("hotline", "browser-secret")],
        spool_dir=workdir / "spool",
        globals={"RECORD_CALLS": "no"},
    )
    async with Simulator(config) as sim:
        for extension in AGENT_PHONES:
            sim.add_phone(PhoneProfile(extension, ring=Fixed(0.5), talk=None))
        for extension in QA_PHONES:
            sim.add_phone(PhoneProfile(extension, kind="qa", ring=Fixed(0.5), talk=None))
        settings = _settings(workdir, sim.ami_port)
        async with (
            demo_database(settings.storage.url, date.today()),  # seeded before the node opens it
            running_node(settings, parts=Parts(recordings=False)) as node,
        ):
            sim.pbx.agi_override = f"127.0.0.1:{node.agi.port}"
            await node.ami.wait_connected(timeout_s=10)
            assert node.api is not None
            yield Stack(sim, node, node.api)
