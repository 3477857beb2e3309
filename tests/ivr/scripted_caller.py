"""A fake AGI channel driven by a script of what the caller does, recording what they heard.

Script items, consumed in order:

- a string of keys, e.g. ``"2"`` or ``"123456#"``: pressed one by one, each when the IVR next
  waits for a digit (WAIT FOR DIGIT), i.e. after the prompt has finished, or, in GET DATA, as
  Asterisk collects them: GET DATA takes keys from the script until ``#`` (which ends it and is
  not returned), until it has its length, or until a ``TIMEOUT`` (or the end of the script);
  ``*`` is returned like a digit, as Asterisk does;
- ``Barge("1")``: pressed while the next prompt that accepts keys is playing (barge-in);
  ``Barge("1", after=3)``: during the fourth such prompt;
- ``TIMEOUT``: the caller stays silent through the next wait;
- ``HANGUP``: the caller hangs up instead of pressing the next key (at the next wait);
- ``HANGUP_NOW``: the caller hangs up at once: the next command of any kind raises ``AgiHangup``;
- ``BLOCK``: the next wait never ends (the test then cancels the handler, as the FastAGI server
  does when Asterisk closes the connection); ``blocked`` is set when it starts.

When the script runs out, every wait times out.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field

from cti.agi.environment import AgiEnvironment
from cti.agi.errors import AgiCommandFailed, AgiHangup
from cti.agi.protocol import AgiReply
from cti.agi.session import Digits, Playback


@dataclass(frozen=True)
class Barge:
    key: str
    after: int = 0


TIMEOUT = object()
HANGUP = object()
HANGUP_NOW = object()
BLOCK = object()


def environment(
    callerid: str = "13800000001", query: str = "", uniqueid: str = "1718000000.1"
) -> AgiEnvironment:
    script = "ivr" + (f"?{query}" if query else "")
    return AgiEnvironment.from_mapping(
        {
            "agi_network": "yes",
            "agi_network_script": script,
            "agi_request": f"agi://127.0.0.1:4573/{script}",
            "agi_channel": "Local/hotline@hotline-00000001;2",
            "agi_language": "en",
            "agi_type": "Local",
            "agi_uniqueid": uniqueid,
            "agi_version": "22.10.1",
            "agi_callerid": callerid,
            "agi_calleridname": "unknown",
            "agi_callingpres": "0",
            "agi_dnid": "10000",
            "agi_context": "hotline",
            "agi_extension": "s",
            "agi_priority": "2",
        }
    )


@dataclass
class ScriptedCaller:
    env: AgiEnvironment
    script: deque[object]
    missing: set[str] = field(default_factory=set)
    heard: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    waits: list[int] = field(default_factory=list)
    entries: list[tuple[int | None, int | None]] = field(default_factory=list)  # GET DATA: time-out, length
    blocked: asyncio.Event = field(default_factory=asyncio.Event)
    _hungup: bool = False

    @classmethod
    def calling(cls, *script: object, callerid: str = "13800000001", query: str = "") -> ScriptedCaller:
        items: deque[object] = deque()
        for item in script:
            if isinstance(item, str):
                items.extend(item)
            else:
                items.append(item)
        return cls(env=environment(callerid, query), script=items)

    @property
    def hungup(self) -> bool:
        return self._hungup

    def _command(self, text: str) -> None:
        if not self._hungup and self.script and self.script[0] is HANGUP_NOW:
            self.script.popleft()
            self._hungup = True
        if self._hungup and not text.startswith(("SET VARIABLE", "GET VARIABLE")):
            raise AgiHangup(f"{text}: caller hung up")
        self.commands.append(text)

    def _barge(self, escape: str) -> str | None:
        head = self.script[0] if self.script else None
        if escape and isinstance(head, Barge) and head.key in escape:
            if head.after:
                self.script[0] = Barge(head.key, head.after - 1)
                return None
            self.script.popleft()
            return head.key
        return None

    async def answer(self) -> None:
        self._command("ANSWER")

    async def stream_file(self, filename: str, escape_digits: str = "") -> Playback:
        self._command(f"STREAM FILE {filename}")
        if filename in self.missing:
            return Playback(None, 0, ok=False)
        self.heard.append(filename)
        return Playback(self._barge(escape_digits), 8000, ok=True)

    async def wait_for_digit(self, timeout_ms: int) -> str | None:
        self._command(f"WAIT FOR DIGIT {timeout_ms}")
        self.waits.append(timeout_ms)
        if not self.script:
            return None
        item = self.script.popleft()
        if item is HANGUP:
            self._hungup = True
            raise AgiHangup("WAIT FOR DIGIT: caller hung up")
        if item is TIMEOUT:
            return None
        if item is BLOCK:
            self.blocked.set()
            await asyncio.Event().wait()
        if isinstance(item, Barge):  # not taken during a prompt: pressed now
            return item.key
        assert isinstance(item, str)
        return item

    async def get_data(
        self, filename: str, timeout_ms: int | None = None, max_digits: int | None = None
    ) -> Digits:
        shown = filename or '""'
        self._command(f"GET DATA {shown} {timeout_ms} {max_digits}")
        self.entries.append((timeout_ms, max_digits))
        collected = ""
        if filename:
            if filename in self.missing:
                raise AgiCommandFailed(f"GET DATA {filename} failed (result=-1)", AgiReply(200, "-1"))
            self.heard.append(filename)
            key = self._barge("0123456789*#")
            if key == "#":
                return Digits("", timed_out=False)
            collected = key or ""
        limit = max_digits or 1024
        while len(collected) < limit:
            if not self.script:
                return Digits(collected, timed_out=True)
            item = self.script.popleft()
            if item is HANGUP:
                self._hungup = True
                raise AgiHangup("GET DATA: caller hung up")
            if item is TIMEOUT:
                return Digits(collected, timed_out=True)
            if item is BLOCK:
                self.blocked.set()
                await asyncio.Event().wait()
            key = item.key if isinstance(item, Barge) else item
            assert isinstance(key, str)
            if key == "#":
                return Digits(collected, timed_out=False)
            collected += key
        return Digits(collected, timed_out=False)

    async def say_digits(self, digits: str, escape_digits: str = "") -> str | None:
        self._command(f"SAY DIGITS {digits}")
        self.heard.append(f"digits:{digits}")
        return self._barge(escape_digits)

    async def say_number(self, number: int, escape_digits: str = "", gender: str | None = None) -> str | None:
        self._command(f"SAY NUMBER {number}")
        self.heard.append(f"number:{number}")
        return self._barge(escape_digits)

    async def set_variable(self, name: str, value: str) -> None:
        self._command(f"SET VARIABLE {name} {value}")
        self.variables[name] = value

    async def hangup(self, channel: str | None = None) -> None:
        self._command("HANGUP")
        self._hungup = True
