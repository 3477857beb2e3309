"""A simulated Asterisk channel: identity, state, variables, media waits, hang-up.

A channel publishes its own events (``Newstate``, ``VarSet``, ``DTMFBegin``…) through the
PBX's event bus, with Asterisk's snapshot fields.  Everything that waits on a channel
(playing a file, waiting for a digit, ``Wait()``) goes through :meth:`Channel.wait`, which
returns early on a DTMF digit the caller accepts, on hang-up and on an asynchronous goto
(AMI ``Redirect``), exactly the three things that interrupt an application in Asterisk.
What the caller hears is :mod:`sim.playback`'s; how the FastAGI client sees a channel,
:mod:`sim.apps.agi_channel`'s.
"""

from __future__ import annotations

import asyncio
import enum
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sim.events import STATE_DESC, Headers

if TYPE_CHECKING:
    from sim.bridge import Bridge
    from sim.pbx import Pbx

AST_STATE_DOWN = 0
AST_STATE_RING = 4
AST_STATE_RINGING = 5
AST_STATE_UP = 6
AST_STATE_BUSY = 7

CAUSE_TEXT = {
    0: "Unknown",
    1: "Unallocated (unassigned) number",
    3: "No route to destination",
    16: "Normal Clearing",
    17: "User busy",
    18: "No user responding",
    19: "User alerting, no answer",
    21: "Call Rejected",
    26: "Answered elsewhere",
    27: "Destination out of order",
    34: "Circuit/channel congestion",
    38: "Network out of order",
    41: "Temporary failure",
    127: "Interworking, unspecified",
}


class WakeReason(enum.Enum):
    TIMEOUT = "timeout"
    DIGIT = "digit"
    HANGUP = "hangup"
    GOTO = "goto"


@dataclass(frozen=True, slots=True)
class Wake:
    reason: WakeReason
    digit: str | None = None


@dataclass(frozen=True, slots=True)
class Location:
    context: str
    exten: str
    priority: int


@dataclass
class HeardItem:
    """Something played to this channel (what its far end heard)."""

    kind: str  # "file", "digits", "number", "moh", "tone"
    what: str
    at: float
    interrupted_by: str | None = None


@dataclass
class CdrRecord:
    start: float
    answer: float | None = None
    end: float | None = None
    lastapp: str = ""
    lastdata: str = ""
    dst: str = ""
    dcontext: str = ""
    dstchannel: str = ""
    disposition: str | None = None


@dataclass(eq=False)
class Channel:
    pbx: Pbx
    name: str
    uniqueid: str
    linkedid: str
    tech: str
    context: str
    exten: str
    priority: int = 1
    state: int = AST_STATE_DOWN
    caller_num: str | None = None
    caller_name: str | None = None
    connected_num: str | None = None
    connected_name: str | None = None
    language: str = "en"
    accountcode: str = ""
    dnid: str | None = None
    rdnis: str | None = None
    appl: str = ""
    data: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    hangupcause: int = 0
    created: float = 0.0
    answered_at: float | None = None
    local_peer: Channel | None = None
    local_side: int = 0  # 1 or 2 for Local channels
    bridge: Bridge | None = None
    dialed_by: Channel | None = None
    runs_pbx: bool = False
    moh_class: str | None = None
    heard: list[HeardItem] = field(default_factory=list)
    cdr: CdrRecord | None = None
    endpoint: str = ""

    def __post_init__(self) -> None:
        self._digits: deque[str] = deque()
        self._wakeup = asyncio.Event()
        self._hangup_done = asyncio.Event()
        self.softhangup = False
        self.dead = False
        self.driven = False  # a task runs this channel's dialplan or application
        self.indication: str | None = None  # "busy" / "congestion" / "ringing" sent towards the caller
        self._state_event = asyncio.Event()
        self.change_hooks: list[Callable[[], None]] = []  # run synchronously on every change
        self.pending_goto: Location | None = None
        self.pending_bridge: Bridge | None = None  # AMI Bridge: join it, then carry on
        self.recorders: list[object] = []
        self.spies: list[Channel] = []
        self.listeners: list[object] = []  # far-end scripts (phones) watching this channel
        self.bridge_log: list[list[float | None]] = []  # [entered, left] sim times

    # ------------------------------------------------------------------ snapshot & events
    def snapshot(self, prefix: str = "") -> Headers:
        p = prefix
        return [
            (f"{p}Channel", self.name),
            (f"{p}ChannelState", str(self.state)),
            (f"{p}ChannelStateDesc", STATE_DESC.get(self.state, "Unknown")),
            (f"{p}CallerIDNum", self.caller_num or "<unknown>"),
            (f"{p}CallerIDName", self.caller_name or "<unknown>"),
            (f"{p}ConnectedLineNum", self.connected_num or "<unknown>"),
            (f"{p}ConnectedLineName", self.connected_name or "<unknown>"),
            (f"{p}Language", self.language),
            (f"{p}AccountCode", self.accountcode),
            (f"{p}Context", self.context),
            (f"{p}Exten", self.exten),
            (f"{p}Priority", str(self.priority)),
            (f"{p}Uniqueid", self.uniqueid),
            (f"{p}Linkedid", self.linkedid),
        ]

    def publish(self, name: str, extra: Headers | None = None, privilege: str = "call") -> None:
        self.pbx.bus.publish(name, privilege, [*self.snapshot(), *(extra or [])])

    # ------------------------------------------------------------------ identity updates
    def set_state(self, state: int) -> None:
        if state == self.state:
            return
        self.state = state
        if state == AST_STATE_UP and self.answered_at is None:
            self.answered_at = self.pbx.clock.now()
            if self.cdr is not None and self.cdr.answer is None:
                self.cdr.answer = self.answered_at
        self.publish("Newstate")
        self.notify_change()

    def set_callerid(self, num: str | None, name: str | None, *, publish: bool = True) -> None:
        self.caller_num, self.caller_name = num, name
        if publish:
            self.publish("NewCallerid", [("CID-CallingPres", "0 (Presentation Allowed, Not Screened)")])

    def set_connected(self, num: str | None, name: str | None, *, publish: bool = True) -> None:
        self.connected_num, self.connected_name = num, name
        if publish:
            self.publish("NewConnectedLine")

    def set_variable(self, name: str, value: str) -> None:
        """Set a channel variable (or a writable function) and publish ``VarSet``."""
        if name.startswith("__"):
            key = name[2:]
        elif name.startswith("_"):
            key = name[1:]
        else:
            key = name
        if "(" in key and key.endswith(")"):
            self.pbx.functions.write(self, key, value)
            return
        if key.upper() == "CDR(userfield)":
            return
        self.variables[name if name.startswith("_") else key] = value
        self.publish("VarSet", [("Variable", key), ("Value", value)], privilege="dialplan")

    def get_variable(self, name: str) -> str | None:
        if "(" in name and name.endswith(")"):
            return self.pbx.functions.read(self, name)
        builtin = self.pbx.functions.builtin_variable(self, name)
        if builtin is not None:
            return builtin
        for key in (name, "_" + name, "__" + name):
            if key in self.variables:
                return self.variables[key]
        return self.pbx.globals.get(name)

    def substitute(self, text: str) -> str:
        return self.pbx.substitute(self, text)

    def inherit_variables(self, parent: Channel) -> None:
        """Variables named ``_X`` are inherited once, ``__X`` forever (as in Asterisk)."""
        for key, value in parent.variables.items():
            if key.startswith("__"):
                self.variables[key] = value
            elif key.startswith("_"):
                self.variables[key[1:]] = value

    # ------------------------------------------------------------------ waking up
    def notify_change(self) -> None:
        """Wake everyone waiting in :meth:`wait_state_change`."""
        event, self._state_event = self._state_event, asyncio.Event()
        event.set()
        for hook in list(self.change_hooks):
            hook()

    async def wait_state_change(self) -> None:
        await self._state_event.wait()

    def indicate(self, what: str) -> None:
        self.indication = what
        self.notify_change()

    def _kick(self) -> None:
        self._wakeup.set()
        self.notify_change()
        if self.bridge is not None:
            self.bridge.changed.set()

    def queue_digit(self, digit: str) -> None:
        self._digits.append(digit)
        self._kick()

    def receive_dtmf(self, digit: str, duration_ms: int = 100) -> None:
        """A DTMF digit arrives on this channel from its far end."""
        if self.dead:
            return
        self.publish("DTMFBegin", [("Digit", digit), ("Direction", "Received")], privilege="dtmf")
        self.publish(
            "DTMFEnd",
            [("Digit", digit), ("DurationMs", str(duration_ms)), ("Direction", "Received")],
            privilege="dtmf",
        )
        self.queue_digit(digit)
        for spy in list(self.spies):
            _ = spy  # spies hear audio, not DTMF
        if self.bridge is not None:
            for other in self.bridge.channels:
                if other is not self:
                    other.forward_dtmf_from_bridge(digit)

    def forward_dtmf_from_bridge(self, digit: str) -> None:
        for listener in self.listeners:
            on_dtmf = getattr(listener, "on_dtmf", None)
            if on_dtmf is not None:
                on_dtmf(self, digit)

    def send_dtmf(self, digit: str, duration_ms: int = 100) -> None:
        """This channel sends a digit towards its far end (SendDTMF / PlayDTMF)."""
        if self.local_peer is not None:
            self.local_peer.receive_dtmf(digit, duration_ms)
        else:
            for listener in self.listeners:
                on_dtmf = getattr(listener, "on_dtmf", None)
                if on_dtmf is not None:
                    on_dtmf(self, digit)

    def request_goto(self, location: Location) -> None:
        # ast_async_goto() moves the channel at once (its next event shows the new place); the
        # application it runs sees the asynchronous goto and returns, then the dialplan goes on
        self.context, self.exten, self.priority = location.context, location.exten, location.priority
        self.pending_goto = location
        self._kick()

    async def wait(self, seconds: float | None, accept_digits: str = "") -> Wake:
        """Wait up to ``seconds`` (None: forever) for a digit in ``accept_digits``.

        Digits not accepted are discarded, as Asterisk's applications do.
        """
        loop = asyncio.get_running_loop()
        deadline = (
            None if seconds is None or seconds < 0 else loop.time() + self.pbx.clock.real_seconds(seconds)
        )
        while True:
            if self.softhangup or self.dead:
                return Wake(WakeReason.HANGUP)
            if self.pending_goto is not None or self.pending_bridge is not None:
                return Wake(WakeReason.GOTO)
            while self._digits:
                digit = self._digits.popleft()
                if digit in accept_digits:
                    return Wake(WakeReason.DIGIT, digit)
            self._wakeup.clear()
            timeout = None if deadline is None else max(0.0, deadline - loop.time())
            if timeout == 0.0:
                return Wake(WakeReason.TIMEOUT)
            try:
                async with asyncio.timeout(timeout):
                    await self._wakeup.wait()
            except TimeoutError:
                if self.ended():
                    return Wake(WakeReason.HANGUP)
                return Wake(WakeReason.TIMEOUT)

    def flush_digits(self) -> None:
        self._digits.clear()

    def bridged_periods(self, start: float, end: float) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for entered, left in self.bridge_log:
            a = max(start, entered or start)
            b = min(end, left if left is not None else end)
            if b > a:
                out.append((a, b))
        return out

    # ------------------------------------------------------------------ hang-up
    def soft_hangup(self, cause: int | None = None) -> None:
        """Ask the channel to hang up; its application returns and the PBX ends it."""
        if cause is not None and cause > 0:
            self.hangupcause = cause
        self.softhangup = True
        self._kick()

    def mark_hung_up(self) -> None:
        self.dead = True
        self._hangup_done.set()
        self._kick()

    async def wait_hangup(self) -> None:
        await self._hangup_done.wait()

    @property
    def hungup(self) -> bool:
        return self.softhangup or self.dead

    def ended(self) -> bool:
        """Same as :attr:`hungup`, as a call: re-read after an ``await`` (type checkers
        would otherwise assume it unchanged)."""
        return self.softhangup or self.dead

    @property
    def is_up(self) -> bool:
        return self.state == AST_STATE_UP
