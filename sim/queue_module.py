"""app_queue loaded in one simulated PBX: its queues, members' device states, events and statistics.

:func:`install_queues` gives a PBX its :class:`QueueModule` (from ``queues.conf``); the ``Queue()``
application (:mod:`sim.apps.queue`) and the AMI actions (:mod:`sim.ami.queue_actions`) find it with
:func:`queues_of`.  What it does, as app_queue does it:

* a member's status is the device state of its state interface, read again whenever a channel of
  that device changes state or hangs up, or a ``DeviceStateChange`` names it; a change publishes
  ``QueueMemberStatus`` and ``Queue:<name>_avail`` (``device_state_cb``).  A Local device is in use
  while a ``;1`` half exists whose ``;2`` half runs the dialplan (``local_devicestate``), a phone's
  while one of its channels is up (ringing: RINGING; unregistered: UNAVAILABLE);
* adding, removing, pausing members publishes ``QueueMemberAdded/Removed/Pause/Penalty`` and the
  ``Queue:<name>_pause_<interface>`` / ``Queue:<name>_avail`` device states;
* callers joining and leaving publish ``QueueCallerJoin/Leave/Abandon`` and ``Queue:<name>``;
* a bridged queue call ends (``AgentComplete``, the member's calls and the queue's talk time) at the
  first hang-up request of the caller or of the member's channel, as app_queue's stasis
  subscription sees it.  Reactions to events run right after the event is delivered (as
  Asterisk's subscribers run on other threads).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING

from sim.channel import AST_STATE_RINGING
from sim.queue_config import QueuesConfig
from sim.queues import (
    DEVICE_STATE_NAMES,
    INUSE,
    INVALID,
    NOT_INUSE,
    RINGING,
    UNAVAILABLE,
    Caller,
    Member,
    Queue,
    QueueCall,
    str_case_hash,
)

if TYPE_CHECKING:
    from sim.channel import Channel
    from sim.events import Event
    from sim.pbx import Pbx

_ATTRIBUTE = "_app_queue"
_TRIGGERS = frozenset({"Newstate", "Hangup", "DeviceStateChange"})
_REQUESTS = frozenset({"HangupRequest", "SoftHangupRequest", "Hangup"})


def install_queues(pbx: Pbx, config: QueuesConfig) -> QueueModule:
    module = QueueModule(pbx, config)
    setattr(pbx, _ATTRIBUTE, module)
    return module


def queues_of(pbx: Pbx) -> QueueModule:
    """The PBX's app_queue (one without queues if none was installed)."""
    module = getattr(pbx, _ATTRIBUTE, None)
    if not isinstance(module, QueueModule):
        module = install_queues(pbx, QueuesConfig())
    return module


def _header(event: Event, name: str) -> str:
    return next((value for key, value in event.headers if key == name), "")


class QueueModule:
    def __init__(self, pbx: Pbx, config: QueuesConfig) -> None:
        self.pbx = pbx
        self.config = config
        self.queues: list[Queue] = []
        self.pending: set[str] = set()  # members being rung (ringinuse=no), by interface
        self.calls: list[QueueCall] = []
        self._seq = itertools.count()
        self._due: dict[str, None] = {}
        self._cached: dict[str, str] = {}  # the device state cache, for app_queue's own devices
        for i, queue_config in enumerate(config.queues):
            queue = Queue(queue_config, i)
            for mc in queue_config.members:
                member = self._new_member(mc.interface, mc.name, mc.penalty, mc.paused, mc.state_interface)
                member.ringinuse, member.wrapuptime = mc.ringinuse, mc.wrapuptime
                queue.add(member)
                self.publish_state(
                    f"Queue:{queue.name}_pause_{member.interface}", INUSE if mc.paused else NOT_INUSE
                )
            self.queues.append(queue)
        self.queues.sort(key=lambda q: (str_case_hash(q.name) % 53, q.seq))
        pbx.bus.history_hooks.append(self._on_event)

    # -- time ---------------------------------------------------------------------------------
    def epoch(self) -> int:
        """``time(NULL)`` on the simulated clock."""
        return int(self.pbx.clock.now())

    def elapsed(self) -> float:
        return self.pbx.clock.elapsed()

    def queue(self, name: str) -> Queue | None:
        return next((q for q in self.queues if q.name.lower() == name.lower()), None)

    def _new_member(self, interface: str, name: str, penalty: int, paused: bool, state: str) -> Member:
        """``create_queue_member``."""
        now = self.epoch()
        member = Member(
            interface, name or interface, state or interface, penalty, paused, seq=next(self._seq)
        )
        member.logintime = now
        member.lastpause = now if paused else 0
        member.status = self.device_state(member.device)
        return member

    # -- device states ------------------------------------------------------------------------
    def device_state(self, device: str) -> int:
        tech, _, resource = device.partition("/")
        device_of = self.pbx.device_of
        live = [
            c for c in self.pbx.channels.values() if not c.dead and device_of(c).lower() == device.lower()
        ]
        if tech.lower() == "local":
            exten, _, context = resource.partition("@")
            if not self.pbx.exists(context or "default", exten):
                return INVALID
            called = any(
                c.local_side == 1 and c.local_peer is not None and c.local_peer.runs_pbx for c in live
            )
            return INUSE if called else NOT_INUSE
        phone = self.pbx.endpoints.get(device)
        if phone is None or not getattr(phone, "reachable", False):
            return UNAVAILABLE
        if any(c.is_up for c in live):
            return INUSE
        return RINGING if any(c.state == AST_STATE_RINGING for c in live) else NOT_INUSE

    def _member_devices(self) -> set[str]:
        return {m.device.lower() for q in self.queues for m in q.members}

    def _on_event(self, event: Event) -> None:
        if event.name in _REQUESTS and self.calls:
            uniqueid = _header(event, "Uniqueid")
            for call in self.calls:
                if not call.done and uniqueid in (call.caller.uniqueid, call.agent.uniqueid):
                    call.done = True
                    reason = "caller" if uniqueid == call.caller.uniqueid else "agent"
                    self._later(functools.partial(self._complete, call, reason))
        if event.name in _TRIGGERS:
            device = _header(event, "Device") or _header(event, "Channel").rsplit("-", 1)[0]
            if event.name == "DeviceStateChange" and device.lower().startswith("local/"):
                return  # read from the channels themselves (and published from here)
            if device.lower() in self._member_devices():
                if not self._due:
                    self._later(self._refresh_due)
                self._due[device] = None

    def _later(self, action: Callable[[], None]) -> None:
        try:
            asyncio.get_running_loop().call_soon(action)
        except RuntimeError:
            action()

    def _refresh_due(self) -> None:
        due, self._due = list(self._due), {}
        for device in due:
            state = self.device_state(device)
            if device.lower().startswith("local/"):  # Local devices are never cached: every change is news
                self.pbx.device_state(device, DEVICE_STATE_NAMES[state])
            for queue in self.queues:
                found = [m for m in queue.members if m.device.lower() == device.lower()]
                if found:
                    self.update_status(queue, found[0], state)
                    self._publish_avail(queue, available=queue.available_count(self.elapsed()) > 0)

    def read_phones(self) -> None:
        """Read the device state of members that are not Local channels again: the simulator's phones
        register without a device state change, which Asterisk's would publish."""
        for device in {m.device for q in self.queues for m in q.members}:
            if not device.lower().startswith("local/"):
                self._due[device] = None
        self._refresh_due()

    def update_status(self, queue: Queue, member: Member, status: int) -> None:
        """``update_status``: a new status publishes QueueMemberStatus; idle ends a call still open."""
        if member.status == status:
            return
        if status == NOT_INUSE and member.starttime is not None:
            self.update_queue(queue, member, member.callcompletedinsl, member.starttime)
        member.status = status
        self.pending.discard(member.interface.lower())
        self.pbx.bus.publish("QueueMemberStatus", "agent", member.blob(queue))

    def _publish_avail(self, queue: Queue, *, available: bool) -> None:
        self.publish_state(f"Queue:{queue.name}_avail", NOT_INUSE if available else INUSE)

    def publish_state(self, device: str, state: int) -> None:
        """A cachable device state of app_queue's: published only when it differs from the cache."""
        name = DEVICE_STATE_NAMES[state]
        if self._cached.get(device.lower()) != name:
            self._cached[device.lower()] = name
            self.pbx.device_state(device, name)

    # -- members ------------------------------------------------------------------------------
    def add_member(
        self,
        queue_name: str,
        interface: str,
        *,
        name: str = "",
        penalty: int = 0,
        paused: bool = False,
        state_interface: str = "",
        reason: str = "",
        wrapuptime: int = 0,
    ) -> str:
        """``add_to_queue``: "ok", "exists" or "nosuchqueue"."""
        queue = self.queue(queue_name)
        if queue is None:
            return "nosuchqueue"
        if queue.member(interface) is not None:
            return "exists"
        member = self._new_member(interface, name, penalty, paused, state_interface)
        member.dynamic, member.ringinuse, member.wrapuptime = True, queue.config.ringinuse, wrapuptime
        member.reason_paused = reason
        queue.add(member)
        self.publish_state(f"Queue:{queue.name}_pause_{interface}", INUSE if paused else NOT_INUSE)
        self.pbx.bus.publish("QueueMemberAdded", "agent", member.blob(queue))
        if queue.is_available(member, self.elapsed()):
            self._publish_avail(queue, available=True)
        return "ok"

    def remove_member(self, queue_name: str, interface: str) -> str:
        """``remove_from_queue``: "ok", "notthere", "notdynamic" or "nosuchqueue"."""
        queue = self.queue(queue_name)
        if queue is None:
            return "nosuchqueue"
        member = queue.member(interface)
        if member is None:
            return "notthere"
        if not member.dynamic:
            return "notdynamic"
        self.pbx.bus.publish("QueueMemberRemoved", "agent", member.blob(queue))
        queue.remove(member)
        self.pending.discard(member.interface.lower())
        if not queue.available_count(self.elapsed()):
            self._publish_avail(queue, available=False)
        return "ok"

    def set_paused(self, queue_name: str, interface: str, reason: str, paused: bool) -> bool:
        """``set_member_paused`` (every queue when ``queue_name`` is empty): False if not found."""
        found = False
        for queue in self.queues:
            if queue_name and queue.name.lower() != queue_name.lower():
                continue
            member = queue.member(interface)
            if member is not None:
                found = True
                self._pause(queue, member, reason, paused)
        return found

    def _pause(self, queue: Queue, member: Member, reason: str, paused: bool) -> None:
        member.paused = paused
        if paused:
            member.lastpause = self.epoch()
        member.reason_paused = reason if paused else ""
        self.publish_state(f"Queue:{queue.name}_pause_{member.interface}", INUSE if paused else NOT_INUSE)
        if queue.is_available(member, self.elapsed()):
            self._publish_avail(queue, available=True)
        elif not queue.available_count(self.elapsed()):
            self._publish_avail(queue, available=False)
        member.reason_paused = reason  # an unpause reason shows in its event only
        self.pbx.bus.publish("QueueMemberPause", "agent", member.blob(queue))
        if not paused:
            member.reason_paused = ""

    def set_penalty(self, queue_name: str, interface: str, penalty: int) -> bool:
        if penalty < 0:
            return False
        found = False
        for queue in self.queues:
            member = queue.member(interface)
            if member is not None and (not queue_name or queue.name.lower() == queue_name.lower()):
                member.penalty = penalty
                found = True
                self.pbx.bus.publish("QueueMemberPenalty", "agent", member.blob(queue))
        return found

    # -- callers ------------------------------------------------------------------------------
    def join(self, queue: Queue, caller: Caller, position: int) -> str | None:
        """``join_queue``: None, or why the caller could not join (JOINEMPTY, FULL)."""
        now = self.elapsed()
        if queue.config.joinempty and queue.is_empty(queue.config.joinempty, caller, now):
            return "JOINEMPTY"
        if queue.config.maxlen and queue.count >= queue.config.maxlen:
            return "FULL"
        index = len(queue.callers)
        for i, other in enumerate(queue.callers):
            if caller.prio > other.prio or (caller.prio >= other.prio and position and position <= i + 1):
                index = i
                break
        queue.callers.insert(index, caller)
        for i, other in enumerate(queue.callers, 1):
            other.pos = i
        caller.opos = caller.pos
        if queue.count == 1:
            self.publish_state(f"Queue:{queue.name}", RINGING)
        self._caller_event("QueueCallerJoin", queue, caller, ("Count", str(queue.count)))
        return None

    def leave(self, queue: Queue, caller: Caller) -> None:
        """``leave_queue``."""
        if caller not in queue.callers:
            return
        queue.callers.remove(caller)
        if not queue.count:
            self.publish_state(f"Queue:{queue.name}", NOT_INUSE)
        self._caller_event("QueueCallerLeave", queue, caller, ("Count", str(queue.count)))
        for i, other in enumerate(queue.callers, 1):
            other.pos = i
        caller.channel.set_variable("QUEUEPOSITION", str(caller.pos))

    def record_abandoned(self, queue: Queue, caller: Caller) -> None:
        caller.channel.set_variable("ABANDONED", "TRUE")
        self.set_queue_variables(queue, caller.channel)
        held = int(self.elapsed() - caller.start)
        queue.abandoned_in_sl += held <= queue.config.servicelevel
        queue.abandoned += 1
        extra = [("OriginalPosition", str(caller.opos)), ("HoldTime", str(held))]
        self._caller_event("QueueCallerAbandon", queue, caller, *extra)

    def _caller_event(self, name: str, queue: Queue, caller: Caller, *extra: tuple[str, str]) -> None:
        headers = [*caller.channel.snapshot(), ("Queue", queue.name), ("Position", str(caller.pos)), *extra]
        self.pbx.bus.publish(name, "agent", headers)

    def recalc_holdtime(self, queue: Queue, held: int) -> None:
        if queue.completed + queue.abandoned == 0:
            queue.holdtime = held
        else:
            queue.holdtime = (queue.holdtime * 3 + held) >> 2

    def set_queue_variables(self, queue: Queue, chan: Channel) -> None:
        """``set_queue_variables`` (``setqueuevar``)."""
        if not queue.config.setqueuevar:
            return
        for name, value in (
            ("QUEUENAME", queue.name),
            ("QUEUEMAX", str(queue.config.maxlen)),
            ("QUEUESTRATEGY", queue.strategy),
            ("QUEUECALLS", str(queue.count)),
            ("QUEUEHOLDTIME", str(queue.holdtime)),
            ("QUEUETALKTIME", str(queue.talktime)),
            ("QUEUECOMPLETED", str(queue.completed)),
            ("QUEUEABANDONED", str(queue.abandoned)),
            ("QUEUESRVLEVEL", str(queue.config.servicelevel)),
            ("QUEUESRVLEVELPERF", f"{queue.service_level_perf():.1f}"),
        ):
            chan.set_variable(name, value)

    # -- connected calls ----------------------------------------------------------------------
    def connected(self, call: QueueCall) -> None:
        """The caller is about to be bridged with the member: watch for the end of the call."""
        self.calls.append(call)

    def _complete(self, call: QueueCall, reason: str) -> None:
        """``handle_hangup``: AgentComplete, then ``update_queue``."""
        if call in self.calls:
            self.calls.remove(call)
        talk = int(self.elapsed() - call.starttime)
        headers = [*call.caller.snapshot(), *call.agent.snapshot("Dest")]
        headers += [("Queue", call.queue.name), ("Interface", call.member.interface)]
        headers += [("MemberName", call.member.name), ("HoldTime", str(int(call.starttime - call.holdstart)))]
        headers += [("TalkTime", str(talk)), ("Reason", reason)]
        self.pbx.bus.publish("AgentComplete", "agent", headers)
        self.update_queue(call.queue, call.member, call.completed_in_sl, call.starttime)

    def update_queue(self, queue: Queue, member: Member, completed_in_sl: bool, starttime: float) -> None:
        """``update_queue``: the member's call counts once (``shared_lastcall``: in every queue)."""
        if member.starttime != starttime:
            return
        member.starttime = None
        talk = int(self.elapsed() - starttime)
        queues = self.queues if self.config.shared_lastcall else [queue]
        for q in queues:
            same = q.member(member.interface) if q is not queue else member
            if same is not None:
                same.lastcall, same.lastcall_at = self.epoch(), self.elapsed()
                same.calls += 1
                same.callcompletedinsl = False
        self.pending.discard(member.interface.lower())
        queue.completed += 1
        queue.completed_in_sl += completed_in_sl
        queue.talktime = talk if queue.completed == 1 else (queue.talktime * 3 + talk) >> 2
