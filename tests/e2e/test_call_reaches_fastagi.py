"""End to end through the shipped dialplan: a scripted caller dials the hotline number, the
dialplan answers and runs AGI() to our FastAGI server, the handler reads the caller's keys and
hangs up; meanwhile the AMI client's state model follows the caller's channel from
``Newchannel`` to ``Hangup`` with the Uniqueid and Linkedid the simulator gave it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from cti.agi.server import FastAgiServer
from cti.agi.session import AgiSession
from cti.ami.channels import ChannelAdded, ChannelRemoved
from cti.ami.client import AmiClient
from cti.ami.settings import AmiSettings
from sim.ami.server import AmiUser
from sim.callers import CallerScript, KeyStep
from sim.main import Simulator, SimulatorConfig

REPO = Path(__file__).resolve().parents[2]


async def test_a_caller_dials_the_hotline_and_our_fastagi_handler_reads_the_keys(tmp_path: Path) -> None:
    heard: dict[str, str] = {}
    done = asyncio.Event()

    async def probe(session: AgiSession) -> None:
        try:
            await session.answer()
            heard["uniqueid"] = session.env.uniqueid
            heard["callerid"] = session.env.callerid
            digits = await session.get_data("beep", timeout_ms=3000, max_digits=4)
            heard["digits"] = digits.value
            await session.set_variable("PROBE_DIGITS", digits.value)
            await session.hangup()
        finally:
            done.set()

    agi = FastAgiServer({"ivr": probe}, host="127.0.0.1", port=0)
    await agi.start()
    config = SimulatorConfig(
        dialplan=REPO / "dialplan" / "extensions.conf",
        ami_port=0,
        users=[AmiUser.build("hotline", "secret")],
        speed=2.0,
        spool_dir=tmp_path,
        agi=f"127.0.0.1:{agi.port}",
    )
    try:
        async with Simulator(config) as sim:
            settings = AmiSettings(host="127.0.0.1", port=sim.ami_port, username="hotline", secret="secret")
            async with AmiClient(settings) as ami:
                await ami.wait_connected(timeout_s=5)
                async with ami.changes() as changes:
                    caller = sim.call(
                        CallerScript(number="13800000001", dial="10000", steps=(KeyStep("42#", delay_s=0.2),))
                    )
                    assert caller.record is not None
                    uid = caller.record.uniqueid
                    seen: list[object] = []
                    async with asyncio.timeout(20):
                        async for change in changes:
                            if (
                                isinstance(change, ChannelAdded | ChannelRemoved)
                                and change.channel.uniqueid == uid
                            ):
                                seen.append(change)
                                if isinstance(change, ChannelRemoved):
                                    break
                    await asyncio.wait_for(done.wait(), 5)
    finally:
        await agi.stop()
    assert heard == {"uniqueid": uid, "callerid": "13800000001", "digits": "42"}
    added, removed = seen
    assert isinstance(added, ChannelAdded) and added.event == "Newchannel"
    assert added.channel.linkedid == uid  # the caller's channel starts its own call
    assert isinstance(removed, ChannelRemoved) and removed.event == "Hangup"
    assert removed.channel.linkedid == uid
    assert removed.channel.variable("PROBE_DIGITS") == "42"
    # what the caller heard: the prompt (interrupted by the first key)
    assert caller.channel is not None
    assert [(item.what, item.interrupted_by) for item in caller.channel.heard] == [("beep", "4")]
