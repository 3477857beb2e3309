"""Replay every AMI capture of the real Asterisk against ``hotline sim`` and compare the answers.

The simulator runs the same dialplan and queues as the captured Asterisk
(``../shared/asterisk/conf``) and gets the same requests at the same (scaled) times; see
``tests/support/captures.py`` for what "the same answer" means.  It runs in this process
(``--pbx`` ``sim``) and in its container (``sim-container``: the application image, started with
the same settings through ``hotline sim``'s options, its AMI reached over the host's network).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sim.ami.server import AmiUser
from sim.main import Simulator, SimulatorConfig
from tests.support.captures import CAPTURES, capture_names, compare, parse_stream, raw, read_capture
from tests.support.pbx import selected_pbx_kinds
from tests.support.replay import (
    AgiScript,
    SideSession,
    agi_script_from_ami,
    agi_script_from_capture,
    replay_client,
    run_side_sessions,
)
from tests.support.shared import require_shared
from tests.support.sim_container import sim_container

CONF = CAPTURES.parent / "conf"
SPEED = 4.0

# without the shared captures there is one test that skips (or fails in CI) saying so
NAMES = capture_names("ami_") or ["<no captures>"]

# The FastAGI server each AGI capture talked to.
AGI_SCRIPTS = {
    "ami_17_agi_originate_side": lambda: agi_script_from_capture("agi_01_fastagi_session"),
    "ami_19_agi_args_caller_hangup": lambda: agi_script_from_capture("agi_02_args_and_caller_hangup"),
    "ami_20_agi_senddtmf_other_leg": lambda: agi_script_from_ami("ami_20_agi_senddtmf_other_leg"),
}
# Other connections a capture's scenario made while it was recorded (ami_24's header).
SIDE_SESSIONS = {
    "ami_24_security_events_observer": [
        SideSession(0.5, [b"Action: Login\r\nUsername: hotline\r\nSecret: wrong\r\n\r\n"]),
        SideSession(2.3, [b"Action: Login\r\nUsername: nobody\r\nSecret: x\r\n\r\n"]),
        SideSession(
            4.1,
            [
                b"Action: Login\r\nUsername: hotline\r\nSecret: s3cret\r\nEvents: off\r\n\r\n",
                b"Action: Logoff\r\n\r\n",
            ],
        ),
    ]
}


# Captures recorded on an Asterisk that had run others just before: app_queue's statistics and the
# device states it had cached carry over (ami_16's first QueueStatus shows the calls of ami_21 and
# ami_22; ami_22 publishes no Queue:<name>_avail state that ami_21 had already set).
PRELUDES = {
    "ami_22_queue_noanswer_timeout": ["ami_21_queue_ringall_two_members"],
    "ami_16_queue_acd": ["ami_21_queue_ringall_two_members", "ami_22_queue_noanswer_timeout"],
}


def _first_sequence(name: str) -> tuple[int, int]:
    """The channel sequence number and Uniqueid counter the captured Asterisk was at."""
    import re

    data = raw(name, "recv").decode("utf-8", "replace")
    seq = re.search(r"(?:Local|PJSIP)/[^\s;]+-([0-9a-f]{8});", data)
    uid = re.search(r"Uniqueid: \d+\.(\d+)", data)
    return (int(seq.group(1), 16) if seq else 1), (int(uid.group(1)) if uid else 1)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "simulator" in metafunc.fixturenames:
        kinds = [k for k in selected_pbx_kinds(metafunc.config) if k in ("sim", "sim-container")]
        metafunc.parametrize("simulator", kinds)


@contextlib.asynccontextmanager
async def running_simulator(
    simulator: str, *, dialplan: Path, agi: str, spool: Path, uid: int, seq: int, challenges: list[str]
) -> AsyncIterator[int]:
    """The simulator, started where the captured Asterisk was; yields its AMI port."""
    if simulator == "sim-container":
        options = ["--uniqueid-start", str(uid), "--channel-sequence-start", str(seq)]
        for challenge in challenges:
            options += ["--challenge", challenge]
        started = sim_container(
            dialplan=dialplan,
            agi=agi,
            speed=SPEED,
            spool_dir=spool,
            queues=CONF / "queues.conf",
            extra_args=options,
        )
        # podman run / stop block for a moment: not on the loop the AGI script serves from
        contained = await asyncio.to_thread(started.__enter__)
        try:
            yield contained.ami_port
        finally:
            await asyncio.to_thread(started.__exit__, None, None, None)
        return
    config = SimulatorConfig(
        dialplan=dialplan,
        ami_port=0,
        users=[AmiUser.build("hotline", "s3cret")],
        speed=SPEED,
        spool_dir=spool,
        agi=agi,
        uniqueid_start=uid,
        channel_sequence_start=seq,
        queues=CONF / "queues.conf",
    )
    async with Simulator(config) as sim:
        sim.ami.preset_challenges = challenges
        yield sim.ami_port


@pytest.mark.parametrize("name", NAMES)
async def test_simulator_answers_like_the_real_asterisk(name: str, simulator: str, tmp_path: Path) -> None:
    if not CAPTURES.is_dir():
        require_shared("the captured AMI exchanges in captures/")
    seq, uid = _first_sequence(name)
    agi = AGI_SCRIPTS.get(name)
    script = AgiScript(agi(), speed=SPEED) if agi else None
    agi_server = None
    if script is not None:
        agi_server = await asyncio.start_server(script.serve, "127.0.0.1", 0)
        agi_addr = f"127.0.0.1:{agi_server.sockets[0].getsockname()[1]}"
    else:
        # nothing listens here: ami_18 shows what AGI() does then
        probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        agi_addr = f"127.0.0.1:{probe.sockets[0].getsockname()[1]}"
        probe.close()
        await probe.wait_closed()
    # the captured Asterisk loaded the sample as extensions.conf ("dialplan show" names the file)
    dialplan = tmp_path / "extensions.conf"
    dialplan.write_text((CONF / "extensions.sample.conf").read_text())
    chunks = read_capture(name)
    # an MD5 login's key was computed from the challenge the real Asterisk gave
    challenges = [m.get("Challenge") or "" for m in parse_stream(raw(name, "recv")) if m.get("Challenge")]
    async with running_simulator(
        simulator,
        dialplan=dialplan,
        agi=agi_addr,
        spool=tmp_path / "spool",
        uid=uid,
        seq=seq,
        challenges=challenges,
    ) as ami_port:
        for prelude in PRELUDES.get(name, []):
            await replay_client(read_capture(prelude), "127.0.0.1", ami_port, speed=SPEED)
        side = SIDE_SESSIONS.get(name)
        side_task = None
        if side:
            side_task = asyncio.create_task(run_side_sessions(side, "127.0.0.1", ami_port, speed=SPEED))
        received = await replay_client(chunks, "127.0.0.1", ami_port, speed=SPEED)
        if side_task is not None:
            await side_task
    if agi_server is not None:
        agi_server.close()
        await agi_server.wait_closed()
    assert received.startswith(b"Asterisk Call Manager/11.0.0\r\n")
    problems = compare(raw(name, "recv"), received)
    assert not problems, f"{name}: the simulator differs from the real Asterisk:\n" + "\n".join(problems[:40])
