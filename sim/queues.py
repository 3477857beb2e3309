"""app_queue's queues, their members and waiting callers (``apps/app_queue.c``, Asterisk 22).

A :class:`Queue` has its :class:`Member` list in app_queue's container order (members by
``member_hash_fn(interface) % 37``, i.e. the five characters from the ``/``, then by age; linear and
rrordered queues by age only), its waiting :class:`Caller` entries in position order, and the
statistics QueueStatus reports.  :func:`calc_metric` and :func:`store_next_rr` are the ring
strategies.  The module that runs them on a PBX is :mod:`sim.queue_module`.

Times: ``LoginTime``/``LastCall``/``LastPause`` are epoch seconds of the simulated clock; durations
(hold, talk) are whole seconds of simulated time, truncated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.queue_config import (
    EMPTY_INUSE,
    EMPTY_INVALID,
    EMPTY_PAUSED,
    EMPTY_PENALTY,
    EMPTY_RINGING,
    EMPTY_UNAVAILABLE,
    EMPTY_UNKNOWN,
    EMPTY_WRAPUP,
    QueueConfig,
)

if TYPE_CHECKING:
    from sim.channel import Channel
    from sim.events import Headers

# enum ast_device_state
UNKNOWN, NOT_INUSE, INUSE, BUSY, INVALID, UNAVAILABLE, RINGING, RINGINUSE, ONHOLD = range(9)
DEVICE_STATE_NAMES = (
    "UNKNOWN",
    "NOT_INUSE",
    "INUSE",
    "BUSY",
    "INVALID",
    "UNAVAILABLE",
    "RINGING",
    "RINGINUSE",
    "ONHOLD",
)


def str_case_hash(text: str) -> int:
    """``ast_str_case_hash``: djb2 over the lower-cased bytes, as a non-negative C int."""
    value = 5381
    for byte in text.lower().encode():
        value = ((value * 33) ^ byte) & 0xFFFFFFFF
    signed = value - 2**32 if value >= 2**31 else value
    return abs(signed)


def member_hash(interface: str) -> int:
    """``member_hash_fn``: up to five characters from the ``/`` packed six bits each."""
    slash = interface.find("/")
    text = (interface[slash:] if slash >= 0 else interface).encode()[:5]
    total = 0
    for i, byte in enumerate(text):
        char = byte - 256 if byte > 127 else byte  # C char is signed
        total += (0 if char < 32 else char - 64 if char > 96 else char - 32) << (i * 6)
    return total


def state_device(state_interface: str) -> str:
    """The device a state interface names: ``Local/x@y/n`` is device ``Local/x@y``."""
    if state_interface.lower().startswith("local/"):
        return "/".join(state_interface.split("/")[:2])
    return state_interface


@dataclass(eq=False)
class Member:
    interface: str
    name: str
    state_interface: str
    penalty: int = 0
    paused: bool = False
    reason_paused: str = ""
    ringinuse: bool = True
    wrapuptime: int = 0
    dynamic: bool = False
    calls: int = 0
    lastcall: int = 0  # epoch seconds; 0: never
    lastcall_at: float | None = None  # simulated seconds, for wrap-up
    lastpause: int = 0
    logintime: int = 0
    starttime: float | None = None  # when the member's current queue call was bridged
    status: int = NOT_INUSE
    queuepos: int = 0
    callcompletedinsl: bool = False
    seq: int = 0

    @property
    def device(self) -> str:
        return state_device(self.state_interface)

    def blob(self, queue: Queue) -> Headers:
        """``queue_member_blob_create``: the fields of every QueueMember* event."""
        return [
            ("Queue", queue.name),
            ("MemberName", self.name),
            ("Interface", self.interface),
            ("StateInterface", self.state_interface),
            ("Membership", "dynamic" if self.dynamic else "static"),
            ("Penalty", str(self.penalty)),
            ("CallsTaken", str(self.calls)),
            ("LastCall", str(self.lastcall)),
            ("LastPause", str(self.lastpause)),
            ("LoginTime", str(self.logintime)),
            ("InCall", "1" if self.starttime is not None else "0"),
            ("Status", str(self.status)),
            ("Paused", "1" if self.paused else "0"),
            ("PausedReason", self.reason_paused),
            ("Ringinuse", "1" if self.ringinuse else "0"),
            ("Wrapuptime", str(self.wrapuptime)),
        ]


@dataclass(eq=False)
class Caller:
    """A channel waiting in a queue (app_queue's ``struct queue_ent``)."""

    channel: Channel
    start: float  # simulated seconds
    prio: int = 0
    expire: float | None = None
    max_penalty: int | None = None
    min_penalty: int | None = None
    pos: int = 0
    opos: int = 0
    pending: bool = False
    handled: int = 0
    linpos: int = 0
    linwrapped: bool = False


@dataclass(eq=False)
class QueueCall:
    """A caller bridged with a member, until one of them asks to hang up."""

    queue: Queue
    member: Member
    caller: Channel
    agent: Channel
    holdstart: float
    starttime: float
    completed_in_sl: bool
    done: bool = False


class Queue:
    def __init__(self, config: QueueConfig, seq: int) -> None:
        self.config = config
        self.name = config.name
        self.seq = seq
        self.members: list[Member] = []
        self.callers: list[Caller] = []
        self.holdtime = self.talktime = 0
        self.completed = self.abandoned = self.completed_in_sl = self.abandoned_in_sl = 0
        self.rrpos = 0
        self.wrapped = False

    @property
    def strategy(self) -> str:
        return self.config.strategy

    @property
    def count(self) -> int:
        return len(self.callers)

    def member(self, interface: str) -> Member | None:
        return next((m for m in self.members if m.interface.lower() == interface.lower()), None)

    def add(self, member: Member) -> None:
        """``member_add_to_queue``: in container order (linear and rrordered keep insertion order)."""
        member.queuepos = len(self.members)
        self.members.append(member)
        if self.strategy not in ("linear", "rrordered"):
            self.members.sort(key=lambda m: (member_hash(m.interface) % 37, m.seq))

    def remove(self, member: Member) -> None:
        for other in self.members:
            if other.queuepos > member.queuepos:
                other.queuepos -= 1
        self.members.remove(member)

    def in_wrapup(self, member: Member, now: float) -> bool:
        wrapup = member.wrapuptime or self.config.wrapuptime
        return bool(wrapup and member.lastcall_at is not None and now - member.lastcall_at < wrapup)

    def is_available(self, member: Member, now: float) -> bool:
        """``is_member_available``."""
        busy = member.status in (INUSE, BUSY, RINGING, RINGINUSE, ONHOLD)
        free = member.status in (NOT_INUSE, UNKNOWN) or (busy and member.ringinuse)
        return free and not member.paused and not self.in_wrapup(member, now)

    def available_count(self, now: float) -> int:
        """``num_available_members``: at most one counts unless autofill (and not ringall)."""
        count = 0
        for member in self.members:
            count += self.is_available(member, now)
            if count and (not self.config.autofill or self.strategy == "ringall"):
                break
        return count

    def is_empty(self, conditions: int, caller: Caller, now: float) -> bool:
        """``get_member_status`` != 0: no member passes the joinempty/leavewhenempty conditions."""
        barred = {INVALID: EMPTY_INVALID, UNAVAILABLE: EMPTY_UNAVAILABLE, INUSE: EMPTY_INUSE}
        barred |= {RINGING: EMPTY_RINGING, UNKNOWN: EMPTY_UNKNOWN}
        for member in self.members:
            if conditions & EMPTY_PENALTY and not penalty_allowed(member.penalty, caller):
                continue
            if conditions & barred.get(member.status, 0):
                continue
            if member.paused and conditions & EMPTY_PAUSED:
                continue
            if conditions & EMPTY_WRAPUP and self.in_wrapup(member, now):
                continue
            return False
        return True

    def service_level_perf(self) -> float:
        return 100.0 * self.completed_in_sl / self.completed if self.completed else 0.0


def penalty_allowed(penalty: int, caller: Caller) -> bool:
    too_high = caller.max_penalty is not None and penalty > caller.max_penalty
    return not too_high and not (caller.min_penalty is not None and penalty < caller.min_penalty)


def calc_metric(
    queue: Queue, member: Member, pos: int, caller: Caller, *, random_value: int, now: int
) -> int | None:
    """``calc_metric``: the order a strategy rings members in (lowest first); None: penalty excludes.

    ``pos`` is the member's place in the list, ``random_value`` a random number (random strategies),
    ``now`` the time in epoch seconds (leastrecent).
    """
    use_penalty = len(queue.members) > queue.config.penaltymemberslimit
    if use_penalty and not penalty_allowed(member.penalty, caller):
        return None
    weight = member.penalty * 1_000_000 if use_penalty else 0
    strategy = queue.strategy
    if strategy == "linear":
        if pos > caller.linpos:
            caller.linwrapped = True
        return (1000 + pos if pos < caller.linpos else pos) + weight
    if strategy in ("rrmemory", "rrordered"):
        if member.queuepos > queue.rrpos:
            queue.wrapped = True
        return (1000 + member.queuepos if member.queuepos < queue.rrpos else member.queuepos) + weight
    if strategy == "random":
        return random_value % 1000 + weight
    if strategy == "wrandom":
        return random_value % ((1 + member.penalty) * 1000)
    if strategy == "fewestcalls":
        return member.calls + weight
    if strategy == "leastrecent":
        return (0 if not member.lastcall else 1_000_000 - (now - member.lastcall)) + weight
    return weight  # ringall


def store_next_rr(queue: Queue, best_metric: int | None) -> None:
    """``store_next_rr``: where round robin starts next time."""
    if best_metric is not None:
        queue.rrpos = best_metric % 1000
    else:
        queue.rrpos = 0 if queue.wrapped else queue.rrpos + 1
    queue.wrapped = False
