"""Recordings: post-processing with pydub, QA-only access, and the archive fed by a real call
on the simulator (MixMonitor file -> archived file + row with the call's identity)."""

from __future__ import annotations

import asyncio
import math
import shutil
import struct
import wave
from pathlib import Path

import pytest
from sqlalchemy import select

from cti.ami.channels import Channel
from cti.ami.events import Party
from node.root import running_node
from node.settings import load_settings
from recordings.access import may_listen
from recordings.archive import RecordingArchive
from recordings.postprocess import RecordingError, process
from recordings.settings import RecordingSettings
from sim.ami.server import AmiUser
from sim.callers import CallerScript
from sim.distributions import Fixed
from sim.main import Simulator, SimulatorConfig
from sim.phones import PhoneProfile
from storage.db import create_engine_from_settings, create_schema, session_factory
from storage.recordings import Recording, RecordingStatus
from storage.settings import StorageSettings

DIALPLAN = Path(__file__).parent / "data.extensions.conf"


def _tone(path: Path, seconds: float, amplitude: int) -> None:
    n = int(8000 * seconds)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(
            struct.pack(
                f"<{n}h", *(int(amplitude * math.sin(2 * math.pi * 440 * i / 8000)) for i in range(n))
            )
        )


def test_process_normalises_and_checksums(tmp_path: Path) -> None:
    src = tmp_path / "quiet.wav"
    _tone(src, 2.0, 300)  # about -43 dBFS
    done = process(src, tmp_path / "out" / "a.wav", fmt="wav", normalize_dbfs=-20.0)
    assert done.duration_s == pytest.approx(2.0, abs=0.01)
    from pydub import AudioSegment

    assert AudioSegment.from_file(str(done.path)).dBFS == pytest.approx(-20.0, abs=0.5)
    assert len(done.sha256) == 64 and done.size_bytes == done.path.stat().st_size


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed (apt-get install ffmpeg)")
def test_process_to_ogg(tmp_path: Path) -> None:
    src = tmp_path / "a.wav"
    _tone(src, 1.0, 3000)
    done = process(src, tmp_path / "a.ogg", fmt="ogg", normalize_dbfs=None)
    assert done.path.read_bytes()[:4] == b"OggS"
    assert done.duration_s == pytest.approx(1.0, abs=0.05)


def test_a_broken_file_is_a_clear_error(tmp_path: Path) -> None:
    src = tmp_path / "broken.wav"
    src.write_bytes(b"RIFF\x00\x00garbage")
    with pytest.raises(RecordingError, match=r"cannot read broken\.wav"):
        process(src, tmp_path / "x.wav", fmt="wav", normalize_dbfs=-20.0)
    assert not (tmp_path / "x.wav").exists()


@pytest.mark.parametrize(
    ("role", "own", "call", "allowed"),
    [
        ("qa-province", "province", "tianshui", True),
        ("qa-prefecture", "tianshui", "tianshui", True),
        ("qa-prefecture", "lanzhou", "tianshui", False),
        ("qa-province", "lanzhou", "tianshui", False),  # a provincial role, but a prefecture's user
        ("supervisor", "lanzhou", "tianshui", False),
        ("supervisor", "lanzhou", "lanzhou", True),
        ("supervisor", "province", "tianshui", True),
        ("admin", "province", "gannan", True),
        ("agent-senior", "tianshui", "tianshui", False),
        ("agent-junior", "tianshui", "tianshui", False),
        ("manager", "tianshui", "tianshui", False),
    ],
)
def test_only_qa_staff_in_scope_may_listen(role: str, own: str, call: str, allowed: bool) -> None:
    assert may_listen(role, own, call) is allowed


async def test_a_recorded_call_is_archived_with_its_identity(tmp_path: Path) -> None:
    sim_config = SimulatorConfig(
        dialplan=DIALPLAN,
        ami_port=0,
        users=[AmiUser.build("u", "s")],
        speed=5.0,
        spool_dir=tmp_path / "spool",
    )
    async with Simulator(sim_config) as sim:
        sim.add_phone(PhoneProfile("1001", ring=Fixed(1.0), talk=Fixed(6.0)))
        settings = load_settings(
            storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"},
            ami={"port": sim.ami_port, "username": "u", "secret": "s"},
            agi={"port": 0},
            recordings={"directory": str(tmp_path / "archive"), "normalize_dbfs": -20.0},
        )
        async with running_node(settings) as node:
            await node.ami.wait_connected(timeout_s=5)
            caller = sim.call(CallerScript(number="13800000002", dial="10000"))
            await asyncio.wait_for(caller.done.wait(), 10)
            assert node.recordings is not None
            await asyncio.wait_for(node.recordings.analysed.wait(), 10)
            async with node.sessions() as db:
                [row] = (await db.execute(select(Recording))).scalars().all()
    assert row.status is RecordingStatus.ARCHIVED, row.error
    assert (row.prefecture, row.agent, row.caller_number) == ("tianshui", "1001", "13800000002")
    assert caller.record is not None and row.uniqueid == caller.record.uniqueid
    assert row.path is not None and row.path.startswith("tianshui/")
    archived = tmp_path / "archive" / row.path
    assert archived.is_file()
    assert row.duration_s == pytest.approx(6.0, abs=1.0)  # recorded while bridged: the talk time
    assert not list((tmp_path / "spool" / "monitor").glob("*.wav"))  # the spool files were taken out
    # post-processing of MixMonitor's r() and t() files: the simulated parties take 3 s turns
    assert row.analysed_at is not None and row.flags == ""
    assert row.call_s == pytest.approx(6.0 / 5, abs=0.3)  # bridged, clocked in real time (the sim runs 5×)
    assert row.caller_talk_s == pytest.approx(3.0, abs=0.3) and row.agent_talk_s == pytest.approx(
        3.0, abs=0.3
    )
    assert row.overlap_s == pytest.approx(0.0, abs=0.1) and row.silence_s == pytest.approx(0.0, abs=0.2)
    assert (row.agent_id, row.category) == (None, "other")  # no agent directory in this database


async def test_a_spool_file_that_cannot_be_removed_still_leaves_an_archived_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asterisk's spool is often not ours to delete from: the call is archived all the same."""
    spool = tmp_path / "spool"
    spool.mkdir()
    _tone(spool / "hotline-1718000000.5.wav", 2.0, 3000)
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    engine = create_engine_from_settings(StorageSettings(url=url))
    await create_schema(engine)
    settings = RecordingSettings(directory=tmp_path / "archive")
    archive = RecordingArchive(settings, session_factory(engine), default_prefecture="lanzhou")
    channel = Channel(
        name="PJSIP/1001-00000005",
        uniqueid="1718000000.5",
        linkedid="1718000000.4",
        state=6,
        state_desc="Up",
        caller=Party("13800000001", ""),
        connected=Party("1001", ""),
        context="acd-connect",
        exten="1001",
        priority=3,
        variables=(
            ("MIXMONITOR_FILENAME", str(spool / "hotline-1718000000.5.wav")),
            ("HOTLINE_PREFECTURE", "baiyin"),
            ("HOTLINE_AGENT", "1001"),
        ),
    )

    def refuse(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "unlink", refuse)
    try:
        row = await archive.archive(channel)
    finally:
        await engine.dispose()
    assert row.status is RecordingStatus.ARCHIVED and row.path is not None
    assert row.path.startswith("baiyin/") and (tmp_path / "archive" / row.path).is_file()
    assert (spool / "hotline-1718000000.5.wav").is_file()  # left behind, and said so in the log
