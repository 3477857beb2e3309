"""``Queue(queuename[,options[,URL[,announceoverride[,timeout[,AGI[,gosub[,rule[,position]]]]]]]])``.

app_queue's ``queue_exec``, ``try_calling`` and ``wait_for_answer`` (Asterisk 22), in their order:
the caller joins (``QueueCallerJoin``), hears music on hold (``r``: ringing) and, when it is its turn,
rings the members the strategy picks (:mod:`sim.queues`) for the queue's ``timeout``; a member who
does not answer gets ``AgentRingNoAnswer``; after ``retry`` seconds it tries again, until the
``timeout`` argument expires (``QUEUESTATUS=TIMEOUT``, ``QueueCallerAbandon``) or a member answers:
then ``AgentConnect``, a bridge, and at the end ``AgentComplete`` (:mod:`sim.queue_module`).  Sets
``QUEUESTATUS``, ``QUEUEWAIT``, ``QUEUEPOSITION``, ``ABANDONED``, ``ANSWEREDTIME``, ``DIALEDTIME``
(+ ``_MS``) and, as the queue is configured, the ``MEMBER*``, ``QE*`` and ``QUEUE*`` variables.

Options: ``c`` go on in the dialplan after the call, ``C`` cancel other members as answered
elsewhere, ``m(class)`` music class, ``n`` no retries, ``r`` ringing instead of music; the others are
accepted without effect, as are the URL, announcement, AGI, gosub and rule arguments.  A digit
exits the queue between rounds of calls (not while members ring) when the queue has a ``context``
with that exact extension.  Ringing the members is :mod:`sim.apps.queue_round`.
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING

from sim.apps.queue_calls import CallerRecords, MemberCall
from sim.apps.queue_round import Round
from sim.channel import WakeReason
from sim.dialplan.args import split_app_args
from sim.dialplan.ctext import atoi, scan_int
from sim.queue_module import queues_of
from sim.queues import Caller, QueueCall, calc_metric, store_next_rr

if TYPE_CHECKING:
    from sim.channel import Channel
    from sim.pbx import Pbx
    from sim.queue_module import QueueModule
    from sim.queues import Queue

RESET_VARIABLES = (
    "ANSWEREDTIME",
    "ANSWEREDTIME_MS",
    "DIALEDTIME",
    "DIALEDTIME_MS",
    "QUEUEWAIT",
    "QUEUEWAIT_MS",
)
DIGITS = "0123456789*#"


def set_duration(chan: Channel, name: str, milliseconds: int) -> None:
    """``set_duration_var``: ``NAME`` in seconds and ``NAME_MS``."""
    chan.set_variable(name, str(milliseconds // 1000))
    chan.set_variable(f"{name}_MS", str(milliseconds))


async def app_queue(pbx: Pbx, chan: Channel, data: str) -> int:
    for name in RESET_VARIABLES:
        chan.set_variable(name, "")
    args = [*split_app_args(data), "", "", "", "", "", "", "", "", ""]
    if not args[0]:
        return -1  # "Queue requires an argument"
    module = queues_of(pbx)
    caller = Caller(chan, pbx.clock.elapsed())
    chan.variables.pop("ABANDONED", None)
    if args[4]:
        caller.expire = caller.start + atoi(args[4])
    caller.prio = scan_int(chan.get_variable("QUEUE_PRIO") or "") or 0
    caller.max_penalty = scan_int(chan.get_variable("QUEUE_MAX_PENALTY") or "x")
    caller.min_penalty = scan_int(chan.get_variable("QUEUE_MIN_PENALTY") or "x")
    queue = module.queue(args[0])
    reason = "UNKNOWN" if queue is None else module.join(queue, caller, max(0, atoi(args[8])))
    if queue is None or reason is not None:
        chan.set_variable("QUEUESTATUS", reason or "UNKNOWN")
        return 0
    options = {m.group(1): m.group(2) or "" for m in re.finditer(r"([A-Za-z])(?:\(([^)]*)\))?", args[1])}
    return await _Stay(pbx, module, queue, caller, options).run()


class _Stay:
    """One caller's stay in one queue."""

    def __init__(
        self, pbx: Pbx, module: QueueModule, queue: Queue, caller: Caller, options: dict[str, str]
    ) -> None:
        self.pbx, self.module, self.queue, self.caller = pbx, module, queue, caller
        self.chan = caller.channel
        self.options = options
        self.moh = options.get("m") or queue.config.musicclass or "default"
        self.tries = 0
        self.digits = ""
        self.records = CallerRecords(pbx, self.chan)
        self.rng = random.Random(f"{queue.name}/{self.chan.uniqueid}")

    def _elapsed(self) -> float:
        return self.pbx.clock.elapsed()

    def _held(self) -> int:
        return int(self._elapsed() - self.caller.start)

    def _expired(self) -> bool:
        return self.caller.expire is not None and self._elapsed() >= self.caller.expire

    def _hold(self, on: bool) -> None:
        if "r" in self.options:
            self.chan.indicate("ringing" if on else "")
        elif on:
            self.pbx.start_moh(self.chan, self.moh)
        else:
            self.pbx.stop_moh(self.chan)

    async def run(self) -> int:
        reason, res = "UNKNOWN", 0
        again = True
        while again:  # check_turns
            self._hold(True)
            res, reason = await self._wait_turn(reason)
            if res:
                break
            res, reason, again = await self._at_head(reason)
        return await self._stop(res, reason)

    async def _wait(self, seconds: float) -> int:
        """``ast_waitfordigit``: -1 hang-up, 0 time-out or no valid exit, else the digit's code."""
        wake = await self.chan.wait(seconds, DIGITS if self.queue.config.context else "")
        if wake.reason in (WakeReason.HANGUP, WakeReason.GOTO):
            return -1
        if wake.reason is WakeReason.DIGIT and wake.digit:
            return ord(wake.digit) if self._valid_exit(wake.digit) else 0
        return 0

    def _valid_exit(self, digit: str) -> bool:
        self.digits += digit
        context = self.queue.config.context
        if self.pbx.exists(context, self.digits):
            self.pbx.goto(self.chan, context, self.digits, 1)
            return True
        self.digits = ""
        return False

    def _our_turn(self) -> bool:
        """``is_our_turn``: within the first available-member-count callers not already ringing."""
        available = self.queue.available_count(self._elapsed())
        index = 0
        for other in self.queue.callers:
            if other is self.caller or index >= available:
                break
            index += not other.pending
        ahead_ok = self.queue.config.autofill or self.caller.pos == 1
        return self.caller in self.queue.callers and index < available and ahead_ok

    def _empty(self) -> bool:
        conditions = self.queue.config.leavewhenempty
        return bool(conditions) and self.queue.is_empty(conditions, self.caller, self._elapsed())

    async def _wait_turn(self, reason: str) -> tuple[int, str]:
        """``wait_our_turn``."""
        while True:
            self.module.read_phones()
            if self._our_turn():
                return 0, reason
            if self._expired():
                return 0, "TIMEOUT"
            if self._empty():
                self.module.record_abandoned(self.queue, self.caller)
                self.caller.handled = -1
                return -1, "LEAVEEMPTY"
            res = await self._wait(1.0)
            if res:
                return res, reason
            if self._expired():
                return 0, "TIMEOUT"

    async def _at_head(self, reason: str) -> tuple[int, str, bool]:
        """``queue_exec``'s loop for the head caller: (result, reason, back to waiting for a turn)."""
        while True:
            if self._expired():
                self.module.record_abandoned(self.queue, self.caller)
                return 0, "TIMEOUT", False
            res = await self._try_calling()
            if res:
                return res, reason, False
            if self._empty():
                self.module.record_abandoned(self.queue, self.caller)
                return 0, "LEAVEEMPTY", False
            if "n" in self.options and self.tries >= len(self.queue.members):
                self.module.record_abandoned(self.queue, self.caller)
                return 0, "TIMEOUT", False
            if self._expired():
                self.module.record_abandoned(self.queue, self.caller)
                return 0, "TIMEOUT", False
            res = await self._wait(self.queue.config.retry)
            if res:
                return res, reason, False
            if not self._our_turn():
                return 0, reason, True

    async def _stop(self, res: int, reason: str) -> int:
        chan, caller = self.chan, self.caller
        if not chan.get_variable("QUEUEWAIT"):
            set_duration(chan, "QUEUEWAIT", self._held() * 1000)
        if not chan.get_variable("DIALEDTIME"):
            set_duration(chan, "DIALEDTIME", int((self.pbx.clock.now() - chan.created) * 1000))
        if not chan.get_variable("ANSWEREDTIME"):
            set_duration(chan, "ANSWEREDTIME", 0)
        if res < 0:
            if not caller.handled:
                self.module.record_abandoned(self.queue, caller)
            elif reason == "LEAVEEMPTY":
                res = 0
            elif "c" in self.options:
                reason, res = "CONTINUE", 0
        if res >= 0:
            res = 0
            self._hold(False)
        self.module.set_queue_variables(self.queue, chan)
        self.module.leave(self.queue, caller)
        if reason != "UNKNOWN":
            chan.set_variable("QUEUESTATUS", reason)
        if res == 0:
            self.records.resumed()
        return res

    # -- ringing members ----------------------------------------------------------------------
    def _ring_timeout(self) -> float | None:
        """The members' ring time in seconds (None: no limit), ``timeoutpriority`` deciding."""
        timeout, caller, priority = self.queue.config.timeout, self.caller, self.queue.config.timeoutpriority
        left = None if caller.expire is None else round(caller.expire - caller.start) - self._held()
        if priority == "app" and left is not None and (not timeout or left <= timeout):
            return max(0, left)
        if priority == "conf" and left is not None and left <= 0:
            return 0
        return timeout or None

    async def _try_calling(self) -> int:
        """``try_calling``: one round of calls; 0 nobody answered, -1 the caller left, else the call's end."""
        queue, caller = self.queue, self.caller
        if self._expired():
            return 0
        if "n" in self.options:
            one_by_one = queue.strategy in ("rrmemory", "linear", "rrordered")
            self.tries = self.tries + 1 if one_by_one else len(queue.members)
        calls: list[MemberCall] = []
        now = self.module.epoch()
        for pos, member in enumerate(queue.members):
            metric = calc_metric(queue, member, pos, caller, random_value=self.rng.randrange(2**31), now=now)
            if metric is not None:
                calls.insert(0, MemberCall(member, metric))
        ring_s = self._ring_timeout()
        caller.pending = True
        round_ = Round(self.pbx, self.module, queue, caller, self.records, calls)
        await round_.ring()
        peer, left_ms = await round_.wait_for_answer(ring_s)
        best = round_.best()
        if queue.strategy in ("rrmemory", "rrordered"):
            store_next_rr(queue, best.metric if best else None)
        elif queue.strategy == "linear":
            caller.linpos = best.metric % 1000 if best else 0 if caller.linwrapped else caller.linpos + 1
            caller.linwrapped = False
        if peer is None:
            caller.pending = False
            await round_.hang_up(None, cancel_elsewhere="C" in self.options)
            return -1 if left_ms else 0
        ring_ms = None if ring_s is None else ring_s * 1000
        ring_time = int((ring_ms - left_ms) // 1000) if ring_ms is not None and ring_ms > left_ms else 0
        return await self._connect(round_, peer, ring_time)

    # -- the answered member ------------------------------------------------------------------
    async def _connect(self, round_: Round, peer: MemberCall, ring_time: int) -> int:
        queue, caller, chan, module = self.queue, self.caller, self.chan, self.module
        held = self._held()
        module.recalc_holdtime(queue, held)
        member = peer.member
        member.callcompletedinsl = held <= queue.config.servicelevel
        self.records.answered(peer)
        await round_.hang_up(peer, cancel_elsewhere="C" in self.options)
        agent = peer.channel
        assert agent is not None and peer.leg is not None
        self._hold(False)
        if queue.config.setinterfacevar:
            for target in (chan, agent):
                for name, value in (
                    ("MEMBERINTERFACE", member.interface),
                    ("MEMBERNAME", member.name),
                    ("MEMBERCALLS", str(member.calls)),
                    ("MEMBERLASTCALL", str(member.lastcall)),
                    ("MEMBERPENALTY", str(member.penalty)),
                    ("MEMBERDYNAMIC", "1" if member.dynamic else "0"),
                    ("MEMBERREALTIME", "0"),
                ):
                    target.set_variable(name, value)
        if queue.config.setqueueentryvar:
            for target in (chan, agent):
                target.set_variable("QEHOLDTIME", str(self._held()))
                target.set_variable("QEORIGINALPOS", str(caller.opos))
        module.set_queue_variables(queue, chan)
        module.set_queue_variables(queue, agent)
        module.leave(queue, caller)
        caller.handled += 1
        set_duration(chan, "QUEUEWAIT", self._held() * 1000)
        fields = [("Queue", queue.name), ("Interface", member.interface), ("MemberName", member.name)]
        fields += [("HoldTime", str(self._held())), ("RingTime", str(ring_time))]
        self.pbx.bus.publish("AgentConnect", "agent", [*chan.snapshot(), *agent.snapshot("Dest"), *fields])
        member.starttime = self._elapsed()
        module.connected(
            QueueCall(queue, member, chan, agent, caller.start, member.starttime, member.callcompletedinsl)
        )
        return await self._bridge(agent)

    async def _bridge(self, agent: Channel) -> int:
        """``ast_bridge_call`` and the ``end_bridge_callback``: -1 hang up, 1 the caller was redirected."""
        pbx, chan = self.pbx, self.chan
        bridge = pbx.new_bridge()
        bridge.enter(agent)
        bridge.enter(chan)
        pbx.set_bridgepeers(bridge)
        pbx.notify_bridged(bridge)
        started = self._elapsed()
        while not (chan.hungup or agent.hungup or chan.bridge is not bridge or agent.bridge is not bridge):
            if chan.pending_goto is not None or agent.pending_goto is not None:
                break
            bridge.changed.clear()
            await bridge.changed.wait()
        first, second = (chan, agent) if chan.hungup or chan.bridge is not bridge else (agent, chan)
        for party in (first, second):
            if party.bridge is bridge:
                pbx.leave_bridge(party)
            if party is agent and not agent.dead and agent.pending_goto is None and agent.bridge is None:
                agent.hangupcause = agent.hangupcause or 16
                await pbx.hangup(agent)
        if not bridge.destroyed:
            bridge.destroy()
        self.module.set_queue_variables(self.queue, chan)
        set_duration(chan, "ANSWEREDTIME", int((self._elapsed() - started) * 1000))
        set_duration(chan, "DIALEDTIME", int((pbx.clock.now() - chan.created) * 1000))
        if chan.pending_goto is not None and not chan.hungup:
            return 1
        chan.hangupcause = chan.hangupcause or 16
        return -1


APPS = {"Queue": app_queue}
