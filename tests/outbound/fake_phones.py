"""A stand-in for the AMI client in the dialer's unit tests: each number behaves like a phone
(answers and finishes the script, answers and hangs up in it, is busy, does not answer, fails),
reported with the same events, reasons and causes the real Asterisk gave (tests/outbound/data/).
Tests of the wired dialer against ``hotline sim`` and the real Asterisk are in test_dialer_pbx.py."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from cti.ami.client import AmiClient
from cti.ami.events import OriginateOutcome, Party
from cti.ami.protocol import AmiMessage
from outbound.attempt_store import AttemptStore, ScriptResult


@dataclass(frozen=True)
class Phone:
    reason: int  # OriginateResponse Reason: 4 answered, 5 busy, 3 no answer, 0 failed
    cause: int  # Hangup Cause
    script: str | None = ScriptResult.COMPLETED  # what an answered call's script writes


ANSWERS = Phone(4, 16)
HANGS_UP_IN_SCRIPT = Phone(4, 16, script=None)
BUSY = Phone(5, 0)
NO_ANSWER = Phone(3, 19)
UNALLOCATED = Phone(0, 1)


@dataclass
class Placed:
    channel: str
    context: str
    channel_id: str
    variables: Mapping[str, str]
    timeout_ms: int

    @property
    def number(self) -> str:
        return self.channel.split("/")[1].split("@")[0]


class _Pending:
    def __init__(self, outcome: asyncio.Future[OriginateOutcome]) -> None:
        self._outcome = outcome

    async def outcome(self, timeout_s: float | None = None) -> OriginateOutcome:
        return await self._outcome


@dataclass
class FakePhones:
    phones: dict[str, Phone]
    attempts: AttemptStore
    placed: list[Placed] = field(default_factory=list)
    hold: set[str] = field(default_factory=set)  # numbers whose calls never end (a node dies)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    _subscribers: list[asyncio.Queue[AmiMessage]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.connected.set()

    def client(self) -> AmiClient:
        return cast(AmiClient, self)

    @contextlib.asynccontextmanager
    async def _subscription(self) -> AsyncIterator[AsyncIterator[AmiMessage]]:
        queue: asyncio.Queue[AmiMessage] = asyncio.Queue()
        self._subscribers.append(queue)

        async def items() -> AsyncIterator[AmiMessage]:
            while True:
                yield await queue.get()

        try:
            yield items()
        finally:
            self._subscribers.remove(queue)

    def subscribe(self, pattern: str = "*", *, maxsize: int | None = None) -> Any:
        return self._subscription()

    def _publish(self, *pairs: tuple[str, str]) -> None:
        for queue in self._subscribers:
            queue.put_nowait(AmiMessage.build(*pairs))

    async def originate(self, channel: str, **kw: Any) -> _Pending:
        placed = Placed(channel, kw["context"], kw["channel_id"], kw["variables"], kw["timeout_ms"])
        self.placed.append(placed)
        future: asyncio.Future[OriginateOutcome] = asyncio.get_running_loop().create_future()
        if placed.number not in self.hold:
            asyncio.get_running_loop().create_task(self._play(placed, future))
        return _Pending(future)

    async def _play(self, placed: Placed, future: asyncio.Future[OriginateOutcome]) -> None:
        phone = self.phones.get(placed.number, NO_ANSWER)
        await asyncio.sleep(0.01)
        if phone.reason != 4:
            self._publish(("Event", "Hangup"), ("Uniqueid", placed.channel_id), ("Cause", str(phone.cause)))
        outcome = OriginateOutcome(
            "1", phone.reason == 4, phone.reason, placed.channel, placed.channel_id, Party("", ""),
            "Success" if phone.reason == 4 else "Failure",
        )  # fmt: skip
        future.set_result(outcome)
        if phone.reason == 4:
            await asyncio.sleep(0.02)
            if phone.script is not None:
                await self.attempts.script_result(placed.channel_id, phone.script)
            self._publish(("Event", "Hangup"), ("Uniqueid", placed.channel_id), ("Cause", str(phone.cause)))


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
