"""``hotline agi-classic``: a real subprocess driven over pipes, as Asterisk drives AGI()."""

from __future__ import annotations

import asyncio
import signal
import sys

from tests.support.real_asterisk import REPO

ENV = (
    b"agi_request: hotline\n"
    b"agi_channel: Local/400@agi-00000001;2\n"
    b"agi_language: en\n"
    b"agi_type: Local\n"
    b"agi_uniqueid: 1795673821.51\n"
    b"agi_version: 22.10.1\n"
    b"agi_callerid: 13800138000\n"
    b"agi_context: agi\n"
    b"agi_extension: 400\n"
    b"agi_priority: 3\n"
    b"agi_enhanced: 0.0\n"
    b"agi_accountcode: \n"
    b"agi_threadid: 1\n"
    b"agi_arg_1: agi-classic\n"
    b"agi_arg_2: x y\n"
    b"\n"
)


class Script:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, target: str, env: bytes = ENV) -> Script:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "cli.main",
            "agi-classic",
            target,
            cwd=REPO,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert proc.stdin is not None
        proc.stdin.write(env)
        return cls(proc)

    async def command(self) -> bytes:
        assert self.proc.stdout is not None
        return await asyncio.wait_for(self.proc.stdout.readline(), 20)

    async def reply(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        await self.proc.stdin.drain()

    async def finish(self) -> tuple[int, bytes, bytes]:
        assert self.proc.stdout is not None and self.proc.stderr is not None
        rest = await asyncio.wait_for(self.proc.stdout.read(), 20)
        err = await self.proc.stderr.read()
        code = await asyncio.wait_for(self.proc.wait(), 20)
        return code, rest, err


async def test_a_handler_runs_over_stdin_stdout() -> None:
    s = await Script.start("tests.cti.agi.classic_handlers:menu")
    assert await s.command() == b"ANSWER\n"
    await s.reply(b"200 result=0\n")
    assert await s.command() == b"GET DATA beep 2000 3\n"
    await s.reply(b"200 result=123\n")
    assert await s.command() == b'SET VARIABLE CHOICE "hotline:agi-classic,x y:123"\n'
    await s.reply(b"200 result=1\n")
    code, rest, err = await s.finish()
    assert (code, rest) == (0, b""), err.decode()
    assert b"agi.classic_end" in err  # logs go to stderr, never into the command stream


async def test_sighup_is_the_hangup_notice() -> None:
    s = await Script.start("tests.cti.agi.classic_handlers:survey")
    assert await s.command() == b"WAIT FOR DIGIT 10000\n"
    s.proc.send_signal(signal.SIGHUP)  # what Asterisk does when the caller hangs up
    await asyncio.sleep(0.3)
    await s.reply(b"200 result=-1\n")
    line = await s.command()
    if line == b"CHANNEL STATUS\n":  # the signal was late: the probe settles it
        await s.reply(b"511 Command Not Permitted on a dead channel or intercept routine\n")
        line = await s.command()
    assert line == b"SET VARIABLE SURVEY abandoned\n"
    await s.reply(b"200 result=1\n")
    code, _, err = await s.finish()
    assert code == 0, err.decode()


async def test_handler_error_exits_non_zero_so_agistatus_is_failure() -> None:
    s = await Script.start("tests.cti.agi.classic_handlers:broken")
    assert await s.command() == b'VERBOSE "about to fail" 1\n'
    await s.reply(b"200 result=1\n")
    code, _, err = await s.finish()
    assert code == 1 and b"agi.classic_handler_failed" in err


async def test_stdin_closed_cancels_the_handler() -> None:
    s = await Script.start("tests.cti.agi.classic_handlers:survey")
    assert await s.command() == b"WAIT FOR DIGIT 10000\n"
    assert s.proc.stdin is not None
    s.proc.stdin.close()
    code, _, err = await s.finish()
    assert code == 0 and b"agi.classic" in err


async def test_bad_environment_and_bad_target_exit_non_zero() -> None:
    s = await Script.start("tests.cti.agi.classic_handlers:menu", env=b"GET / HTTP/1.1\n\n")
    code, _, err = await s.finish()
    assert code == 1 and b"agi.classic_bad_environment" in err
    s = await Script.start("tests.cti.agi.classic_handlers:nosuch")
    code, _, err = await s.finish()
    assert code == 1 and b"agi.classic_bad_target" in err
