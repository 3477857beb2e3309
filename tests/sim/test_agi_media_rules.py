"""What the real Asterisk 22 does with SAY NUMBER, SAY DIGITS and DTMF under AGI, and the
simulator doing the same (the IVR end-to-end tests found these differences):

- SAY NUMBER composes Chinese numbers with ``ast_say_number_full_zh`` (15 is ``digits/10``
  ``digits/5``, 105 has a ``digits/0``), skipping a missing file; English stops at a missing
  file and answers ``result=-1`` (and the AGI ends with ``AGISTATUS=FAILURE``);
- SAY DIGITS skips missing files and characters it has no file for (``-`` is ``digits/minus``);
- a key pressed between two AGI commands is lost: ``run_agi`` reads and frees every frame while
  it waits for the next command.

The last test runs the same script against ``hotline sim`` and the real Asterisk (``--pbx``);
the others check the simulator in process, faster and in more detail.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from cti.agi.protocol import AgiReply
from cti.agi.server import FastAgiServer
from cti.agi.session import AgiSession
from cti.ami.client import AmiClient
from cti.ami.settings import AmiSettings
from sim.callers import Caller, CallerScript, KeyStep
from sim.main import Simulator, SimulatorConfig
from sim.media import SoundLibrary, digit_files, zh_number_files
from tests.support.pbx import parametrize_pbx_kind, running_pbx
from tests.support.ports import free_port
from tests.support.real_asterisk import RealAsterisk
from tests.support.sim_process import SimProcess

DIALPLAN = """
[general]
static = yes

[agi-test]
exten => 500,1,Answer()
 same => n,AGI(agi://127.0.0.1:@PORT@/probe)
 same => n,NoOp(AGISTATUS=${AGISTATUS})
 same => n,Hangup()
"""

# say.c's ast_say_number_full_zh, traced by hand
ZH = {
    7: "7",
    10: "10",
    15: "10 5",
    25: "20 5",
    100: "1 hundred",
    105: "1 hundred 0 5",
    110: "1 hundred 10",
    123: "1 hundred 20 3",
    1001: "1 thousand 0 1",
    1010: "1 thousand 0 10",
    1100: "1 thousand 1 hundred",
    2345: "2 thousand 3 hundred 40 5",
    10005: "1 wan 0 5",
    12345: "1 wan 2 thousand 3 hundred 40 5",
    100000: "10 wan",
    300000000: "3 yi",
    -7: "minus 7",
    0: "0",
}


@pytest.mark.parametrize(("number", "spoken"), sorted(ZH.items()))
def test_chinese_numbers_are_composed_as_asterisk_does(number: int, spoken: str) -> None:
    files = SoundLibrary().number_files(number, "zh")
    assert files == [f"digits/{word}" for word in spoken.split()]
    assert files == zh_number_files(number)


def test_numbers_in_other_languages_are_english() -> None:
    library = SoundLibrary()
    assert library.number_files(15, "en") == ["digits/15"]
    assert library.number_files(123, "fr") == ["digits/1", "digits/hundred", "digits/20", "digits/3"]
    with pytest.raises(ValueError):
        library.number_files(1_000_000_000, "zh")  # "Number '...' is too big for me"


def test_say_digits_files() -> None:
    assert digit_files("12-3*#x") == [
        "digits/1",
        "digits/2",
        "digits/minus",
        "digits/3",
        "digits/star",
        "digits/pound",
    ]


Probe = Callable[[AgiSession, Caller], Awaitable[None]]


async def run_probe(tmp_path: Path, probe: Probe, *steps: KeyStep) -> tuple[Caller, str]:
    """One call into ``probe`` (a FastAGI handler) on the simulator with its built-in sounds
    (``beep``, ``digits/0``-``9``, as the real test Asterisk has); returns the caller and AGISTATUS."""
    done = asyncio.Event()
    callers: list[Caller] = []

    async def handler(session: AgiSession) -> None:
        try:
            await probe(session, callers[0])
        finally:
            done.set()

    port = free_port()
    conf = tmp_path / "extensions.conf"
    conf.write_text(DIALPLAN.replace("@PORT@", str(port)))
    config = SimulatorConfig(
        dialplan=conf, ami_port=0, speed=20.0, spool_dir=tmp_path, sounds=[tmp_path / "none"]
    )
    server = FastAgiServer({"probe": handler}, port=port, registry=CollectorRegistry(), drain_timeout_s=1)
    async with server, Simulator(config) as sim:
        callers.append(
            sim.call(CallerScript(number="13800000001", dial="500", context="agi-test", steps=steps))
        )
        async with asyncio.timeout(10):
            await done.wait()
            await callers[0].done.wait()
    channel = callers[0].channel
    assert channel is not None
    return callers[0], channel.variables.get("AGISTATUS", "")


async def test_say_number_in_english_fails_on_a_missing_sound_chinese_skips_it(tmp_path: Path) -> None:
    replies: dict[str, AgiReply] = {}

    async def probe(agi: AgiSession, caller: Caller) -> None:
        replies["en 25"] = await agi.command("SAY", "NUMBER", "25", "")  # digits/20: no such sound
        replies["en 7"] = await agi.command("SAY", "NUMBER", "7", "")
        await agi.set_variable("CHANNEL(language)", "zh")
        replies["zh 25"] = await agi.command("SAY", "NUMBER", "25", "")
        replies["digits"] = await agi.command("SAY", "DIGITS", "12-3", "")

    caller, status = await run_probe(tmp_path, probe)
    assert {k: r.result for k, r in replies.items()} == {
        "en 25": "-1",
        "en 7": "0",
        "zh 25": "0",
        "digits": "0",
    }
    assert caller.channel is not None
    assert [h.what for h in caller.channel.heard] == [
        "digits/7",
        "digits/5",
        "digits/1",
        "digits/2",
        "digits/3",
    ]
    assert status == "FAILURE"  # a command failed on a live channel


async def test_a_key_pressed_between_commands_is_lost_one_pressed_during_a_wait_is_read(
    tmp_path: Path,
) -> None:
    got: dict[str, str | None] = {}

    async def probe(agi: AgiSession, caller: Caller) -> None:
        got["during a wait"] = await agi.wait_for_digit(5000)  # the scripted caller keys 7 on cue
        await agi.set_variable("STEP", "1")
        caller.press("5")  # nothing reads the channel now
        got["after the gap"] = await agi.wait_for_digit(2000)

    _caller, status = await run_probe(tmp_path, probe, KeyStep("7", on="wait", delay_s=0.5))
    assert got == {"after the gap": None, "during a wait": "7"}
    assert status == "SUCCESS"


async def test_key_steps_cued_by_a_wait_or_by_a_sound(tmp_path: Path) -> None:
    got: dict[str, str | None] = {}

    async def probe(agi: AgiSession, caller: Caller) -> None:
        got["first beep"] = (await agi.stream_file("beep", "123")).digit  # "wait": not during a prompt
        got["wait"] = await agi.wait_for_digit(5000)
        got["digit 4"] = (await agi.stream_file("digits/4", "123")).digit
        got["second beep"] = (await agi.stream_file("beep", "123")).digit  # cued by this sound

    steps = (KeyStep("1", on="wait", delay_s=0.1), KeyStep("2", on="beep", delay_s=0.1))
    caller, _status = await run_probe(tmp_path, probe, *steps)
    assert got == {"first beep": None, "wait": "1", "digit 4": None, "second beep": "2"}
    assert caller.channel is not None
    assert [(h.what, h.interrupted_by) for h in caller.channel.heard] == [
        ("beep", None),
        ("digits/4", None),
        ("beep", "2"),
    ]


# -- the same on the real Asterisk ----------------------------------------------------------------
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_pbx_kind(metafunc)


@pytest.fixture(scope="module")
def agi_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def pbx(
    pbx_kind: str, agi_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RealAsterisk | SimProcess]:
    folder = tmp_path_factory.mktemp("media-rules")
    conf = folder / "extensions.conf"
    conf.write_text(DIALPLAN.replace("@PORT@", str(agi_port)))
    (folder / "sounds").mkdir()  # the simulator: only its built-in beep and digits, like the real one
    with running_pbx(pbx_kind, extensions=conf, sim_sounds=folder / "sounds") as running:
        yield running


@pytest.fixture
async def ami(pbx: RealAsterisk | SimProcess) -> AsyncIterator[AmiClient]:
    settings = AmiSettings(host=pbx.host, port=pbx.ami_port, username=pbx.username, secret=pbx.secret)
    async with AmiClient(settings) as client:
        await client.wait_connected(timeout_s=10)
        yield client


@pytest.mark.conformance
async def test_say_and_dtmf_rules_on_both_pbxs(ami: AmiClient, agi_port: int) -> None:
    seen: dict[str, object] = {}
    ready, go, done = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def probe(agi: AgiSession) -> None:
        try:
            seen["channel"] = agi.env.channel
            await agi.set_variable("STEP", "1")
            ready.set()
            await go.wait()  # the test has sent a key towards this channel meanwhile
            await asyncio.sleep(0.3)
            seen["after the gap"] = await agi.wait_for_digit(1000)
            seen["en 25"] = (await agi.command("SAY", "NUMBER", "25", "")).result
            await agi.set_variable("CHANNEL(language)", "zh")
            seen["zh 25"] = (await agi.command("SAY", "NUMBER", "25", "")).result
            seen["digits"] = (await agi.command("SAY", "DIGITS", "12-3", "")).result
        finally:
            done.set()

    async with (
        FastAgiServer({"probe": probe}, port=agi_port, registry=CollectorRegistry(), drain_timeout_s=1),
        ami.subscribe("VarSet") as varsets,
    ):
        await ami.action(
            "Originate",
            Channel="Local/500@agi-test",
            Application="Wait",
            Data="30",
            Async="true",
            CallerID="<13800000001>",
        )
        await asyncio.wait_for(ready.wait(), 15)
        caller_leg = str(seen["channel"]).replace(";2", ";1")
        await ami.action("PlayDTMF", Channel=caller_leg, Digit="5", Duration="120")
        go.set()
        await asyncio.wait_for(done.wait(), 15)
        async with asyncio.timeout(15):
            async for event in varsets:
                if event.get("Variable") == "AGISTATUS" and event.get("Channel") == seen["channel"]:
                    break
    assert {k: v for k, v in seen.items() if k != "channel"} == {
        "after the gap": None,
        "en 25": "-1",
        "zh 25": "0",
        "digits": "0",
    }
    assert event.get("Value") == "FAILURE"
