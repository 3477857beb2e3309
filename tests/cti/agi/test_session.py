"""AgiSession against a scripted peer: what goes on the wire, how replies are read."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry

from cti.agi.errors import (
    AgiApplicationNotFound,
    AgiCommandFailed,
    AgiHangup,
    AgiInvalidCommand,
    AgiTimeout,
    AgiUsageError,
)
from cti.agi.metrics import AgiMetrics
from cti.agi.protocol import EnvironmentReader
from cti.agi.session import AgiSession, AgiTimeouts, Digits, Playback
from tests.sim.agi.captures import capture


class Peer:
    """The transport of a session, played by the test: records lines, answers on demand."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.closed = False
        self._written = asyncio.Event()

    def write(self, data: bytes) -> None:
        self.lines.append(data)
        self._written.set()

    async def drain(self) -> None:
        return None

    def close(self) -> None:
        self.closed = True

    async def next_line(self) -> bytes:
        while not self.lines:
            self._written.clear()
            await asyncio.wait_for(self._written.wait(), 2)
        return self.lines.pop(0)


def make_session(
    timeouts: AgiTimeouts | None = None, metrics: AgiMetrics | None = None
) -> tuple[AgiSession, Peer]:
    env = EnvironmentReader().feed(capture("agi_01_fastagi_session").environment)
    assert env is not None
    peer = Peer()
    return AgiSession(env, peer, timeouts=timeouts, metrics=metrics), peer


async def exchange(
    session: AgiSession, peer: Peer, call: object, *replies: bytes
) -> tuple[list[bytes], object]:
    """Run ``call`` (a coroutine); answer each line it writes with the next reply."""
    task = asyncio.ensure_future(call)  # type: ignore[call-overload]
    sent = []
    for reply in replies:
        sent.append(await peer.next_line())
        session.receive(reply)
    return sent, await asyncio.wait_for(task, 2)


async def test_typed_commands_write_asterisk_lines_and_read_results() -> None:
    s, p = make_session()
    assert await exchange(s, p, s.answer(), b"200 result=0\n") == ([b"ANSWER\n"], None)
    assert await exchange(s, p, s.get_variable("CALLERID(num)"), b"200 result=1 (13800138000)\n") == (
        [b"GET VARIABLE CALLERID(num)\n"],
        "13800138000",
    )
    assert (await exchange(s, p, s.get_variable("NOSUCH"), b"200 result=0\n"))[1] is None
    assert (await exchange(s, p, s.get_variable("E"), b"200 result=1 ()\n"))[1] == ""
    assert await exchange(s, p, s.stream_file("beep"), b"200 result=0 endpos=2000\n") == (
        [b'STREAM FILE beep ""\n'],
        Playback(None, 2000, ok=True),
    )
    assert (await exchange(s, p, s.stream_file("beep", "0123456789#*"), b"200 result=51 endpos=1440\n"))[
        1
    ] == Playback("3", 1440)
    assert await exchange(s, p, s.wait_for_digit(5000), b"200 result=55\n") == (
        [b"WAIT FOR DIGIT 5000\n"],
        "7",
    )
    assert (await exchange(s, p, s.wait_for_digit(1000), b"200 result=0\n"))[1] is None
    assert (await exchange(s, p, s.say_digits("123"), b"200 result=0\n"))[0] == [b'SAY DIGITS 123 ""\n']
    assert (await exchange(s, p, s.say_number(42, "5", "f"), b"200 result=53\n")) == (
        [b"SAY NUMBER 42 5 f\n"],
        "5",
    )
    assert (await exchange(s, p, s.set_variable("FOO", "a b"), b"200 result=1\n"))[0] == [
        b'SET VARIABLE FOO "a b"\n'
    ]
    assert await exchange(s, p, s.get_full_variable("${FOO}-${CHANNEL}"), b"200 result=1 (bar-x)\n") == (
        [b"GET FULL VARIABLE ${FOO}-${CHANNEL}\n"],
        "bar-x",
    )
    assert (await exchange(s, p, s.get_full_variable("${X}", "Local/1"), b"200 result=0\n")) == (
        [b"GET FULL VARIABLE ${X} Local/1\n"],
        None,
    )
    assert await exchange(s, p, s.exec("Dial", "Local/1@x", "20"), b"200 result=0\n") == (
        [b"EXEC Dial Local/1@x,20\n"],
        0,
    )
    assert (await exchange(s, p, s.exec("Wait"), b"200 result=0\n"))[0] == [b"EXEC Wait\n"]
    assert (await exchange(s, p, s.set_music(True, "default"), b"200 result=0\n"))[0] == [
        b"SET MUSIC on default\n"
    ]
    assert (await exchange(s, p, s.set_music(False), b"200 result=0\n"))[0] == [b"SET MUSIC off\n"]
    assert await exchange(s, p, s.channel_status(), b"200 result=6\n") == ([b"CHANNEL STATUS\n"], 6)
    assert (await exchange(s, p, s.verbose("hello from fastagi"), b"200 result=1\n"))[0] == [
        b'VERBOSE "hello from fastagi" 1\n'
    ]
    assert (await exchange(s, p, s.command("NOOP"), b"200 result=0\n"))[1].result == "0"  # type: ignore[attr-defined]
    assert not s.hungup
    assert (await exchange(s, p, s.hangup(), b"200 result=1\n"))[0] == [b"HANGUP\n"]
    assert s.hungup


@pytest.mark.parametrize(
    ("args", "line", "reply", "digits"),
    [
        (("beep", 2000, 3), b"GET DATA beep 2000 3\n", b"200 result=123\n", Digits("123", False)),
        (("beep",), b"GET DATA beep\n", b"200 result= (timeout)\n", Digits("", True)),
        (("beep", None, 5), b"GET DATA beep 0 5\n", b"200 result=45 (timeout)\n", Digits("45", True)),
        (("beep", 1500), b"GET DATA beep 1500\n", b"200 result=\n", Digits("", False)),
        (("beep", 1500), b"GET DATA beep 1500\n", b"200 result=007*\n", Digits("007*", False)),
    ],
)
async def test_get_data(args: tuple[str, int | None, int], line: bytes, reply: bytes, digits: Digits) -> None:
    s, p = make_session()
    assert await exchange(s, p, s.get_data(*args), reply) == ([line], digits)


async def test_get_data_rejects_zero_digits() -> None:
    s, _ = make_session()
    with pytest.raises(ValueError):
        await s.get_data("beep", 1000, 0)


async def test_missing_file_on_live_channel_is_not_ok_after_a_status_probe() -> None:
    s, p = make_session()
    sent, result = await exchange(
        s, p, s.stream_file("nosuchfile"), b"200 result=-1 endpos=0\n", b"200 result=6\n"
    )
    assert sent == [b'STREAM FILE nosuchfile ""\n', b"CHANNEL STATUS\n"]
    assert result == Playback(None, 0, ok=False)
    assert not s.hungup


async def test_minus_one_then_hangup_notice_raises_hangup() -> None:
    s, p = make_session()
    task = asyncio.ensure_future(s.wait_for_digit(10000))
    assert await p.next_line() == b"WAIT FOR DIGIT 10000\n"
    s.receive(b"200 result=-1\nHANGUP\n")  # agi_02: the notice right behind the reply
    with pytest.raises(AgiHangup):
        await task
    assert s.hungup and p.lines == []  # no probe needed


async def test_minus_one_with_late_notice_is_settled_by_the_probe() -> None:
    s, p = make_session()
    task = asyncio.ensure_future(s.get_data("beep", 1000, 2))
    await p.next_line()
    s.receive(b"200 result=-1\n")
    assert await p.next_line() == b"CHANNEL STATUS\n"
    s.receive(b"HANGUP\n511 Command Not Permitted on a dead channel or intercept routine\n")
    with pytest.raises(AgiHangup):
        await task


async def test_minus_one_on_live_channel_is_a_command_failure() -> None:
    s, p = make_session()
    task = asyncio.ensure_future(s.get_data("nosuchfile", 1000, 2))
    await p.next_line()
    s.receive(b"200 result=-1\n")
    await p.next_line()
    s.receive(b"200 result=6\n")
    with pytest.raises(AgiCommandFailed) as info:
        await task
    assert info.value.reply.result == "-1"


async def test_after_hangup_only_dead_channel_commands_are_sent() -> None:
    s, p = make_session()
    s.receive(b"HANGUP\n")
    assert s.hungup
    for call in (
        s.answer(),
        s.stream_file("beep"),
        s.wait_for_digit(1000),
        s.get_data("beep"),
        s.channel_status(),
    ):
        with pytest.raises(AgiHangup):
            await call
    assert p.lines == []
    assert (await exchange(s, p, s.get_variable("FOO"), b"200 result=1 (bar)\n"))[1] == "bar"
    assert (await exchange(s, p, s.get_full_variable("${FOO}"), b"200 result=1 (bar)\n"))[1] == "bar"
    await exchange(s, p, s.verbose("bye"), b"200 result=1\n")
    await exchange(s, p, s.set_variable("SAVED", "1"), b"200 result=1\n")
    await exchange(s, p, s.command("NOOP"), b"200 result=0\n")
    with pytest.raises(AgiHangup):  # allow_dead sends it anyway; Asterisk answers 511
        await exchange(s, p, s.command("ANSWER", allow_dead=True), b"511 Command Not Permitted\n")
    await s.hangup()  # already gone: nothing to do
    assert p.lines == []


async def test_511_marks_the_session_hung_up() -> None:
    s, p = make_session()
    task = asyncio.ensure_future(s.channel_status())
    await p.next_line()
    s.receive(b"511 Command Not Permitted on a dead channel or intercept routine\n")
    with pytest.raises(AgiHangup):
        await task
    assert s.hungup


async def test_510_520_and_exec_not_found() -> None:
    s, p = make_session()
    task = asyncio.ensure_future(s.command("FOO", "BAR"))
    await p.next_line()
    s.receive(b"510 Invalid or unknown command\n")
    with pytest.raises(AgiInvalidCommand):
        await task
    task = asyncio.ensure_future(s.command("GET", "DATA"))
    await p.next_line()
    s.receive(
        b"520-Invalid command syntax.  Proper usage follows:\nline 1\nline 2\n520 End of proper usage.\n"
    )
    with pytest.raises(AgiUsageError) as usage:
        await task
    assert usage.value.usage == "line 1\nline 2"
    task = asyncio.ensure_future(s.exec("NoSuchApp", "x"))
    assert await p.next_line() == b"EXEC NoSuchApp x\n"
    s.receive(b"200 result=-2\n")
    with pytest.raises(AgiApplicationNotFound):
        await task


async def test_timeout_closes_the_session() -> None:
    s, p = make_session(AgiTimeouts(command_s=0.05))
    with pytest.raises(AgiTimeout):
        await s.get_variable("X")
    assert p.closed and s.closed and s.hungup
    with pytest.raises(AgiHangup):
        await s.get_variable("X")


async def test_digit_waits_get_their_own_timeout() -> None:
    s, p = make_session(AgiTimeouts(command_s=0.01, margin_s=0.2))
    task = asyncio.ensure_future(s.wait_for_digit(100))
    await p.next_line()
    await asyncio.sleep(0.05)  # longer than command_s, shorter than 100 ms + margin
    s.receive(b"200 result=0\n")
    assert await task is None


async def test_connection_lost_while_waiting_raises_hangup() -> None:
    s, p = make_session()
    task = asyncio.ensure_future(s.wait_for_digit(5000))
    await p.next_line()
    s.connection_lost()
    with pytest.raises(AgiHangup):
        await task
    assert s.hungup


async def test_commands_are_serialised() -> None:
    s, p = make_session()
    first = asyncio.ensure_future(s.get_variable("A"))
    second = asyncio.ensure_future(s.get_variable("B"))
    assert await p.next_line() == b"GET VARIABLE A\n"
    await asyncio.sleep(0.01)
    assert p.lines == []  # B waits for A's reply
    s.receive(b"200 result=1 (a)\n")
    assert await p.next_line() == b"GET VARIABLE B\n"
    s.receive(b"200 result=1 (b)\n")
    assert (await first, await second) == ("a", "b")


async def test_junk_and_unexpected_replies_are_logged_and_counted() -> None:
    registry = CollectorRegistry()
    s, p = make_session(metrics=AgiMetrics(registry))
    s.receive(b"what is this\n200 result=0\n")
    _, value = await exchange(s, p, s.get_variable("A"), b"garbage\n200 result=1 (a)\n")
    assert value == "a"
    assert registry.get_sample_value("hotline_agi_errors_total", {"kind": "malformed_line"}) == 2
    assert registry.get_sample_value("hotline_agi_errors_total", {"kind": "unexpected_reply"}) == 1
    assert (
        registry.get_sample_value("hotline_agi_commands_total", {"command": "GET VARIABLE", "outcome": "ok"})
        == 1
    )


async def test_words_agi_cannot_carry_are_refused_before_sending() -> None:
    s, p = make_session()
    with pytest.raises(ValueError):
        await s.set_variable("X", "two\nlines")
    assert p.lines == []
