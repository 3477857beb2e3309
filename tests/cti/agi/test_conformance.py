"""Our FastAGI server against the real Asterisk 22 (``../shared/asterisk``) and ``hotline sim``.

Asterisk runs ``data/conformance.extensions.conf``, whose AGI() URLs point at a
:class:`FastAgiServer` in the test; calls are ``Local/...`` channels originated over a raw
AMI socket, and the ``;1`` leg keys in DTMF with ``SendDTMF``.  The simulator's usage texts
(``sim/agi/usage.py``) are checked against the real ones on the way.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from cti.agi.errors import AgiApplicationNotFound, AgiHangup, AgiInvalidCommand, AgiUsageError
from cti.agi.server import FastAgiServer, Handler
from cti.agi.session import AgiSession, Digits, Playback
from cti.ami.protocol import AmiMessage, AmiParser, encode_message
from sim.agi.usage import USAGE
from tests.support.pbx import parametrize_pbx_kind, running_pbx
from tests.support.ports import free_port
from tests.support.real_asterisk import RealAsterisk
from tests.support.sim_process import SimProcess

pytestmark = pytest.mark.conformance

DIALPLAN = Path(__file__).parent / "data" / "conformance.extensions.conf"

# a command with bad arguments per usage text
BAD_SYNTAX = {
    "CHANNEL STATUS": ("CHANNEL", "STATUS", "a", "b"),
    "EXEC": ("EXEC",),
    "GET DATA": ("GET", "DATA"),
    "GET FULL VARIABLE": ("GET", "FULL", "VARIABLE"),
    "GET VARIABLE": ("GET", "VARIABLE"),
    "HANGUP": ("HANGUP", "a", "b"),
    "SAY DIGITS": ("SAY", "DIGITS", "abc", ""),
    "SAY NUMBER": ("SAY", "NUMBER"),
    "SET MUSIC": ("SET", "MUSIC"),
    "SET VARIABLE": ("SET", "VARIABLE", "A"),
    "STREAM FILE": ("STREAM", "FILE", "beep", "", "x"),
    "VERBOSE": ("VERBOSE",),
    "WAIT FOR DIGIT": ("WAIT", "FOR", "DIGIT"),
}


class Ami:
    """Just enough AMI over a raw socket: log in, send actions, watch events."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.parser = AmiParser(expect_banner=True)
        self.events: list[AmiMessage] = []
        self._arrived = asyncio.Event()
        self._task = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        while data := await self.reader.read(65536):
            for item in self.parser.feed(data):
                if isinstance(item, AmiMessage):
                    self.events.append(item)
                    self._arrived.set()

    def send(self, *headers: tuple[str, str]) -> None:
        self.writer.write(encode_message(headers))

    async def wait_for(self, match: Callable[[AmiMessage], bool], limit_s: float = 15) -> AmiMessage:
        async with asyncio.timeout(limit_s):
            seen = 0
            while True:
                for message in self.events[seen:]:
                    if match(message):
                        return message
                seen = len(self.events)
                self._arrived.clear()
                await self._arrived.wait()

    def varset(self, name: str, channel_prefix: str) -> Callable[[AmiMessage], bool]:
        return lambda m: (
            m.event == "VarSet"
            and m.get("Variable") == name
            and (m.get("Channel") or "").startswith(channel_prefix)
        )

    async def close(self) -> None:
        self._task.cancel()
        self.writer.close()


@pytest.fixture(scope="module")
def agi_port() -> int:
    return free_port()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_pbx_kind(metafunc)


@pytest.fixture(scope="module")
def asterisk(
    pbx_kind: str, agi_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RealAsterisk | SimProcess]:
    """The PBX under test: the real Asterisk or ``hotline sim``, on the same dialplan."""
    conf = tmp_path_factory.mktemp("agi") / "extensions.conf"
    conf.write_text(DIALPLAN.read_text().replace("@AGI_PORT@", str(agi_port)))
    with running_pbx(pbx_kind, extensions=conf) as pbx:
        yield pbx


@pytest.fixture
async def ami(asterisk: RealAsterisk | SimProcess) -> AsyncIterator[Ami]:
    reader, writer = await asyncio.open_connection(asterisk.host, asterisk.ami_port)
    client = Ami(reader, writer)
    client.send(("Action", "Login"), ("Username", asterisk.username), ("Secret", asterisk.secret))
    await client.wait_for(lambda m: m.response == "Success")
    await client.wait_for(lambda m: m.event == "FullyBooted")  # originating earlier can get lost
    try:
        yield client
    finally:
        await client.close()


@contextlib.asynccontextmanager
async def agi_server(port: int, routes: dict[str, Handler]) -> AsyncIterator[FastAgiServer]:
    async with FastAgiServer(routes, port=port, registry=CollectorRegistry(), drain_timeout_s=1) as server:
        yield server


def originate(ami: Ami, exten: str, *, dtmf_leg: bool) -> None:
    headers = [("Action", "Originate"), ("Channel", f"Local/{exten}@agi"), ("Async", "true")]
    if dtmf_leg:
        headers += [("Context", "dtmfsrc"), ("Exten", "s"), ("Priority", "1")]
    else:
        headers += [("Application", "Wait"), ("Data", "30")]
    headers.append(("CallerID", '"Conformance" <13800138000>'))
    ami.send(*headers)


async def test_ivr_call_reads_dtmf_from_the_caller(ami: Ami, agi_port: int) -> None:
    seen: dict[str, object] = {}
    done = asyncio.Event()

    async def ivr(agi: AgiSession) -> None:
        try:
            seen["env"] = agi.env
            await agi.answer()
            seen["beep"] = await agi.stream_file("beep")
            seen["data"] = await agi.get_data("beep", 5000, 4)
            seen["digit"] = await agi.wait_for_digit(5000)
            await agi.set_variable("IVR_CHOICE", f"{seen['data']}")
            seen["var"] = await agi.get_variable("IVR_CHOICE")
            seen["full"] = await agi.get_full_variable("${CALLERID(num)}-${CHANNEL(language)}")
            seen["status"] = await agi.channel_status()
            await agi.hangup()
        finally:
            done.set()

    async with agi_server(agi_port, {"ivr": ivr}):
        originate(ami, "400", dtmf_leg=True)
        await asyncio.wait_for(done.wait(), 20)
        status = await ami.wait_for(ami.varset("AGISTATUS", "Local/400@agi-"))
    env = seen["env"]
    assert env.script == "ivr" and dict(env.query) == {"lang": "zh", "id": "42"}  # type: ignore[attr-defined]
    assert env.args == ("first arg", "second") and env.callerid == "13800138000"  # type: ignore[attr-defined]
    assert seen["beep"] == Playback(None, 2000)
    assert seen["data"] == Digits("123", timed_out=False)  # '#' ends the input
    assert seen["digit"] == "7"
    assert seen["var"] == "Digits(value='123', timed_out=False)"
    assert seen["full"] == "13800138000-en"
    assert seen["status"] == 6
    assert status.get("Value") == "HANGUP"  # the AGI hung up its own channel


async def test_command_semantics_and_usage_texts(ami: Ami, agi_port: int) -> None:
    seen: dict[str, object] = {}
    usages: dict[str, str] = {}
    done = asyncio.Event()

    async def syntax(agi: AgiSession) -> None:
        try:
            seen["missing"] = await agi.stream_file("nosuchfile")
            with pytest.raises(AgiInvalidCommand):
                await agi.command("FOO", "BAR")
            with pytest.raises(AgiApplicationNotFound):
                await agi.exec("NoSuchApp", "x")
            assert await agi.exec("Set", "AFTER=set by exec") == 0
            for name, words in BAD_SYNTAX.items():
                with pytest.raises(AgiUsageError) as info:
                    await agi.command(*words)
                usages[name] = info.value.usage
            await agi.set_variable("QUOTED", 'x"y\\z with spaces')
            seen["quoted"] = await agi.get_variable("QUOTED")
            seen["nosuch"] = await agi.get_variable("NOSUCH")
            seen["other"] = await agi.channel_status("Local/nosuch")
        finally:
            done.set()

    async with agi_server(agi_port, {"syntax": syntax}):
        originate(ami, "401", dtmf_leg=False)
        await asyncio.wait_for(done.wait(), 20)
        status = await ami.wait_for(ami.varset("AGISTATUS", "Local/401@agi-"))
    assert seen["missing"] == Playback(None, 0, ok=False)
    assert seen["quoted"] == 'x"y\\z with spaces'
    assert seen["nosuch"] is None and seen["other"] == -1
    assert usages == {name: USAGE[name] for name in BAD_SYNTAX}  # the simulator's texts are Asterisk's
    assert status.get("Value") == "FAILURE"  # STREAM FILE of a missing file, as in agi_01/ami_17


async def test_unknown_script_sets_agistatus_failure(ami: Ami, agi_port: int) -> None:
    async with agi_server(agi_port, {}):
        originate(ami, "402", dtmf_leg=False)
        after = await ami.wait_for(ami.varset("AFTER", "Local/402@agi-"))
    assert after.get("Value") == "FAILURE"  # the dialplan carried on and can fall back


async def test_caller_hangup_during_wait_for_digit(ami: Ami, agi_port: int) -> None:
    waiting, done = asyncio.Event(), asyncio.Event()
    seen: dict[str, object] = {}

    async def abandon(agi: AgiSession) -> None:
        seen["channel"] = agi.env.channel
        try:
            waiting.set()
            await agi.wait_for_digit(15000)
        except AgiHangup:
            seen["hungup"] = agi.hungup
            await agi.set_variable("IVR_ABANDONED", "yes")  # Asterisk still answers this
            seen["after"] = await agi.get_variable("IVR_ABANDONED")
        finally:
            done.set()

    async with agi_server(agi_port, {"abandon": abandon}):
        originate(ami, "403", dtmf_leg=False)
        await asyncio.wait_for(waiting.wait(), 10)
        await asyncio.sleep(0.3)
        caller = str(seen["channel"]).replace(";2", ";1")
        ami.send(("Action", "Hangup"), ("Channel", caller))
        await asyncio.wait_for(done.wait(), 10)
        status = await ami.wait_for(ami.varset("AGISTATUS", "Local/403@agi-"))
    assert seen["hungup"] is True and seen["after"] == "yes"
    assert status.get("Value") == "HANGUP"
