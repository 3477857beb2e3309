"""Keys pressed back to back (SendDTMF from the other Local leg) survive on the real Asterisk 22 and
on ``hotline sim`` when an entry is read with GET DATA, and do not when it is read with one WAIT
FOR DIGIT per key on a busy node: between two AGI commands Asterisk reads and drops what the
channel receives, and the simulator does the same (``sim/agi/client.py``).

The caller keys 80 ms tones 50 ms apart (Asterisk's own minimum duration and gap); the "busy node"
answers each key 200 ms late, as a CTI node under load or waiting on its database would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from cti.agi.server import FastAgiServer
from cti.agi.session import AgiSession
from cti.ami.client import AmiClient
from cti.ami.settings import AmiSettings
from ivr.digit_entry import EntryEnd, EntryRead, read_entry
from tests.e2e.ivr.ami_caller import CALLER_CONTEXT, AmiCall, Press, ami_call
from tests.support.pbx import parametrize_pbx_kind, running_pbx
from tests.support.ports import free_port
from tests.support.real_asterisk import RealAsterisk
from tests.support.sim_process import SimProcess

pytestmark = pytest.mark.conformance

DIALPLAN = Path(__file__).parent / "data" / "digit_entry.extensions.conf"
BUSY_S = 0.2  # a busy node: each command 200 ms after the last answer
TEN_KEYS = "1234567890"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_pbx_kind(metafunc)


@pytest.fixture(scope="module")
def agi_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def pbx(
    pbx_kind: str, agi_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RealAsterisk | SimProcess]:
    conf = tmp_path_factory.mktemp("entry") / "extensions.conf"
    conf.write_text(DIALPLAN.read_text().replace("@AGI_PORT@", str(agi_port)) + CALLER_CONTEXT)
    with running_pbx(pbx_kind, extensions=conf) as running:
        yield running


class Reader:
    """The FastAGI routes: what each call read."""

    def __init__(self) -> None:
        self.entries: dict[str, EntryRead] = {}
        self.keys: dict[str, str] = {}

    async def entry(self, session: AgiSession) -> None:
        await session.answer()
        max_digits = int(session.env.query.get("max", "20"))
        self.entries[session.env.uniqueid] = await read_entry(session, "beep", "", max_digits, 3000)

    async def digit_by_digit(self, session: AgiSession) -> None:
        await session.answer()
        got = ""
        while (digit := await session.wait_for_digit(3000)) is not None:
            got += digit
            await asyncio.sleep(BUSY_S)
        self.keys[session.env.uniqueid] = got

    async def get_data(self, session: AgiSession) -> None:
        await session.answer()
        answer = await session.get_data("", 3000, len(TEN_KEYS))
        await asyncio.sleep(BUSY_S)  # as busy afterwards: nothing is lost, the keys are in
        self.keys[session.env.uniqueid] = answer.value


@pytest.fixture
async def reader(pbx: RealAsterisk | SimProcess, agi_port: int) -> AsyncIterator[tuple[Reader, AmiClient]]:
    reader = Reader()
    routes = {"entry": reader.entry, "digit-by-digit": reader.digit_by_digit, "get-data": reader.get_data}
    server = FastAgiServer(routes, host="127.0.0.1", port=agi_port)
    await server.start()
    ami = AmiClient(AmiSettings(host=pbx.host, port=pbx.ami_port, username=pbx.username, secret=pbx.secret))
    await ami.start()
    try:
        await ami.wait_connected(timeout_s=10)
        yield reader, ami
    finally:
        await ami.stop()
        await server.stop()


async def keyed(ami: AmiClient, exten: str, keys: str) -> AmiCall:
    async with asyncio.timeout(30):
        return await ami_call(ami, "555", [Press(keys)], exten=exten, context="entry")


def subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


async def test_a_number_keyed_back_to_back_is_read_whole(reader: tuple[Reader, AmiClient]) -> None:
    entries, ami = reader
    call = await keyed(ami, "number", "13800000001#")
    assert call.entries == ["GET DATA beep 3000 20"]  # one command for the whole entry
    assert entries.entries[call.uniqueid] == EntryRead(EntryEnd.DONE, "13800000001", "13800000001")


async def test_star_starts_the_entry_again_and_hash_ends_it(reader: tuple[Reader, AmiClient]) -> None:
    entries, ami = reader
    # "1234*123" fills GET DATA's 8; the rest of the new entry is read by a second GET DATA
    call = await keyed(ami, "restart", "1234*123456#")
    assert call.entries == ["GET DATA beep 3000 8", 'GET DATA "" 3000 5']
    assert entries.entries[call.uniqueid] == EntryRead(EntryEnd.DONE, "123456", "1234*123456")


async def test_one_wait_for_digit_per_key_loses_keys_on_a_busy_node(reader: tuple[Reader, AmiClient]) -> None:
    entries, ami = reader
    call = await keyed(ami, "slowwait", TEN_KEYS)
    got = entries.keys[call.uniqueid]
    assert got != TEN_KEYS and 3 <= len(got) <= 7 and subsequence(got, TEN_KEYS), got


async def test_get_data_loses_none_on_the_same_busy_node(reader: tuple[Reader, AmiClient]) -> None:
    entries, ami = reader
    call = await keyed(ami, "slowdata", TEN_KEYS)
    assert entries.keys[call.uniqueid] == TEN_KEYS
