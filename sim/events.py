"""Manager events as Asterisk words them, and the bus that carries them to AMI sessions.

Field names and their order follow Asterisk 22 (see ``../shared/asterisk/captures``):
``Event``, ``Privilege``, then the channel snapshot (``Channel`` … ``Linkedid``), then the
event's own fields.  Snapshots are taken when the event is published, as Asterisk's
stasis snapshots are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from cti.ami.protocol import AmiMessage

Headers = list[tuple[str, str]]

STATE_DESC = {
    0: "Down",
    1: "Rsrvd",
    2: "OffHook",
    3: "Dialing",
    4: "Ring",
    5: "Ringing",
    6: "Up",
    7: "Busy",
    8: "Dialing Offhook",
    9: "Pre-ring",
}

# privilege classes (manager.conf read=/write=) and what each event is published under
PRIVILEGE_CLASSES = (
    "system",
    "call",
    "log",
    "verbose",
    "command",
    "agent",
    "user",
    "config",
    "dtmf",
    "reporting",
    "cdr",
    "dialplan",
    "originate",
    "agi",
    "cc",
    "aoc",
    "test",
    "security",
    "message",
)


@dataclass(frozen=True, slots=True)
class Event:
    name: str
    privilege: str  # e.g. "call" -> "Privilege: call,all"
    headers: tuple[tuple[str, str], ...]

    def message(self) -> AmiMessage:
        return AmiMessage((("Event", self.name), ("Privilege", f"{self.privilege},all"), *self.headers))


@dataclass(eq=False)
class Subscriber:
    """One AMI session's view of the bus: which classes it may read and wants."""

    deliver: Callable[[Event], None]
    read_classes: frozenset[str]
    enabled: bool = True
    wanted: frozenset[str] = field(default_factory=lambda: frozenset(PRIVILEGE_CLASSES))

    def accepts(self, event: Event) -> bool:
        return self.enabled and event.privilege in self.read_classes and event.privilege in self.wanted


class EventBus:
    """Fan-out of events to AMI sessions, in publication order."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self.history_hooks: list[Callable[[Event], None]] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        if subscriber in self._subscribers:
            self._subscribers.remove(subscriber)

    def publish(self, name: str, privilege: str, headers: Iterable[tuple[str, str]]) -> Event:
        event = Event(name, privilege, tuple(headers))
        for hook in self.history_hooks:
            hook(event)
        for sub in list(self._subscribers):
            if sub.accepts(event):
                sub.deliver(event)
        return event


def privileges_from_mask(spec: str) -> frozenset[str]:
    """``read = system,call,...`` or ``all`` (as in manager.conf) to a set of classes."""
    names = {part.strip().lower() for part in spec.split(",") if part.strip()}
    if "all" in names:
        return frozenset(PRIVILEGE_CLASSES)
    return frozenset(n for n in names if n in PRIVILEGE_CLASSES)


def events_mask(value: str | None, readable: frozenset[str]) -> tuple[bool, frozenset[str]]:
    """Interpret a Login/Events ``Events:`` header: ``on``, ``off``, or a class list."""
    if value is None:
        return True, readable
    v = value.strip().lower()
    if v in ("on", "yes", "true", "1", "all"):
        return True, readable
    if v in ("off", "no", "false", "0", ""):
        return False, frozenset()
    return True, privileges_from_mask(v) & readable
