"""The AGI commands the simulated Asterisk serves, as res_agi.c implements them.

Each handler gets the channel and ``argv`` (the whole command line split by
``parse_command_line``, command words included, as in C) and returns the reply bytes and
how the command ended (:class:`Status`), which decides the AMI ``AGIExecEnd`` fields and
``AGISTATUS``.  :func:`find_command` matches words case-insensitively the way
``find_command(argv, 0)`` does: a command matches when all its words lead the line.

Commands Asterisk has that are not here (SAY ALPHA, RECORD FILE, DATABASE ..., SPEECH ...)
answer ``510`` in the simulator.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import structlog

from cti.agi.protocol import format_reply
from sim.agi.port import AgiChannel, ChannelHungUp, SoundMissing
from sim.agi.usage import USAGE

__all__ = ["COMMANDS", "AgiCommand", "Status", "ast_false", "ast_true", "find_command"]

log = structlog.get_logger(__name__)

AST_STATE_UP = 6
AST_DIGIT_ANY = "0123456789#*ABCD"
GETDATA_BUFFER = 1024  # char data[1024] in handle_getdata


class Status(enum.Enum):
    """What the C handler returned, with AGIExecEnd's ResultCode and Result."""

    SUCCESS = (200, "Success")
    FAILURE = (-1, "Failure")
    USAGE = (520, "Usage")
    UNKNOWN = (200, "Unknown Result")  # EXEC passes the application's return value through


Outcome = tuple[bytes, Status]
USAGE_OUTCOME: Outcome = (b"", Status.USAGE)
Handler = Callable[[AgiChannel, Sequence[str]], Awaitable[Outcome]]


@dataclass(frozen=True, slots=True)
class AgiCommand:
    words: tuple[str, ...]
    handler: Handler
    dead: bool  # answered on a hung-up channel

    @property
    def name(self) -> str:
        return " ".join(self.words).upper()

    @property
    def usage(self) -> str:
        return USAGE.get(self.name, "")


_SCAN_INT = re.compile(r"[ \t\n\v\f\r]*([+-]?[0-9]+)")


def scan_int(text: str) -> int | None:
    """C ``sscanf(text, "%d")``: leading blanks, a sign, digits; None if no number."""
    m = _SCAN_INT.match(text)
    return int(m.group(1)) if m else None


def atoi(text: str) -> int:
    value = scan_int(text)
    return 0 if value is None else value


def _ascii(digit: str | None) -> int:
    return ord(digit) if digit else 0


def _ok(result: int | str, data: str | None = None, endpos: int | None = None) -> Outcome:
    return format_reply(result, data, endpos), Status.SUCCESS


def _failed(result: int | str, endpos: int | None = None) -> Outcome:
    return format_reply(result, None, endpos), Status.FAILURE


# -- handlers, in res_agi.c's order and with its argument checks ---------------------------------
async def _answer(chan: AgiChannel, argv: Sequence[str]) -> Outcome:
    if chan.state != AST_STATE_UP:
        try:
            await chan.answer()
        except ChannelHungUp:
            return _failed(-1)
    return _ok(0)


async def _wait_for_digit(chan: AgiChannel, argv: Sequence[str]) -> Outcome:
    timeout = scan_int(argv[3]) if len(argv) == 4 else None
    if timeout is None:
        return USAGE_OUTCOME
    try:
        digit = await chan.wait_for_digit(-1 if timeout < 0 else timeout)
    except ChannelHungUp:
        return _failed(-1)
    return _ok(_ascii(digit))


async def _stream_file(chan: AgiChannel, argv: Sequence[str]) -> Outcome:
    if not 4 <= len(argv) <= 5:
        return USAGE_OUTCOME
    offset = 0
    if len(argv) > 4:
        scanned = scan_int(argv[4])
        if scanned is None:
            return USAGE_OUTCOME
        offset = scanned
    try:
        played = await chan.play(argv[2], argv[3])
    except ChannelHungUp:
        chan.set_variable("PLAYBACKSTATUS", "FAILED")
        return _failed(-1, endpos=offset)
    if not played.found:
        return _failed(-1, endpos=offset)
    res = _ascii(played.digit)
    chan.set_variable("PLAYBACKSTATUS", "FAILED" if res else "SUCCESS")
    return _ok(res, endpos=played.endpos)


async def _say_number(chan: AgiChannel, argv: Sequence[str]) -> Outcome:
    number = scan_int(argv[2]) if 4 <= len(argv) <= 5 else None
    if number is None:
        return USAGE_OUTCOME
    try:
        digit = await chan.say_number(number, argv[3], argv[4] if len(argv) > 4 else None)
    except (ChannelHungUp, SoundMissing):
        return _failed(-1)
    return _ok(_ascii(digit))


async def _say_digits(chan: AgiChannel, argv: Sequence[str]) -> Outcome:
    if len(argv) != 4 or scan_int(argv[2]) is None:
        return USAGE_OUTCOME
    try:
        digit = await chan.say_digits(argv[2], argv[3])
    except ChannelHungUp:
        return _failed(-1)
    return _ok(_ascii(digit))


async def _get_data(chan: AgiChannel, argv: Sequence[str]) -> Outcome:
    if len(argv) < 3:
        return USAGE_OUTCOME
    timeout = atoi(argv[3]) if len(argv) >= 4 else 0
    max_digits = min(atoi(argv[4]), GETDATA_BUFFER) if len(argv) >= 5 else GETDATA_BUFFER
    try:
        text, timed_out = await _read_digits(chan, argv[2], max_digits, timeout)
    except ChannelHungUp:
        return _ok(-1)  # handle_getdata answers -1 but still returns RESULT_SUCCESS
    if text is None:
        return _ok(-1)
    return _ok(text, "timeout" if timed_out else None)


async def _read_digits(
    chan: AgiChannel, prompt: str, max_digits: int, timeout_ms: int
) -> tuple[str | None, bool]:
    """ast_app_getdata_full + ast_readstring_full: (digits or None for -1, timed out)."""
    digit: str | None = None
    if max_digits == 0:
        # Asterisk starts the prompt, then ast_readstring_full refuses a zero-length buffer
        return None, False
    if prompt:
        played = await chan.play(prompt, AST_DIGIT_ANY)
        if not played.found:
            return None, False
        digit = played.digit
    if chan.hungup:
        return None, False
    first, between = (6000, 2000) if timeout_ms == 0 else (timeout_ms, timeout_ms)
    if timeout_ms < 0:
        first = between = -1
    wait = first
    collected = ""
    while True:
        if digit is None:
            digit = await chan.wait_for_digit(wait)
        if digit is None:
            return collected, True
        if digit == "#":
            return collected, False
        collected += digit
        if len(collected) >= max_digits:
            return collected, False
        digit, wait = None, between


async def _hangup(chan: AgiChannel, argv: Sequence[str]) -> Outcome:
    if len(argv) > 2:
        return USAGE_OUTCOME
    if len(argv) == 2 and argv[1] != chan.name:
        return _ok(-1)  # the simulator's AGI sees only its own channel
    await chan.hangup()
    return _ok(1)


async def _exec(chan: AgiChannel, argv: Sequence[str]) -> Outcome:
    if len(argv) < 2:
        return USAGE_OUTCOME
    data = argv[2] if len(argv) >= 3 else ""
    if ast_true(chan.get_variable("AGIEXECFULL")):
        data = chan.substitute(data)
    log.debug("agi.exec", channel=chan.name, application=argv[1], data=data)
    try:
        res = await chan.exec_application(argv[1], data)
    except ChannelHungUp:
        res = -1
    # handle_exec returns the application's value as its own status (1 would even add a 520)
    status = {0: Status.SUCCESS, 1: Status.USAGE, 2: Status.FAILURE}.get(res, Status.UNKNOWN)
    return format_reply(res), status


def ast_true(value: str | None) -> bool:
    """Asterisk's ``ast_true``: yes, true, y, t, 1, on."""
    return (value or "").strip().lower() in {"yes", "true", "y", "t", "1", "on"}


def ast_false(value: str | None) -> bool:
    """Asterisk's ``ast_false``: no, false, n, f, 0, off."""
    return (value or "").strip().lower() in {"no", "false", "n", "f", "0", "off"}


async def _channel_status(chan: AgiChannel, argv: Sequence[str]) -> Outcome:
    if len(argv) == 2:
        return _ok(chan.state)
    if len(argv) == 3:
        return _ok(chan.state if argv[2] == chan.name else -1)
    return USAGE_OUTCOME


async def _set_variable(chan: AgiChannel, argv: Sequence[str]) -> Outcome:
    if len(argv) != 4:
        return USAGE_OUTCOME
    chan.set_variable(argv[2], argv[3])
    return _ok(1)


async def _get_variable(chan: AgiChannel, argv: Sequence[str]) -> Outcome:
    if len(argv) != 3:
        return USAGE_OUTCOME
    value = chan.get_variable(argv[2])
    return _ok(1, value) if value is not None else _ok(0)


async def _get_full_variable(chan: AgiChannel, argv: Sequence[str]) -> Outcome:
    if len(argv) not in (4, 5):
        return USAGE_OUTCOME
    if len(argv) == 5 and argv[4] != chan.name:
        return _ok(0)
    return _ok(1, chan.substitute(argv[3]))


async def _verbose(chan: AgiChannel, argv: Sequence[str]) -> Outcome:
    if len(argv) < 2:
        return USAGE_OUTCOME
    level = scan_int(argv[2]) if len(argv) > 2 else None
    log.info("agi.verbose", channel=chan.name, message=argv[1], level=level or 0)
    return _ok(1)


async def _noop(chan: AgiChannel, argv: Sequence[str]) -> Outcome:
    return _ok(0)


async def _set_music(chan: AgiChannel, argv: Sequence[str]) -> Outcome:
    if len(argv) < 3:
        return USAGE_OUTCOME
    switch = argv[2].lower()
    if switch.startswith("on"):
        await chan.set_music(True, argv[3] if len(argv) > 3 else None)
    elif switch.startswith("off"):
        await chan.set_music(False, None)
    return _ok(0)


COMMANDS: tuple[AgiCommand, ...] = (
    AgiCommand(("answer",), _answer, dead=False),
    AgiCommand(("channel", "status"), _channel_status, dead=False),
    AgiCommand(("exec",), _exec, dead=True),
    AgiCommand(("get", "data"), _get_data, dead=False),
    AgiCommand(("get", "full", "variable"), _get_full_variable, dead=True),
    AgiCommand(("get", "variable"), _get_variable, dead=True),
    AgiCommand(("hangup",), _hangup, dead=False),
    AgiCommand(("noop",), _noop, dead=True),
    AgiCommand(("say", "digits"), _say_digits, dead=False),
    AgiCommand(("say", "number"), _say_number, dead=False),
    AgiCommand(("set", "music"), _set_music, dead=False),
    AgiCommand(("set", "variable"), _set_variable, dead=True),
    AgiCommand(("stream", "file"), _stream_file, dead=False),
    AgiCommand(("verbose",), _verbose, dead=True),
    AgiCommand(("wait", "for", "digit"), _wait_for_digit, dead=False),
)


def find_command(argv: Sequence[str]) -> AgiCommand | None:
    """The command whose words lead ``argv`` (case-insensitive), as res_agi.c finds it."""
    lowered = [w.lower() for w in argv[:3]]
    for command in COMMANDS:
        n = len(command.words)
        if len(lowered) >= n and tuple(lowered[:n]) == command.words:
            return command
    return None
