"""The Asterisk Manager Interface wire format, sans I/O.

Bytes go in (:meth:`AmiParser.feed`), parsed items come out: the banner, messages
(actions, responses, events; headers kept in wire order with their original casing), and
:class:`MalformedInput` for what could not be understood.  Nothing here raises on bad input
from the peer: a broken message is reported as an item and parsing carries on with the next
one, so one bad event can never take the connection (and the call state) down with it.

Asterisk ends lines with CRLF; it accepts bare LF from clients, and so do we in both
directions.  A message ends at an empty line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import repeat

from cti.ami.frozen import builder
from cti.wire_text import unsafe_character

__all__ = [
    "AmiMessage",
    "AmiParser",
    "AmiProtocolError",
    "Banner",
    "MalformedInput",
    "ParsedItem",
    "encode_message",
]

BANNER_PREFIX = "Asterisk Call Manager/"
DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024
DEFAULT_MAX_LINE_BYTES = 64 * 1024


class AmiProtocolError(ValueError):
    """We were asked to put something on the wire that AMI cannot carry."""


@dataclass(frozen=True, slots=True)
class Banner:
    """``Asterisk Call Manager/<version>``: the first line a manager session sends."""

    version: str


@dataclass(frozen=True, slots=True)
class MalformedInput:
    """Something the peer sent that is not AMI; ``raw`` holds (the start of) those bytes."""

    reason: str
    raw: bytes


@dataclass(frozen=True, slots=True)
class AmiMessage:
    """One AMI message: an action, a response or an event.

    ``headers`` keeps every line in order, duplicates included (``Variable:``, ``Output:``).
    Look-ups by name are case-insensitive, as in Asterisk.  ``junk`` holds lines of the
    message that had no ``Name: value`` shape; they are kept, not silently dropped.
    """

    headers: tuple[tuple[str, str], ...]
    junk: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def build(cls, *pairs: tuple[str, str], **named: str) -> AmiMessage:
        items = list(pairs) + [(k, v) for k, v in named.items()]
        return cls(tuple((str(k), str(v)) for k, v in items))

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, str | Iterable[str]]) -> AmiMessage:
        out: list[tuple[str, str]] = []
        for key, value in mapping.items():
            if isinstance(value, str):
                out.append((key, value))
            else:
                out.extend((key, v) for v in value)
        return cls(tuple(out))

    # -- look-ups ---------------------------------------------------------------------------
    def get(self, name: str, default: str | None = None) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return default

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def get_all(self, name: str) -> list[str]:
        lname = name.lower()
        return [value for key, value in self.headers if key.lower() == lname]

    def names(self) -> list[str]:
        return [key for key, _ in self.headers]

    def to_dict(self) -> dict[str, str]:
        """Headers as a dict (first value of a repeated header wins), keys as on the wire."""
        out: dict[str, str] = {}
        for key, value in self.headers:
            out.setdefault(key, value)
        return out

    # -- what kind of message ---------------------------------------------------------------
    @property
    def kind(self) -> str:
        """``"response"``, ``"event"``, ``"action"`` or ``""`` (decided by the first header)."""
        if not self.headers:
            return ""
        first = self.headers[0][0].lower()
        if first in ("response", "event", "action"):
            return first
        # Asterisk puts Response/Event first; a client may put Action anywhere.
        for key in ("response", "event", "action"):
            if self.get(key) is not None:
                return key
        return ""

    @property
    def name(self) -> str:
        """The response status, event name or action name."""
        kind = self.kind
        return (self.get(kind) or "") if kind else ""

    @property
    def event(self) -> str | None:
        return self.get("Event")

    @property
    def response(self) -> str | None:
        return self.get("Response")

    @property
    def action(self) -> str | None:
        return self.get("Action")

    @property
    def action_id(self) -> str | None:
        return self.get("ActionID")

    def with_header(self, name: str, value: str) -> AmiMessage:
        return AmiMessage((*self.headers, (name, value)), self.junk)

    def encode(self) -> bytes:
        return encode_message(self.headers)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.headers)


ParsedItem = Banner | AmiMessage | MalformedInput
_plain_message = builder(AmiMessage)  # AmiMessage(headers, junk), without the frozen __init__


def encode_message(headers: Iterable[tuple[str, str]]) -> bytes:
    """Serialise header pairs as one AMI message (CRLF lines, blank-line terminated).

    Refuses (:class:`AmiProtocolError`) what :func:`cti.wire_text.unsafe_character` refuses: CR,
    LF, NUL and the other control characters, in names and values — the rule AGI words follow."""
    parts: list[str] = []
    for key, value in headers:
        key = str(key)
        value = str(value)
        if not key or ":" in key or unsafe_character(key) is not None:
            raise AmiProtocolError(f"invalid AMI header name {key!r}")
        bad = unsafe_character(value)
        if bad is not None:
            raise AmiProtocolError(f"AMI header {key!r} value contains the control character {bad!r}")
        parts.append(f"{key}: {value}\r\n")
    parts.append("\r\n")
    return "".join(parts).encode("utf-8")


def _split_header(line: str) -> tuple[str, str] | None:
    # Asterisk writes "Name: value"; it reads "Name:value" too (astman_get_header skips spaces).
    key, sep, value = line.partition(":")
    if not sep or not key or key != key.strip() or " " in key:
        return None
    if value.startswith(" "):
        value = value[1:]
    return key, value


# A header line as Asterisk writes it ("Name: value", the name printable ASCII without blanks),
# ending at CRLF or at the end of the message, read as _split_header reads it (other names are
# left to _split_header; no quantifier gives back what it took, as nothing after could use it).
# The value is "anything but CR" (sre scans a single excluded character in a tight loop, a class
# of two character by character: a quarter of the parser's time): a value running over a bare LF
# would take two lines in one match, so a message with as many matches as lines has none (each
# match starts a line; a line after a bare LF cannot, the one before it does not end in CRLF):
# every line is then one plain header, and the whole message is read in one pass.
_HEADER_LINE = re.compile(r"^([!-9;-~]++): ?+([^\r]*+)(?:\r\n|\Z)", re.MULTILINE)


def _odd_message(text: str, raw: bytes) -> AmiMessage | MalformedInput:
    """The message of ``text`` (CRLF lines, decoded from ``raw``) when some line is not a plain
    header: each line read by :func:`_split_header`, what it cannot read kept as junk."""
    headers: list[tuple[str, str]] = []
    junk: list[str] = []
    for line in text.split("\r\n"):
        pair = _split_header(line)
        if pair is None:
            junk.append(line)
        else:
            headers.append(pair)
    if headers:
        return AmiMessage(tuple(headers), tuple(junk))
    return MalformedInput("message without any 'Name: value' header", raw[:256])


class AmiParser:
    """Incremental AMI parser for either side of a manager connection.

    ``expect_banner=True`` on the client side: the first line is the
    ``Asterisk Call Manager/x.y.z`` banner.  Buffers are capped: a line or a message longer
    than the limit is reported as :class:`MalformedInput` and skipped up to its end, so a
    misbehaving peer cannot make us hold unbounded memory.
    """

    def __init__(
        self,
        *,
        expect_banner: bool = False,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> None:
        self._expect_banner = expect_banner
        self._max_message = max_message_bytes
        self._max_line = max_line_bytes
        self._buffer = bytearray()
        self._lines: list[tuple[str, bytes]] = []
        self._message_bytes = 0
        self._discarding: str | None = None  # reason, while skipping an oversized message
        self._discarded = bytearray()
        self._skipping_line = False  # the rest of an over-long line already reported, up to its LF

    @property
    def buffered_bytes(self) -> int:
        return len(self._buffer) + self._message_bytes

    def feed(self, data: bytes) -> list[ParsedItem]:
        out: list[ParsedItem] = []
        self._buffer += data
        fast = True  # until no whole message is left in the buffer
        while True:
            idle = not (self._lines or self._expect_banner or self._skipping_line or self._discarding)
            if fast and idle:
                taken = self._whole_messages(out)
                if taken is False:  # declined: this read is taken one message at a time
                    taken = self._whole_message(out)
                if taken:
                    continue
                if taken is None and self._too_early_to_read():
                    break  # the start of a message: the next read completes it, read then in one go
                fast = taken is not None
            nl = self._buffer.find(b"\n")
            if nl < 0:
                if len(self._buffer) > self._max_line:
                    held = b"\r" if self._buffer.endswith(b"\r") else b""  # may be half of a CRLF
                    partial = bytes(self._buffer[: len(self._buffer) - len(held)])
                    self._overflow(out, f"line longer than {self._max_line} bytes", partial)
                    self._buffer[:] = held
                    self._skipping_line = True
                break
            raw_line = bytes(self._buffer[:nl])
            del self._buffer[: nl + 1]
            if raw_line.endswith(b"\r"):
                raw_line = raw_line[:-1]
            if self._skipping_line:  # the end of a line reported above: not a line of its own
                self._skipping_line = False
                self._overflow(out, f"line longer than {self._max_line} bytes", raw_line)
                continue
            if len(raw_line) > self._max_line:
                self._overflow(out, f"line longer than {self._max_line} bytes", raw_line)
                continue
            self._line(out, raw_line)
        return out

    def _too_early_to_read(self) -> bool:
        """Nothing pending and the buffer holds no blank line (so no message ends in it, even
        with bare LFs) and nothing over a limit: reading its lines now would give no item; its
        message is left whole for the fast paths of a later read (the same items, in one go)."""
        buf = self._buffer
        return (
            len(buf) <= min(self._max_line, self._max_message)
            and buf.find(b"\n\n") < 0
            and buf.find(b"\n\r\n") < 0
        )

    def _whole_messages(self, out: list[ParsedItem]) -> bool | None:
        """Fastest path: every whole CRLF message in the buffer, cut and decoded in one go.

        Taken only when every one of them would take :meth:`_whole_message` (CRLF only, UTF-8,
        within the limits), so it gives what that path gives; otherwise False, and the caller
        goes message by message; None when the buffer holds no complete message.
        """
        data = bytes(self._buffer)
        blocks = data.split(b"\r\n\r\n")
        rest = blocks.pop()
        if not blocks:
            return None
        taken = len(data) - len(rest)
        if max(map(len, blocks)) + 2 > min(self._max_message, self._max_line):
            return False
        try:
            texts = list(map(bytes.decode, blocks))
        except UnicodeDecodeError:
            return False
        plain_headers = _HEADER_LINE.findall
        # a block has at most as many matches as lines (each match starts a line, and an empty
        # line has none), so as many matches in all as lines in all (every LF but the two of each
        # separator, plus one per block) means every block is one message of plain headers only:
        # no count per message, and no search for blank lines between messages (a block starting
        # with one, or empty, has an empty line: fewer matches, and the loop below takes them)
        found = list(map(plain_headers, texts))
        if sum(map(len, found)) == data.count(b"\n", 0, taken) - len(blocks):
            del self._buffer[:taken]
            out += map(_plain_message, map(tuple, found), repeat(()))
            return True
        items: list[ParsedItem] = []
        add = items.append
        for text, block in zip(texts, blocks, strict=True):
            if text.startswith("\r\n"):  # a blank line between messages (a block holds no two)
                text, block = text[2:], block[2:]
            if not text:
                continue
            headers = plain_headers(text)
            if len(headers) == text.count("\n") + 1:  # every line a plain header (so no bare LF)
                add(_plain_message(tuple(headers), ()))
            elif text.count("\n") != text.count("\r\n"):  # a bare LF: the lines are cut otherwise
                return False
            else:
                add(_odd_message(text, block))
        del self._buffer[:taken]
        out += items
        return True

    def _whole_message(self, out: list[ParsedItem]) -> bool | None:
        """Fast path: one whole CRLF message at the start of the buffer, split in one go.

        Taken only when it gives exactly what the line-by-line path would (nothing pending,
        CRLF only, UTF-8, within the limits); otherwise False, and the caller reads this
        message line by line; None when the buffer holds no complete message.
        """
        buf = self._buffer
        while buf.startswith(b"\r\n"):  # blank lines between messages
            del buf[:2]
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        if end == 0 or end + 2 > self._max_message:
            return False
        block = bytes(buf[:end])
        if block.count(b"\n") != block.count(b"\r\n"):  # a bare LF inside: lines split differently
            return False
        if end > self._max_line and max(map(len, block.split(b"\r\n"))) > self._max_line:
            return False
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError:
            return False
        del buf[: end + 4]
        headers = _HEADER_LINE.findall(text)
        out.append(
            AmiMessage(tuple(headers)) if len(headers) == text.count("\n") + 1 else _odd_message(text, block)
        )
        return True

    def _overflow(self, out: list[ParsedItem], reason: str, raw: bytes) -> None:
        if self._discarding is None:
            self._discarding = reason
            self._discarded = bytearray(b"".join(r + b"\r\n" for _, r in self._lines)[:256])
            self._lines.clear()
            self._message_bytes = 0
        if len(self._discarded) < 256:
            self._discarded += raw[: 256 - len(self._discarded)]

    def _line(self, out: list[ParsedItem], raw_line: bytes) -> None:
        if self._expect_banner:
            self._expect_banner = False
            text = raw_line.decode("utf-8", "replace")
            if text.startswith(BANNER_PREFIX):
                out.append(Banner(text[len(BANNER_PREFIX) :].strip()))
                return
            out.append(MalformedInput("no 'Asterisk Call Manager/' banner", raw_line[:256]))
            # fall through: treat it as the start of a message
        if self._discarding is not None:
            if raw_line:
                if len(self._discarded) < 256:
                    self._discarded += raw_line[: 256 - len(self._discarded)]
                return
            out.append(MalformedInput(self._discarding, bytes(self._discarded)))
            self._discarding = None
            self._discarded = bytearray()
            return
        if not raw_line:
            if self._lines:
                out.append(self._finish())
            return
        self._message_bytes += len(raw_line) + 2
        if self._message_bytes > self._max_message:
            self._overflow(out, f"message longer than {self._max_message} bytes", raw_line)
            return
        try:
            text = raw_line.decode("utf-8")
        except UnicodeDecodeError:
            text = raw_line.decode("utf-8", "replace")
        self._lines.append((text, raw_line))

    def _finish(self) -> ParsedItem:
        headers: list[tuple[str, str]] = []
        junk: list[str] = []
        for text, _raw in self._lines:
            pair = _split_header(text)
            if pair is None:
                junk.append(text)
            else:
                headers.append(pair)
        raw = b"\r\n".join(r for _, r in self._lines)
        self._lines.clear()
        self._message_bytes = 0
        if not headers:
            return MalformedInput("message without any 'Name: value' header", raw[:256])
        return AmiMessage(tuple(headers), tuple(junk))
