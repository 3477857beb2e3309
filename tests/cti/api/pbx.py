"""A simulated Asterisk for call-control tests: the shipped dialplan, agents' and QA phones, an AMI
client, and a way to put a caller in conversation with an agent as ``[acd-connect]`` does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from cti.ami.channels import Channel
from cti.ami.client import AmiClient
from cti.ami.settings import AmiSettings
from sim.ami.server import AmiUser
from sim.callers import Caller, CallerScript
from sim.distributions import Fixed
from sim.main import DEFAULT_DIALPLAN, Simulator, SimulatorConfig
from sim.phones import PhoneProfile

AGENT_PHONES = ("1001", "1002", "1003", "1004")
QA_PHONES = ("8001", "8002", "8010")


@dataclass
class Pbx:
    sim: Simulator
    ami: AmiClient

    def call_agent(self, extension: str, number: str = "13800000001") -> Caller:
        """A caller already in ``[acd-connect]`` for ``extension``: it records and Dials the agent."""
        return self.sim.call(CallerScript(number=number, dial=extension, context="acd-connect"))

    async def connected(self, caller: Caller) -> tuple[Channel, Channel]:
        """Wait until the caller is bridged with the agent; (caller channel, agent leg)."""
        assert caller.record is not None
        uniqueid = caller.record.uniqueid
        await eventually(lambda: len(self.ami.state.bridge_peers(uniqueid)) == 1)
        chan = self.ami.state.channel(uniqueid)
        assert chan is not None
        return chan, self.ami.state.bridge_peers(uniqueid)[0]

    def channel(self, prefix: str) -> Channel | None:
        """The live channel whose name starts with ``prefix`` (e.g. ``PJSIP/1003-``)."""
        found = [c for c in self.ami.state if c.name.startswith(prefix)]
        return found[-1] if found else None


async def eventually(check: Callable[[], object], within_s: float = 5.0, every_s: float = 0.02) -> None:
    """Wait until ``check()`` is true; fail with the check's source after ``within_s``."""
    async with asyncio.timeout(within_s):
        while not check():  # noqa: ASYNC110 - polling the shared state is the point here
            await asyncio.sleep(every_s)


@asynccontextmanager
async def simulated_pbx(tmp_path: Path, *, speed: float = 1.0) -> AsyncIterator[Pbx]:
    config = SimulatorConfig(
        dialplan=DEFAULT_DIALPLAN,
        ami_port=0,
        users=[AmiUser.build("hotline", "secret")],
        speed=speed,
        spool_dir=tmp_path / "spool",
    )
    async with Simulator(config) as sim:
        for extension in AGENT_PHONES:
            sim.add_phone(PhoneProfile(extension, ring=Fixed(0.2), talk=None))
        for extension in QA_PHONES:
            sim.add_phone(PhoneProfile(extension, kind="qa", ring=Fixed(0.2), talk=None))
        settings = AmiSettings(host="127.0.0.1", port=sim.ami_port, username="hotline", secret="secret")
        async with AmiClient(settings) as ami:
            await ami.wait_connected(timeout_s=5)
            yield Pbx(sim, ami)
