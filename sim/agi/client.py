"""The simulated Asterisk's ``AGI(agi://host[:port]/script?query,arg1,arg2)`` application.

It does what res_agi.c does for FastAGI: connect (2 s limit, port 4573 by default; no
connection -> ``AGISTATUS=FAILURE``), send ``agi_network`` / ``agi_network_script`` and the
environment block, then read one command per line and answer it byte for byte as Asterisk
22 does (see :mod:`sim.agi.commands`).  When the channel hangs up it sends the unprompted
``HANGUP`` line once and carries on in "dead" mode, where only GET VARIABLE, GET FULL
VARIABLE, SET VARIABLE, EXEC, VERBOSE and NOOP still run and the rest get ``511`` -- until
the server closes the connection.  A line starting with ``failure`` ends the AGI with
``FAILURE``.  At the end it writes a last ``HANGUP`` line (Asterisk's SIGHUP for FastAGI),
closes, sets ``AGISTATUS`` on the channel and returns it: ``SUCCESS``, ``FAILURE`` (could
not connect; a channel command failed on a live channel, e.g. STREAM FILE of a missing
file) or ``HANGUP`` (the caller hung up).

Between commands Asterisk reads and frees whatever the channel receives, so DTMF that no
command was waiting for (pressed while the server thinks, or during SET VARIABLE) is lost;
the client drops it before each command.  Each command is published as AMI ``AGIExecStart``
/ ``AGIExecEnd`` through the channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque
from collections.abc import Sequence

import structlog

from cti.agi.environment import format_environment
from cti.agi.protocol import (
    DEAD_CHANNEL,
    HANGUP_NOTICE,
    INVALID_COMMAND,
    CommandReader,
    format_reply,
    format_usage,
    parse_command_line,
)
from sim.agi.commands import Status, ast_false, ast_true, find_command
from sim.agi.port import AgiChannel

__all__ = ["AGI_PORT", "AGI_VERSION", "asterisk_environment", "parse_agi_url", "run_fastagi"]

log = structlog.get_logger(__name__)

AGI_VERSION = "22.10.1"
AGI_PORT = 4573
CONNECT_TIMEOUT_S = 2.0  # MAX_AGI_CONNECT
AST_PRES_NUMBER_NOT_AVAILABLE = 0x43
_DEAD_TEXT = "Command Not Permitted on a dead channel or intercept routine"


def parse_agi_url(url: str) -> tuple[str, int, str] | None:
    """``agi://host[:port][/script]`` -> (host, port, script as sent in agi_network_script)."""
    if not url.startswith("agi://"):
        return None
    hostport, _, script = url[len("agi://") :].partition("/")
    host, port = hostport, AGI_PORT
    if hostport.startswith("["):  # [v6]:port
        inner, _, rest = hostport[1:].partition("]")
        host = inner
        if rest.startswith(":"):
            port_text = rest[1:]
            if not port_text.isdigit():
                return None
            port = int(port_text)
    elif ":" in hostport:
        host, _, port_text = hostport.rpartition(":")
        if not port_text.isdigit():
            return None
        port = int(port_text)
    if not host:
        return None
    return host, port, script


def asterisk_environment(
    chan: AgiChannel, request: str, script: str, args: Sequence[str], threadid: int
) -> list[tuple[str, str]]:
    """The variables launch_netscript + setup_env send, in their order."""
    num, name = chan.callerid_num, chan.callerid_name
    pres = 0 if (num is not None or name is not None) else AST_PRES_NUMBER_NOT_AVAILABLE
    pairs = [("agi_network", "yes")]
    if script:
        pairs.append(("agi_network_script", script))
    pairs += [
        ("agi_request", request),
        ("agi_channel", chan.name),
        ("agi_language", chan.language),
        ("agi_type", chan.tech),
        ("agi_uniqueid", chan.uniqueid),
        ("agi_version", AGI_VERSION),
        ("agi_callerid", "unknown" if num is None else num),
        ("agi_calleridname", "unknown" if name is None else name),
        ("agi_callingpres", str(pres)),
        ("agi_callingani2", "0"),
        ("agi_callington", "0"),
        ("agi_callingtns", "0"),
        ("agi_dnid", chan.dnid or "unknown"),
        ("agi_rdnis", "unknown" if chan.rdnis is None else chan.rdnis),
        ("agi_context", chan.context),
        ("agi_extension", chan.exten),
        ("agi_priority", str(chan.priority)),
        ("agi_enhanced", "0.0"),
        ("agi_accountcode", chan.accountcode),
        ("agi_threadid", str(threadid)),
    ]
    pairs += [(f"agi_arg_{i}", arg) for i, arg in enumerate(args, start=1)]
    return pairs


async def run_fastagi(channel: AgiChannel, url: str, args: Sequence[str]) -> str:
    """Run ``AGI(url,args...)`` on ``channel``; returns (and sets) ``AGISTATUS``."""
    status = "FAILURE"
    target = parse_agi_url(url)
    if target is None:
        log.warning("agi.bad_url", channel=channel.name, url=url)
    else:
        host, port, script = target
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                reader, writer = await asyncio.open_connection(host, port)
        except (OSError, TimeoutError) as exc:
            log.warning(
                "agi.connect_failed", channel=channel.name, url=url, error=str(exc) or type(exc).__name__
            )
        else:
            threadid = 0x7F0000000000 + (id(asyncio.current_task()) & 0xFFFFFFFFFF)
            conversation = _Conversation(channel, reader, writer)
            status = await conversation.run(asterisk_environment(channel, url, script, args, threadid))
    channel.set_variable("AGISTATUS", status)
    log.info("agi.completed", channel=channel.name, url=url, status=status)
    return status


class _Conversation:
    """run_agi()'s loop for one connection."""

    def __init__(self, chan: AgiChannel, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.chan = chan
        self.reader = reader
        self.writer = writer
        self.lines: deque[str] = deque()
        self.commands = CommandReader()
        self.eof = False
        self.dead = chan.hungup  # AGI() on a hung-up channel runs dead from the start, silently
        self.hangup_seen = False
        # channel variables run_agi() reads: AGISIGHUP=no silences the HANGUP lines,
        # AGIEXITONHANGUP=yes ends the AGI as soon as the channel hangs up
        self.send_hangup = not ast_false(chan.get_variable("AGISIGHUP"))
        self.exit_on_hangup = ast_true(chan.get_variable("AGIEXITONHANGUP"))
        self.wake = asyncio.Event()

    async def run(self, env: list[tuple[str, str]]) -> str:
        status = "SUCCESS"
        self._send(format_environment(env))
        # the socket is read all along (as the kernel buffers it for Asterisk); lines wait in order
        tasks = [asyncio.ensure_future(self._read())]
        if not self.dead:
            tasks.append(asyncio.ensure_future(self._watch_hangup()))
        try:
            while True:
                if not self.dead and (self.hangup_seen or self.chan.hungup):
                    self.dead = True
                    if self.send_hangup:
                        self._send(HANGUP_NOTICE)
                    status = "HANGUP" if status == "SUCCESS" else status
                    if self.exit_on_hangup:
                        break
                if not self.lines:
                    if self.eof:
                        break
                    self.wake.clear()
                    await self.wake.wait()
                    continue
                line = self.lines.popleft()
                if line[:7].lower() == "failure":
                    status = "FAILURE"
                    break
                # run_agi() reads and frees every frame that arrives between commands: DTMF
                # pressed while no command was reading the channel is gone
                self.chan.flush_digits()
                outcome = await self._command(line)
                if outcome is Status.FAILURE and (self.dead or not self.chan.hungup):
                    status = "FAILURE"
                await self._drain()
        finally:
            for task in tasks:
                task.cancel()
            await self._close()
        return status

    async def _read(self) -> None:
        try:
            while data := await self.reader.read(65536):
                self.lines.extend(self.commands.feed(data))
                self.wake.set()
        except (ConnectionError, OSError):
            pass
        self.lines.extend(self.commands.feed_eof())
        self.eof = True
        self.wake.set()

    async def _watch_hangup(self) -> None:
        await self.chan.wait_hangup()
        self.hangup_seen = True
        self.wake.set()

    def _send(self, data: bytes) -> None:
        if data and not self.writer.is_closing():
            self.writer.write(data)

    async def _drain(self) -> None:
        with contextlib.suppress(ConnectionError, OSError):  # the server went away: the reader sees it
            await self.writer.drain()

    async def _close(self) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            if self.send_hangup:
                self._send(HANGUP_NOTICE)
            await self.writer.drain()
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()

    async def _command(self, line: str) -> Status | None:
        """agi_handle_command(): reply to one line; the handler's status, None for 510/511."""
        chan = self.chan
        argv = parse_command_line(line)
        command_id = random.randrange(2**31)
        chan.publish_agi_exec(start=True, command_id=command_id, command=line)
        command = find_command(argv)
        if command is None:
            self._send(INVALID_COMMAND)
            chan.publish_agi_exec(
                start=False,
                command_id=command_id,
                command=line,
                result_code=510,
                result="Invalid or unknown command",
            )
            return None
        if self.dead and not command.dead:
            self._send(DEAD_CHANNEL)
            chan.publish_agi_exec(
                start=False, command_id=command_id, command=line, result_code=511, result=_DEAD_TEXT
            )
            return None
        try:
            reply, status = await command.handler(chan, argv)
        except Exception:
            # a fault in the simulated channel must not kill the call's AGI
            log.exception("agi.command_failed", channel=chan.name, command=line)
            reply, status = format_reply(-1), Status.FAILURE
        self._send(reply)
        code, text = status.value
        chan.publish_agi_exec(start=False, command_id=command_id, command=line, result_code=code, result=text)
        if status is Status.USAGE:
            self._send(format_usage(command.usage))
        return status
