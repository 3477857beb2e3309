"""The AGI wire format, sans I/O, in both directions.

Our side (the FastAGI server): :func:`format_command` turns words into one command line
quoted the way Asterisk's ``parse_args`` reads it back, and :class:`ReplyReader` turns the
bytes Asterisk answers with into typed items -- :class:`AgiReply` (``200 result=...``,
``510``, ``511``), :class:`UsageReply` (``520``, one or many lines), :class:`HangupNotice`
(the unprompted ``HANGUP`` line, which can arrive between a command and its reply) and
:class:`MalformedLine` for anything else.  The reader never raises on input.

The other side (the simulated Asterisk): :class:`CommandReader` cuts the command stream into
lines as Asterisk's ``fgets`` loop does, :func:`parse_command_line` splits one as
``parse_args`` does, and :func:`format_reply` / :func:`format_usage` write replies
byte for byte as ``res_agi.c`` does.

The ``agi_*`` environment block lives in :mod:`cti.agi.environment` and is re-exported here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cti.agi.environment import (
    AgiEnvironment,
    EnvironmentReader,
    format_environment,
    parse_environment,
)
from cti.agi.errors import AgiProtocolError
from cti.wire_text import unsafe_character

__all__ = [
    "DEAD_CHANNEL",
    "HANGUP_NOTICE",
    "INVALID_COMMAND",
    "MAX_ARGS",
    "MAX_COMMAND_BYTES",
    "USAGE_NOT_AVAILABLE",
    "AgiEnvironment",
    "AgiProtocolError",
    "AgiReply",
    "CommandReader",
    "EnvironmentReader",
    "HangupNotice",
    "MalformedLine",
    "ReplyItem",
    "ReplyReader",
    "UsageReply",
    "format_command",
    "format_environment",
    "format_reply",
    "format_usage",
    "parse_command_line",
    "parse_environment",
]

# res_agi.c: char buf[AGI_BUF_LEN = 8192] read with fgets, so a command is at most 8191 bytes;
# parse_args keeps at most MAX_ARGS - 1 = 127 words.
MAX_COMMAND_BYTES = 8191
MAX_ARGS = 128
HANGUP_NOTICE = b"HANGUP\n"
INVALID_COMMAND = b"510 Invalid or unknown command\n"
DEAD_CHANNEL = b"511 Command Not Permitted on a dead channel or intercept routine\n"
USAGE_NOT_AVAILABLE = b"520 Invalid command syntax.  Proper usage not available.\n"
_USAGE_HEAD = "520-Invalid command syntax.  Proper usage follows:"
_USAGE_END = "520 End of proper usage."
DEFAULT_MAX_LINE_BYTES = 256 * 1024
DEFAULT_MAX_USAGE_LINES = 200
DEFAULT_MAX_CONTINUATION_LINES = 100

_RESULT = re.compile(r"(?P<code>\d{3}) result=(?P<result>[^ ]*)(?P<rest>.*)\Z", re.S)
_ENDPOS = re.compile(r"(?:^| )endpos=(?P<endpos>-?\d+)\Z")
_CODE_TEXT = re.compile(r"(?P<code>5\d\d) (?P<text>.*)\Z")


# -- items ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AgiReply:
    """One reply line: ``<code> result=<result>[ (<data>)][ endpos=<endpos>]``.

    ``result`` is kept as text: GET DATA answers digit strings (``007``, ``12*``, or empty).
    ``data`` is the text in parentheses, ``extra`` whatever else followed (for ``510`` and
    ``511``, which have no ``result=``, the message text).
    """

    code: int
    result: str
    data: str | None = None
    endpos: int | None = None
    extra: str = ""

    def result_int(self) -> int:
        try:
            return int(self.result)
        except ValueError:
            raise AgiProtocolError(f"expected a number in result={self.result!r}") from None


@dataclass(frozen=True, slots=True)
class UsageReply:
    """``520``: invalid syntax; ``text`` is the usage (lines joined with LF), or ``""``."""

    text: str


@dataclass(frozen=True, slots=True)
class HangupNotice:
    """The unprompted ``HANGUP`` line: the channel has hung up."""


@dataclass(frozen=True, slots=True)
class MalformedLine:
    """A line (or lines) that is not an AGI reply, kept for the log."""

    line: str
    reason: str


ReplyItem = AgiReply | UsageReply | HangupNotice | MalformedLine


def _parse_reply_line(line: str) -> AgiReply | MalformedLine | None:
    """A complete single reply line, ``None`` if it opens parentheses it does not close."""
    m = _RESULT.match(line)
    if m:
        rest = m.group("rest")
        endpos: int | None = None
        e = _ENDPOS.search(rest)
        if e:
            endpos = int(e.group("endpos"))
            rest = rest[: e.start()]
        data: str | None = None
        if rest.startswith(" ("):
            if not rest.endswith(")"):
                return None
            data, rest = rest[2:-1], ""
        return AgiReply(int(m.group("code")), m.group("result"), data, endpos, rest.strip())
    m = _CODE_TEXT.match(line)
    if m and m.group("code") in ("510", "511"):
        return AgiReply(int(m.group("code")), "", None, None, m.group("text"))
    return MalformedLine(line, "not an AGI reply")


class ReplyReader:
    """Incremental parser of what Asterisk sends after the environment block.

    :meth:`feed` returns the items completed by the new bytes, in order; any chunking of a
    stream gives the same items.  Lines end with LF (CRLF tolerated).  A ``200`` line whose
    ``(`` data is not closed on that line (a value holding a newline) continues on the next
    lines until one ends with ``)`` -- Asterisk writes each reply in one piece, so nothing
    else can come in between.  Lines longer than ``max_line_bytes`` become
    :class:`MalformedLine` and are skipped up to their end.
    """

    def __init__(
        self,
        *,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        max_usage_lines: int = DEFAULT_MAX_USAGE_LINES,
        max_continuation_lines: int = DEFAULT_MAX_CONTINUATION_LINES,
    ) -> None:
        self._buffer = bytearray()
        self._skipping = False
        self._usage: list[str] | None = None
        self._continued: list[str] | None = None
        self._max_line_bytes = max_line_bytes
        self._max_usage_lines = max_usage_lines
        self._max_continuation_lines = max_continuation_lines

    def feed(self, data: bytes) -> list[ReplyItem]:
        items: list[ReplyItem] = []
        self._buffer += data
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                break
            raw = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if self._skipping:
                self._skipping = False
                continue
            line = raw.decode("utf-8", "replace")
            if line.endswith("\r"):
                line = line[:-1]
            self._line(line, items)
        if len(self._buffer) > self._max_line_bytes:
            head = bytes(self._buffer[:200]).decode("utf-8", "replace")
            if not self._skipping:
                items.extend(self._abandon())
                items.append(MalformedLine(head, f"line longer than {self._max_line_bytes} bytes"))
            self._skipping = True
            self._buffer.clear()
        return items

    def feed_eof(self) -> list[ReplyItem]:
        """The peer closed: whatever is left over is malformed."""
        items = self._abandon()
        if self._buffer and not self._skipping:
            items.append(
                MalformedLine(bytes(self._buffer).decode("utf-8", "replace"), "incomplete line at EOF")
            )
        self._buffer.clear()
        return items

    def _abandon(self) -> list[ReplyItem]:
        items: list[ReplyItem] = []
        if self._usage is not None:
            items.append(MalformedLine("\n".join([_USAGE_HEAD, *self._usage]), "unterminated usage text"))
            self._usage = None
        if self._continued is not None:
            items.append(MalformedLine("\n".join(self._continued), "unclosed reply data"))
            self._continued = None
        return items

    def _line(self, line: str, items: list[ReplyItem]) -> None:
        if self._usage is not None:
            if line == _USAGE_END:
                items.append(UsageReply("\n".join(self._usage)))
                self._usage = None
            elif len(self._usage) >= self._max_usage_lines:
                items.extend(self._abandon())
                items.append(MalformedLine(line, "usage text too long"))
            else:
                self._usage.append(line)
            return
        if self._continued is not None:
            self._continued.append(line)
            joined = "\n".join(self._continued)
            parsed = _parse_reply_line(joined)
            if parsed is not None:
                self._continued = None
                items.append(parsed)
            elif len(self._continued) > self._max_continuation_lines:
                items.extend(self._abandon())
            return
        if line == "HANGUP":
            items.append(HangupNotice())
        elif line == _USAGE_HEAD:
            self._usage = []
        elif line.startswith("520 ") and line != _USAGE_END:
            items.append(UsageReply(""))
        else:
            parsed = _parse_reply_line(line)
            if parsed is None:
                self._continued = [line]
            else:
                items.append(parsed)


# -- commands: our side ---------------------------------------------------------------------
_NEEDS_QUOTES = frozenset(' \t"\\')


def _quote(word: str) -> str:
    if word == "":
        return '""'
    if _NEEDS_QUOTES.isdisjoint(word):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_command(*words: str) -> bytes:
    """One command line (LF-terminated) that ``parse_args`` splits back into ``words``.

    Raises :class:`AgiProtocolError` for what one AGI line cannot carry: CR, LF, NUL or another
    control character in a word (:func:`cti.wire_text.unsafe_character`, the rule AMI follows),
    more than 127 words, or more than 8191 bytes (Asterisk would run the rest as a second command).
    """
    if not words:
        raise AgiProtocolError("empty command")
    if len(words) > MAX_ARGS - 1:
        raise AgiProtocolError(f"more than {MAX_ARGS - 1} words in one AGI command")
    for word in words:
        if unsafe_character(word) is not None:
            raise AgiProtocolError(f"AGI cannot carry a control character in a word: {word[:100]!r}")
    line = " ".join(_quote(w) for w in words).encode("utf-8")
    if len(line) > MAX_COMMAND_BYTES:
        raise AgiProtocolError(f"AGI command longer than {MAX_COMMAND_BYTES} bytes")
    return line + b"\n"


# -- commands and replies: Asterisk's side ---------------------------------------------------
def parse_command_line(line: str) -> list[str]:
    """Split a command line exactly as res_agi.c ``parse_args`` does.

    Space and tab separate words outside double quotes; ``"`` toggles quoting (and opens a
    new, possibly empty, word after whitespace); backslash makes the next character literal.
    Quotes and backslashes are dropped, other characters (CR included) kept.  Words beyond
    the 127th are dropped.
    """
    words: list[list[str]] = []
    quoted = escaped = False
    whitespace = True
    for ch in line:
        if ch == '"' and not escaped:
            quoted = not quoted
            if quoted and whitespace and len(words) < MAX_ARGS - 1:
                words.append([])
                whitespace = False
            continue
        if ch in " \t" and not quoted and not escaped:
            whitespace = True
            continue
        if ch == "\\" and not escaped:
            escaped = True
            continue
        if whitespace:
            if len(words) >= MAX_ARGS - 1:
                continue
            words.append([])
            whitespace = False
        words[-1].append(ch)
        escaped = False
    return ["".join(w) for w in words]


class CommandReader:
    """Cuts the command stream into lines as Asterisk reads it (``fgets`` into 8192 bytes).

    A line ends at LF (removed; a CR before it is kept, as Asterisk keeps it).  8191 bytes
    without LF make a command of their own.  Text stops at a NUL (C strings).  Bytes are
    decoded as UTF-8 with ``surrogateescape`` so that any byte survives a round trip.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[str]:
        self._buffer += data
        lines: list[str] = []
        while True:
            end = self._buffer.find(b"\n", 0, MAX_COMMAND_BYTES)
            if end >= 0:
                raw = bytes(self._buffer[:end])
                del self._buffer[: end + 1]
            elif len(self._buffer) >= MAX_COMMAND_BYTES:
                raw = bytes(self._buffer[:MAX_COMMAND_BYTES])
                del self._buffer[:MAX_COMMAND_BYTES]
            else:
                break
            lines.append(self._text(raw))
        return lines

    def feed_eof(self) -> list[str]:
        """A last line without LF still runs (Asterisk's ``fgets`` returns it)."""
        if not self._buffer:
            return []
        raw = bytes(self._buffer)
        self._buffer.clear()
        return [self._text(raw)]

    @staticmethod
    def _text(raw: bytes) -> str:
        return raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def format_reply(result: int | str, data: str | None = None, endpos: int | None = None) -> bytes:
    """``200 result=<result>[ (<data>)][ endpos=<endpos>]`` + LF, as res_agi.c prints it."""
    text = f"200 result={result}"
    if data is not None:
        text += f" ({data})"
    if endpos is not None:
        text += f" endpos={endpos}"
    return (text + "\n").encode("utf-8", "surrogateescape")


def format_usage(usage: str) -> bytes:
    """The ``520`` block for a command whose usage text is ``usage`` (may be empty)."""
    if not usage:
        return USAGE_NOT_AVAILABLE
    return f"{_USAGE_HEAD}\n{usage}\n{_USAGE_END}\n".encode()
