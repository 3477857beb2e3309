"""sim.agi.client: connection, environment, dead mode and misbehaving FastAGI servers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from cti.agi.protocol import EnvironmentReader
from sim.agi.client import asterisk_environment, parse_agi_url, run_fastagi
from tests.sim.agi.fake_channel import FakeChannel

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def run_against(script: Script, channel: FakeChannel, path: str = "menu") -> str:
    """Run the AGI client against a one-shot server playing ``script``."""
    finished = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\n\n")
            await script(reader, writer)
        finally:
            writer.close()
            finished.set()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        status = await asyncio.wait_for(run_fastagi(channel, f"agi://127.0.0.1:{port}/{path}", []), 10)
        await asyncio.wait_for(finished.wait(), 5)
    finally:
        server.close()
        await server.wait_closed()
    return status


async def ask(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, line: bytes) -> bytes:
    writer.write(line)
    await writer.drain()
    return await asyncio.wait_for(reader.readline(), 5)


@pytest.mark.parametrize(
    ("url", "parsed"),
    [
        ("agi://127.0.0.1:4573/menu?lang=zh", ("127.0.0.1", 4573, "menu?lang=zh")),
        ("agi://cti.example/ivr", ("cti.example", 4573, "ivr")),
        ("agi://cti.example", ("cti.example", 4573, "")),
        ("agi://[::1]:5000/x", ("::1", 5000, "x")),
        ("agi://host:port/x", None),
        ("hagi://host/x", None),
        ("/var/lib/asterisk/agi-bin/x.sh", None),
        ("agi:///x", None),
    ],
)
def test_parse_agi_url(url: str, parsed: tuple[str, int, str] | None) -> None:
    assert parse_agi_url(url) == parsed


def test_environment_without_callerid() -> None:
    channel = FakeChannel(callerid_num=None, callerid_name=None, dnid="", rdnis="", accountcode="acct")
    pairs = dict(asterisk_environment(channel, "agi://h/", "", ["x"], 1))
    assert "agi_network_script" not in pairs
    assert pairs["agi_callerid"] == pairs["agi_calleridname"] == "unknown"
    assert pairs["agi_callingpres"] == "67"  # AST_PRES_NUMBER_NOT_AVAILABLE
    assert (pairs["agi_dnid"], pairs["agi_rdnis"], pairs["agi_accountcode"]) == ("unknown", "", "acct")
    assert pairs["agi_arg_1"] == "x"


async def test_environment_is_what_our_parser_reads() -> None:
    got: list[bytes] = []
    finished = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        got.append(await reader.readuntil(b"\n\n"))
        writer.close()
        finished.set()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    await run_fastagi(FakeChannel(), f"agi://127.0.0.1:{port}/ivr?a=1", ["one", "two, three"])
    await finished.wait()
    server.close()
    env = EnvironmentReader().feed(got[0])
    assert env is not None
    assert env.script == "ivr" and env.args == ("one", "two, three") and env.version == "22.10.1"


async def test_junk_lines_get_510_and_the_session_goes_on() -> None:
    replies: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        replies.append(await ask(reader, writer, b"\x00\xff\xfe junk\n"))
        replies.append(await ask(reader, writer, b"GET / HTTP/1.1\r\n"))
        replies.append(await ask(reader, writer, b"\n"))
        replies.append(await ask(reader, writer, b"NOOP\n"))

    assert await run_against(script, FakeChannel()) == "SUCCESS"
    assert replies == [b"510 Invalid or unknown command\n"] * 3 + [b"200 result=0\n"]


async def test_over_long_line_runs_as_two_commands() -> None:
    replies: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"SET VARIABLE X " + b"y" * 8200 + b"\n")
        replies.append(await reader.readline())
        replies.append(await reader.readline())

    channel = FakeChannel()
    await run_against(script, channel)
    assert replies == [b"200 result=1\n", b"510 Invalid or unknown command\n"]
    assert len(channel.variables["X"]) == 8191 - len("SET VARIABLE X ")


async def test_server_disconnecting_mid_command_is_survived() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b'STREAM FILE beep ""\nWAIT FOR DIGIT 100')  # last line cut short
        await writer.drain()
        writer.transport.abort()

    channel = FakeChannel()
    assert await run_against(script, channel) == "SUCCESS"
    assert [e["command"] for e in channel.agi_events if e["start"]] == [
        'STREAM FILE beep ""',
        "WAIT FOR DIGIT 100",
    ]


async def test_failure_line_ends_with_failure_and_a_last_hangup() -> None:
    tail: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"FAILURE\nNOOP\n")
        await writer.drain()
        tail.append(await asyncio.wait_for(reader.read(), 5))

    channel = FakeChannel()
    assert await run_against(script, channel) == "FAILURE"
    assert tail == [b"HANGUP\n"]  # NOOP never ran
    assert channel.variables["AGISTATUS"] == "FAILURE"


async def test_hangup_while_idle_is_announced_at_once_then_dead_mode() -> None:
    channel = FakeChannel()
    replies: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        channel.hang_up_now()
        replies.append(await asyncio.wait_for(reader.readline(), 5))  # unprompted
        for line in (b"ANSWER\n", b"GET VARIABLE CHANNEL\n", b"EXEC Wait 1\n", b"SET MUSIC on\n"):
            replies.append(await ask(reader, writer, line))

    assert await run_against(script, channel) == "HANGUP"
    dead = b"511 Command Not Permitted on a dead channel or intercept routine\n"
    assert replies == [
        b"HANGUP\n",
        dead,
        b"200 result=1 (Local/400@agi-00000019;2)\n",
        b"200 result=0\n",
        dead,
    ]


async def test_agi_on_a_channel_already_hung_up_runs_dead_without_notice() -> None:
    channel = FakeChannel()
    channel.hang_up_now()
    replies: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        replies.append(await ask(reader, writer, b"ANSWER\n"))
        replies.append(await ask(reader, writer, b"NOOP\n"))

    assert await run_against(script, channel) == "SUCCESS"
    assert replies[0].startswith(b"511 ") and replies[1] == b"200 result=0\n"


async def test_last_hangup_line_after_the_server_half_closes() -> None:
    tail: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert await ask(reader, writer, b"NOOP\n") == b"200 result=0\n"
        writer.write_eof()
        tail.append(await asyncio.wait_for(reader.read(), 5))

    assert await run_against(script, FakeChannel()) == "SUCCESS"
    assert tail == [b"HANGUP\n"]


async def test_exec_full_substitutes_and_hangup_during_exec() -> None:
    channel = FakeChannel()
    channel.variables["AGIEXECFULL"] = "yes"
    replies: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        replies.append(await ask(reader, writer, b"EXEC Set X=${CALLERID(num)}\n"))

    await run_against(script, channel)
    assert replies == [b"200 result=0\n"] and channel.variables["X"] == "13800138000"


async def test_commands_and_dead_flags_follow_res_agi() -> None:
    channel = FakeChannel(state=4)
    replies: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for line in (
            b"answer\n",
            b"CHANNEL STATUS Local/400@agi-00000019;2\n",
            b'SAY NUMBER 7 ""\n',
            b"SET MUSIC ONION bright\n",
            b"SET MUSIC off\n",
            b"GET DATA beep -1 1\n",
            b"HANGUP Local/400@agi-00000019;2\n",
        ):
            if line.startswith(b"GET DATA"):
                channel.press("5")
            replies.append(await ask(reader, writer, line))

    assert await run_against(script, channel) == "HANGUP"
    assert replies == [
        b"200 result=0\n",
        b"200 result=6\n",
        b"200 result=0\n",
        b"200 result=0\n",
        b"200 result=0\n",
        b"200 result=5\n",
        b"200 result=1\n",
    ]
    assert channel.music == [(True, "bright"), (False, None)] and channel.played[-1] == "beep"


async def test_agiexitonhangup_ends_the_agi_when_the_channel_hangs_up() -> None:
    channel = FakeChannel()
    channel.variables["AGIEXITONHANGUP"] = "yes"
    tail: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        channel.hang_up_now()
        tail.append(await asyncio.wait_for(reader.read(), 5))

    assert await run_against(script, channel) == "HANGUP"
    assert tail == [b"HANGUP\nHANGUP\n"]  # the notice, then the one run_agi sends on its way out


async def test_agisighup_no_silences_the_hangup_lines() -> None:
    channel = FakeChannel()
    channel.variables["AGISIGHUP"] = "no"
    replies: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        channel.hang_up_now()
        await asyncio.sleep(0.05)
        replies.append(await ask(reader, writer, b"ANSWER\n"))
        writer.write_eof()
        replies.append(await asyncio.wait_for(reader.read(), 5))

    assert await run_against(script, channel) == "HANGUP"
    assert replies == [b"511 Command Not Permitted on a dead channel or intercept routine\n", b""]
