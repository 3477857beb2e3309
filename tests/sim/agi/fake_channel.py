"""A scripted :class:`sim.agi.port.AgiChannel` for tests of the FastAGI client.

Digits are queued with :meth:`FakeChannel.press`; a digit wait takes the next queued digit,
else waits ``timeout_ms * time_scale`` (``time_scale=0``: a time-out happens at once, so
tests never sleep).  :attr:`hang_up_on_next_wait` makes the next media wait hang up, as a
caller putting the phone down mid-prompt.  Sounds are a name -> length (8 kHz samples) map.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from typing import Any

from sim.agi.port import ChannelHungUp, PlaybackOutcome

_VAR = re.compile(r"\$\{([^{}]*)\}")


class FakeChannel:
    def __init__(
        self,
        *,
        name: str = "Local/400@agi-00000019;2",
        uniqueid: str = "1795673821.51",
        tech: str = "Local",
        language: str = "en",
        callerid_num: str | None = "13800138000",
        callerid_name: str | None = "AGI Caller",
        dnid: str | None = None,
        rdnis: str | None = None,
        context: str = "agi",
        exten: str = "400",
        priority: int = 3,
        accountcode: str = "",
        state: int = 6,
        sounds: dict[str, int] | None = None,
        time_scale: float = 0.0,
        interrupt_endpos: int | None = None,
    ) -> None:
        self._name, self._uniqueid, self._tech, self._language = name, uniqueid, tech, language
        self._num, self._cname, self._dnid, self._rdnis = callerid_num, callerid_name, dnid, rdnis
        self._context, self._exten, self._priority, self._accountcode = context, exten, priority, accountcode
        self._state = state
        self.sounds = (
            sounds if sounds is not None else {"beep": 2000, **{f"digits/{d}": 4000 for d in "0123456789"}}
        )
        self.time_scale = time_scale
        self.interrupt_endpos = interrupt_endpos
        self.variables: dict[str, str] = {}
        self.digits: deque[str] = deque()
        self.hang_up_on_next_wait = False
        self.agi_events: list[dict[str, Any]] = []
        self.played: list[str] = []
        self.applications: list[tuple[str, str]] = []
        self.music: list[tuple[bool, str | None]] = []
        self._hungup = asyncio.Event()
        self._digit_arrived = asyncio.Event()

    # -- identity --------------------------------------------------------------------------
    name = property(lambda self: self._name)
    uniqueid = property(lambda self: self._uniqueid)
    tech = property(lambda self: self._tech)
    language = property(lambda self: self._language)
    callerid_num = property(lambda self: self._num)
    callerid_name = property(lambda self: self._cname)
    dnid = property(lambda self: self._dnid)
    rdnis = property(lambda self: self._rdnis)
    context = property(lambda self: self._context)
    exten = property(lambda self: self._exten)
    priority = property(lambda self: self._priority)
    accountcode = property(lambda self: self._accountcode)

    @property
    def hungup(self) -> bool:
        return self._hungup.is_set()

    @property
    def state(self) -> int:
        return self._state

    # -- scripting ----------------------------------------------------------------------------
    def press(self, digits: str) -> None:
        self.digits.extend(digits)
        self._digit_arrived.set()

    def hang_up_now(self) -> None:
        self._hungup.set()

    def flush_digits(self) -> None:
        """Nothing to drop: a digit queued with :meth:`press` stands for a key pressed just as
        the next wait starts, never one pressed between commands."""

    # -- media ----------------------------------------------------------------------------------
    async def _wait(self, timeout_ms: int) -> str | None:
        """Next digit within the (scaled) time-out; raises ChannelHungUp."""
        if self.hang_up_on_next_wait:
            self.hang_up_on_next_wait = False
            self._hungup.set()
        if self.hungup:
            raise ChannelHungUp()
        if self.digits:
            return self.digits.popleft()
        limit = None if timeout_ms < 0 else timeout_ms / 1000 * self.time_scale
        self._digit_arrived.clear()
        digit_task = asyncio.ensure_future(self._digit_arrived.wait())
        hangup_task = asyncio.ensure_future(self._hungup.wait())
        try:
            await asyncio.wait({digit_task, hangup_task}, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
        finally:
            digit_task.cancel()
            hangup_task.cancel()
        if self.hungup:
            raise ChannelHungUp()
        return self.digits.popleft() if self.digits else None

    async def answer(self) -> None:
        if self.hungup:
            raise ChannelHungUp()
        self._state = 6

    async def play(self, filename: str, escape_digits: str) -> PlaybackOutcome:
        if filename not in self.sounds:
            return PlaybackOutcome(found=False, digit=None, endpos=0)
        self.played.append(filename)
        length = self.sounds[filename]
        if self.hang_up_on_next_wait or self.hungup:
            await self._wait(0)
        while self.digits:
            digit = self.digits.popleft()
            if digit in escape_digits:
                endpos = self.interrupt_endpos if self.interrupt_endpos is not None else length // 2
                return PlaybackOutcome(found=True, digit=digit, endpos=endpos)
        if self.time_scale:
            await asyncio.sleep(length / 8000 * self.time_scale)
        return PlaybackOutcome(found=True, digit=None, endpos=length)

    async def wait_for_digit(self, timeout_ms: int) -> str | None:
        return await self._wait(timeout_ms)

    async def say_digits(self, digits: str, escape_digits: str) -> str | None:
        for d in digits:
            played = await self.play(f"digits/{d}", escape_digits)
            if played.digit:
                return played.digit
        return None

    async def say_number(self, number: int, escape_digits: str, gender: str | None) -> str | None:
        return await self.say_digits(str(number), escape_digits)

    # -- variables --------------------------------------------------------------------------------
    def get_variable(self, name: str) -> str | None:
        builtin = {
            "CHANNEL": self._name,
            "UNIQUEID": self._uniqueid,
            "CALLERID(num)": self._num,
            "CALLERID(name)": self._cname,
            "CHANNEL(language)": self._language,
        }
        if name in builtin:
            return builtin[name]
        return self.variables.get(name)

    def set_variable(self, name: str, value: str) -> None:
        self.variables[name] = value

    def substitute(self, text: str) -> str:
        return _VAR.sub(lambda m: self.get_variable(m.group(1)) or "", text)

    async def exec_application(self, app: str, data: str) -> int:
        self.applications.append((app, data))
        if app.lower() == "wait":
            await asyncio.sleep(float(data or 0) * self.time_scale)
            return 0
        if app.lower() == "noop":
            return 0
        if app.lower() == "set":
            name, _, value = data.partition("=")
            self.variables[name] = value
            return 0
        return -2

    async def set_music(self, on: bool, moh_class: str | None) -> None:
        self.music.append((on, moh_class))

    async def hangup(self, cause: int = 16) -> None:
        self._hungup.set()

    async def wait_hangup(self) -> None:
        await self._hungup.wait()

    def publish_agi_exec(
        self,
        *,
        start: bool,
        command_id: int,
        command: str,
        result_code: int | None = None,
        result: str | None = None,
    ) -> None:
        self.agi_events.append(
            {
                "start": start,
                "command_id": command_id,
                "command": command,
                "result_code": result_code,
                "result": result,
            }
        )
