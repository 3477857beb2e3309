"""Customers for the dialer on a PBX we drive over AMI (``hotline sim`` or the real Asterisk).

The dialer originates ``Local/<number>@test-callee``: the ``;1`` leg (our ``ChannelId``) runs the
campaign's context and its FastAGI script; the ``;2`` leg is the customer's phone, whose behaviour
:data:`CALLEE` gives by number.  :class:`KeyPad` presses a number's keys one at a time, each when
the script on the ``;1`` leg starts a ``WAIT FOR DIGIT`` (Asterisk drops DTMF between AGI
commands), with ``PlayDTMF`` on the ``;2`` leg.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from pathlib import Path

from cti.ami.client import AmiClient

SHIPPED = Path(__file__).resolve().parents[2] / "dialplan" / "extensions.conf"

CALLEE = """
[test-callee]
; ...01-...04, ...07: answer and stay (keys come from the test); ...06: answers and hangs up in the
; script; ...05: rings 3 s, then answers and stays
exten => 13800000005,1,Ringing()
 same => n,Wait(3)
 same => n,Answer()
 same => n,Wait(30)
 same => n,Hangup()
exten => _1380000000[1-47],1,Answer()
 same => n,Wait(90)
 same => n,Hangup()
exten => 13800000006,1,Answer()
 same => n,Wait(1)
 same => n,Hangup()
; ...08: busy; ...09: rings and never answers
exten => 13800000008,1,Busy(5)
exten => 13800000009,1,Ringing()
 same => n,Wait(90)
 same => n,Hangup()

[test-agents]
; an agent's phone that answers, talks a second and hangs up first
exten => 1001,1,Answer()
 same => n,Wait(1)
 same => n,Hangup()
"""


def write_extensions(folder: Path) -> Path:
    path = folder / "extensions.conf"
    path.write_text(f'#include "{SHIPPED.resolve()}"\n{CALLEE}')
    return path


def number_of(channel: str) -> str:
    return channel.removeprefix("Local/").split("@", 1)[0]


class KeyPad:
    def __init__(self, ami: AmiClient, keys: dict[str, str], hang_up_after: set[str] | None = None) -> None:
        self._ami = ami
        self._keys = {n: deque(k) for n, k in keys.items()}
        self._hang_up_after = hang_up_after or set()  # numbers that hang up once their keys are pressed
        self.pressed: dict[str, str] = {}
        self.heard: dict[str, list[str]] = {}

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[KeyPad]:
        task = asyncio.create_task(self._run())
        await asyncio.sleep(0.1)
        try:
            yield self
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        async with self._ami.subscribe("AGIExecStart") as events:
            async for event in events:
                channel = event.get("Channel") or ""
                if not (channel.startswith("Local/") and channel.endswith(";1")):
                    continue
                number = number_of(channel)
                command = event.get("Command") or ""
                self.heard.setdefault(number, []).append(command)
                if not command.upper().startswith("WAIT FOR DIGIT"):
                    continue
                keys = self._keys.get(number)
                if keys:
                    digit = keys.popleft()
                    phone = channel.removesuffix(";1") + ";2"
                    await self._ami.action("PlayDTMF", Channel=phone, Digit=digit, Duration="120")
                    self.pressed[number] = self.pressed.get(number, "") + digit
                elif number in self._hang_up_after:
                    await self._ami.action("Hangup", Channel=channel.removesuffix(";1") + ";2")
