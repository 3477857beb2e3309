"""The ``agi_*`` environment block Asterisk sends when an AGI session starts, sans I/O.

Asterisk writes one ``agi_<name>: <value>`` line per variable (LF only, in a fixed order:
``agi_network``, ``agi_network_script`` (FastAGI, when the URL has a script part),
``agi_request``, ``agi_channel`` ... ``agi_threadid``, then ``agi_arg_1`` ... ``agi_arg_N``)
and ends the block with an empty line.  We accept CRLF as well.  Anything else is rejected
with :class:`AgiProtocolError` as soon as the offending line is complete, so a stray HTTP
client or port scanner is turned away without waiting for a time-out.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import parse_qsl

from cti.agi.errors import AgiProtocolError

__all__ = [
    "DEFAULT_MAX_ENVIRONMENT_BYTES",
    "AgiEnvironment",
    "EnvironmentReader",
    "format_environment",
    "parse_environment",
]

DEFAULT_MAX_ENVIRONMENT_BYTES = 256 * 1024
_KEY = re.compile(r"agi_[A-Za-z0-9_]+\Z")
_ARG_KEY = re.compile(r"agi_arg_([1-9][0-9]*)\Z")


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class AgiEnvironment:
    """What Asterisk told us about the call when the AGI session began.

    ``network_script`` is the URL part after ``host[:port]/`` as sent (``menu?lang=zh``);
    ``script`` is its path part (``menu``) and ``query`` its decoded query string.  ``args``
    are the AGI() application's further arguments (``agi_arg_1`` ...), in order.  ``raw``
    holds every variable exactly as received, including ones not given a field here
    (``agi_callingani2``, ``agi_callington``, ``agi_callingtns``).
    """

    network_script: str
    script: str
    query: Mapping[str, str] = field(hash=False)
    args: tuple[str, ...]
    request: str
    channel: str
    language: str
    type: str
    uniqueid: str
    version: str
    callerid: str
    calleridname: str
    callingpres: str
    dnid: str
    rdnis: str
    context: str
    extension: str
    priority: int
    enhanced: str
    accountcode: str
    threadid: str
    raw: Mapping[str, str] = field(hash=False, repr=False)
    network: bool = False

    @classmethod
    def from_mapping(cls, raw: Mapping[str, str]) -> AgiEnvironment:
        """Build from ``agi_*`` variables (as parsed, or as another AGI library read them)."""
        for key in raw:
            if not _KEY.match(key):
                raise AgiProtocolError(f"not an AGI environment variable: {key!r}")
        if not raw:
            raise AgiProtocolError("empty AGI environment")

        def get(name: str) -> str:
            return raw.get("agi_" + name, "")

        priority_text = get("priority").strip() or "0"
        try:
            priority = int(priority_text)
        except ValueError:
            raise AgiProtocolError(f"agi_priority is not a number: {priority_text!r}") from None

        numbered: dict[int, str] = {}
        for key, value in raw.items():
            m = _ARG_KEY.match(key)
            if m:
                numbered[int(m.group(1))] = value
        if sorted(numbered) != list(range(1, len(numbered) + 1)):
            raise AgiProtocolError(f"agi_arg_N numbering has gaps: {sorted(numbered)}")
        args = tuple(numbered[i] for i in range(1, len(numbered) + 1))

        network = get("network") == "yes"
        network_script = get("network_script")
        request = get("request")
        if network:
            path, _, query_text = network_script.partition("?")
        else:
            # classic AGI: agi_request is the script as named in AGI(...)
            path, _, query_text = request.partition("?")
            path = posixpath.basename(path)
        query = dict(parse_qsl(query_text, keep_blank_values=True))
        return cls(
            network_script=network_script,
            script=path,
            query=_frozen(query),
            args=args,
            request=request,
            channel=get("channel"),
            language=get("language"),
            type=get("type"),
            uniqueid=get("uniqueid"),
            version=get("version"),
            callerid=get("callerid"),
            calleridname=get("calleridname"),
            callingpres=get("callingpres"),
            dnid=get("dnid"),
            rdnis=get("rdnis"),
            context=get("context"),
            extension=get("extension"),
            priority=priority,
            enhanced=get("enhanced"),
            accountcode=get("accountcode"),
            threadid=get("threadid"),
            raw=_frozen(raw),
            network=network,
        )


def _parse_line(line: str) -> tuple[str, str]:
    key, sep, value = line.partition(":")
    if not sep or not _KEY.match(key):
        raise AgiProtocolError(f"not an 'agi_<name>: <value>' line: {line[:200]!r}")
    if value.startswith(" "):
        value = value[1:]
    return key, value


def parse_environment(lines: Iterable[str]) -> AgiEnvironment:
    """Parse a complete block given as lines (without their line ends; a final empty line is
    optional)."""
    raw: dict[str, str] = {}
    for line in lines:
        if line == "":
            break
        key, value = _parse_line(line)
        raw[key] = value
    return AgiEnvironment.from_mapping(raw)


class EnvironmentReader:
    """Incremental reader: :meth:`feed` bytes until it returns the environment.

    Bytes after the block's empty line (there should be none: Asterisk waits for our first
    command) are kept in :attr:`remainder`.
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_ENVIRONMENT_BYTES) -> None:
        self._buffer = bytearray()
        self._raw: dict[str, str] = {}
        self._max_bytes = max_bytes
        self._seen = 0
        self._result: AgiEnvironment | None = None
        self.remainder = b""

    @property
    def done(self) -> bool:
        return self._result is not None

    def feed(self, data: bytes) -> AgiEnvironment | None:
        if self._result is not None:
            self.remainder += data
            return self._result
        self._buffer += data
        while self._result is None:
            end = self._buffer.find(b"\n")
            if end < 0:
                break
            line = bytes(self._buffer[:end]).decode("utf-8", "replace")
            del self._buffer[: end + 1]
            self._seen += end + 1
            if line.endswith("\r"):
                line = line[:-1]
            if line == "":
                self._result = AgiEnvironment.from_mapping(self._raw)
                self.remainder = bytes(self._buffer)
                self._buffer.clear()
            else:
                key, value = _parse_line(line)
                self._raw[key] = value
        if self._result is None and self._seen + len(self._buffer) > self._max_bytes:
            raise AgiProtocolError(f"AGI environment larger than {self._max_bytes} bytes")
        return self._result


def format_environment(pairs: Iterable[tuple[str, str]]) -> bytes:
    """The block as Asterisk writes it: ``name: value`` + LF per pair, then an empty line.

    Like Asterisk, values are written as they are (no escaping).
    """
    out = "".join(f"{key}: {value}\n" for key, value in pairs) + "\n"
    return out.encode("utf-8", "surrogateescape")
