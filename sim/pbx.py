"""The simulated PBX: channels, the dialplan loop, answer and hang-up.

This module is the core that the AMI server, the dialplan applications and the phones
share.  Its event sequences follow Asterisk 22's, as seen in ``../shared/asterisk/captures``:

* a channel running the dialplan (``runs_pbx``) ends with ``SoftHangupRequest`` (cause 16,
  Asterisk's ``AST_SOFTHANGUP_APPUNLOAD``) and then ``Hangup``;
* hanging up one half of a Local channel queues a hang-up on the other half
  (``HangupRequest`` carrying the first half's cause);
* a queued hang-up with a non-zero cause sets the channel's hang-up cause; AMI ``Hangup``
  sets it silently; ``Hangup()`` sets 16 when none is set.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import structlog

from sim.bridge import Bridge
from sim.cdr import publish_cdr
from sim.channel import AST_STATE_UP, CAUSE_TEXT, Channel, Location
from sim.clock import SimClock
from sim.dialplan.config import Dialplan
from sim.dialplan.expressions import substitute
from sim.events import EventBus
from sim.functions import ChannelFunctions, ChannelResolver
from sim.ids import IdAllocator
from sim.media import SoundLibrary

log = structlog.get_logger(__name__)

AppFunc = Callable[["Pbx", Channel, str], Awaitable[int]]
MediaListener = Callable[[Channel, str, str, str], None]


class Pbx:
    def __init__(
        self,
        dialplan: Dialplan,
        *,
        clock: SimClock | None = None,
        ids: IdAllocator | None = None,
        media: SoundLibrary | None = None,
        bus: EventBus | None = None,
        spool_dir: str = "var/spool",
        agi_override: str | None = None,
    ) -> None:
        self.dialplan = dialplan
        self.clock = clock or SimClock()
        self.ids = ids or IdAllocator()
        self.media = media or SoundLibrary()
        self.bus = bus or EventBus()
        self.globals: dict[str, str] = dict(dialplan.globals)
        self.channels: dict[str, Channel] = {}
        self.bridges: dict[str, Bridge] = {}
        self.functions = ChannelFunctions(self)
        self.apps: dict[str, AppFunc] = {}
        self.endpoints: dict[str, Any] = {}  # "PJSIP/1001" -> sim.phones.Phone
        self.media_listeners: list[MediaListener] = []
        self.spool_dir = spool_dir
        self.agi_override = agi_override
        self.calls_processed = 0
        self.recordings_done: list[Path] = []
        self.spy_sessions: list[Any] = []
        self.started = self.clock.now()
        self._tasks: set[asyncio.Task[Any]] = set()
        from sim.apps import register_all

        register_all(self)

    # ------------------------------------------------------------------ tasks
    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str | None = None) -> asyncio.Task[Any]:
        """Run ``coro`` as a task the PBX keeps and watches (none is ever forgotten)."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("sim task failed", task=task.get_name(), error=repr(exc), exc_info=exc)

    async def shutdown(self) -> None:
        for chan in list(self.channels.values()):
            chan.soft_hangup(16)
        tasks = list(self._tasks)
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=2.0)
            for t in pending:
                t.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    # ------------------------------------------------------------------ channels
    def new_channel(
        self,
        name: str,
        *,
        tech: str,
        context: str,
        exten: str,
        state: int,
        linkedid: str | None = None,
        caller: tuple[str | None, str | None] = (None, None),
        language: str = "en",
        publish: bool = True,
    ) -> Channel:
        now = self.clock.now()
        uid = self.ids.uniqueid(now)
        chan = Channel(
            pbx=self,
            name=name,
            uniqueid=uid,
            linkedid=linkedid or uid,
            tech=tech,
            context=context,
            exten=exten,
            state=state,
            caller_num=caller[0],
            caller_name=caller[1],
            language=language,
            created=now,
        )
        self.channels[name] = chan
        if publish:
            chan.publish("Newchannel")
        return chan

    def find_channel(self, name: str) -> Channel | None:
        chan = self.channels.get(name)
        if chan is None:
            for c in self.channels.values():
                if c.name.lower() == name.lower() or c.uniqueid == name:
                    return c
        return chan

    def device_state(self, device: str, state: str) -> None:
        self.bus.publish("DeviceStateChange", "call", [("Device", device), ("State", state)])

    def idle_device_state(self, chan: Channel) -> str:
        """A Local device whose extension does not exist is INVALID, as Asterisk reports it."""
        if chan.tech == "Local" and chan.endpoint:
            exten, _, context = chan.endpoint.partition("@")
            if not self.exists(context, exten):
                return "INVALID"
        return "NOT_INUSE"

    @staticmethod
    def device_of(chan: Channel) -> str:
        if chan.tech == "Local":
            return chan.name.rsplit("-", 1)[0]
        return chan.name.rsplit("-", 1)[0]

    # ------------------------------------------------------------------ variables
    def substitute(self, chan: Channel | None, text: str) -> str:
        if "$" not in text:
            return text
        return substitute(text, ChannelResolver(self, chan))

    def set_global(self, name: str, value: str) -> None:
        self.globals[name] = value
        self.bus.publish(
            "VarSet",
            "dialplan",
            [("Channel", "none"), ("Uniqueid", "none"), ("Variable", name), ("Value", value)],
        )

    # ------------------------------------------------------------------ media hooks
    def notify_media(self, chan: Channel, kind: str, what: str, escape: str) -> None:
        for listener in list(self.media_listeners):
            listener(chan, kind, what, escape)

    def start_moh(self, chan: Channel, moh_class: str = "default") -> None:
        if chan.moh_class is None:
            chan.moh_class = moh_class
            chan.publish("MusicOnHoldStart", [("Class", moh_class)])
            self.notify_media(chan, "moh", moh_class, "")

    def stop_moh(self, chan: Channel) -> None:
        if chan.moh_class is not None:
            chan.moh_class = None
            chan.publish("MusicOnHoldStop")

    # ------------------------------------------------------------------ answer / hang-up
    async def answer(self, chan: Channel) -> None:
        if chan.state == AST_STATE_UP:
            return
        chan.set_state(AST_STATE_UP)
        peer = chan.local_peer
        if peer is not None and not peer.dead and peer.state != AST_STATE_UP:
            peer.set_state(AST_STATE_UP)
        if chan.tech == "Local":
            self.device_state(self.device_of(chan), "INUSE")
        for listener in list(chan.listeners):
            on_answer = getattr(listener, "on_answer", None)
            if on_answer is not None:
                on_answer(chan)

    def queue_hangup(self, chan: Channel, cause: int) -> None:
        """Another party hung up: ``HangupRequest`` on ``chan`` and it ends soon."""
        if chan.dead or chan.softhangup:
            return
        chan.publish("HangupRequest", [("Cause", str(cause))])
        if cause:
            chan.hangupcause = cause
        chan.soft_hangup()

    def soft_hangup_event(self, chan: Channel, flag: int) -> None:
        """``ast_softhangup()``: publishes ``SoftHangupRequest`` with the soft-hang-up flag."""
        chan.publish("SoftHangupRequest", [("Cause", str(flag))])
        chan.soft_hangup()

    async def hangup(self, chan: Channel) -> None:
        """``ast_hangup()``: tear the channel down and publish its last events."""
        if chan.dead:
            return
        chan.softhangup = True
        self.stop_moh(chan)
        for recorder in list(chan.recorders):
            stop = getattr(recorder, "stop", None)
            if stop is not None:
                stop(publish=False)
        if chan.bridge is not None:
            # whoever drives the bridge (Dial, an AMI Bridge) sees the party leave and ends it
            self.leave_bridge(chan)
        peer = chan.local_peer
        if peer is not None and not peer.dead:
            self.queue_hangup(peer, chan.hangupcause)
        for listener in list(chan.listeners):
            on_hangup = getattr(listener, "on_hangup", None)
            if on_hangup is not None:
                on_hangup(chan)
        publish_cdr(self, chan)
        chan.publish(
            "Hangup",
            [("Cause", str(chan.hangupcause)), ("Cause-txt", CAUSE_TEXT.get(chan.hangupcause, "Unknown"))],
        )
        chan.mark_hung_up()
        self.channels.pop(chan.name, None)
        self.device_state(self.device_of(chan), self.idle_device_state(chan))
        self.calls_processed += 1
        await asyncio.sleep(0)

    # ------------------------------------------------------------------ bridges
    def new_bridge(self) -> Bridge:
        bridge = Bridge(self, self.ids.bridge_id())
        self.bridges[bridge.id] = bridge
        bridge.publish_create()
        return bridge

    def join_bridge(self, bridge: Bridge, chan: Channel) -> None:
        bridge.enter(chan)

    def leave_bridge(self, chan: Channel) -> None:
        bridge = chan.bridge
        if bridge is None:
            return
        for other in bridge.peers(chan):
            if other.get_variable("BRIDGEPEER"):
                other.set_variable("BRIDGEPEER", "")
        if chan.variables.get("BRIDGEPEER"):
            chan.set_variable("BRIDGEPEER", "")
        bridge.leave(chan)

    def notify_bridged(self, bridge: Bridge) -> None:
        for chan in bridge.channels:
            for listener in list(chan.listeners):
                on_bridged = getattr(listener, "on_bridged", None)
                if on_bridged is not None:
                    on_bridged(chan, bridge)

    def set_bridgepeers(self, bridge: Bridge) -> None:
        if len(bridge.channels) == 2:
            a, b = bridge.channels
            b.set_variable("BRIDGEPEER", a.name)
            a.set_variable("BRIDGEPEER", b.name)

    # ------------------------------------------------------------------ dialplan
    def goto(self, chan: Channel, context: str, exten: str, priority: int) -> None:
        """Jump (synchronously, from a dialplan app) to ``context,exten,priority``."""
        chan.context, chan.exten, chan.priority = context, exten, priority - 1

    async def run_pbx(self, chan: Channel) -> None:
        """Run the dialplan on ``chan`` from its current location until it hangs up."""
        chan.runs_pbx = True
        chan.driven = True
        log_ = log.bind(uniqueid=chan.uniqueid, linkedid=chan.linkedid, channel=chan.name)
        if chan.cdr is not None and not chan.cdr.dst:
            chan.cdr.dst, chan.cdr.dcontext = chan.exten, chan.context
        try:
            if self.dialplan.find(chan.context, chan.exten, chan.priority) is None:
                log_.warning("no such extension", context=chan.context, exten=chan.exten)
            while not chan.hungup:
                if chan.pending_goto is not None:
                    self._apply_goto(chan)
                if chan.pending_bridge is not None:
                    from sim.bridging import participate

                    bridge, chan.pending_bridge = chan.pending_bridge, None
                    await participate(self, chan, bridge)
                    if chan.ended():
                        break
                    if chan.pending_goto is None:
                        chan.priority += 1
                    continue
                prio = self.dialplan.find(chan.context, chan.exten, chan.priority)
                if prio is None:
                    break
                data = self.substitute(chan, prio.data)
                chan.publish(
                    "Newexten",
                    [("Extension", chan.exten), ("Application", prio.app), ("AppData", data)],
                    privilege="dialplan",
                )
                res = await self.exec_app(chan, prio.app, data, from_dialplan=True)
                if (chan.pending_goto is not None or chan.pending_bridge is not None) and not chan.hungup:
                    continue
                if res != 0 or chan.hungup:
                    break
                chan.priority += 1
        except asyncio.CancelledError:
            raise
        except Exception:
            log_.exception("dialplan run failed")
        finally:
            if not chan.dead:
                self.soft_hangup_event(chan, 16)
                await self.hangup(chan)

    def _apply_goto(self, chan: Channel) -> None:
        loc = chan.pending_goto
        chan.pending_goto = None
        if loc is not None:
            chan.context, chan.exten, chan.priority = loc.context, loc.exten, loc.priority
            if chan.cdr is not None:  # the call record follows an asynchronous goto
                chan.cdr.dst, chan.cdr.dcontext = loc.exten, loc.context

    async def exec_app(self, chan: Channel, app: str, data: str, *, from_dialplan: bool = False) -> int:
        """Run dialplan application ``app``: 0 go on, -1 hang up, -2 no such application."""
        func = self.apps.get(app.lower())
        if func is None:
            log.warning("no such application", app=app, uniqueid=chan.uniqueid)
            return -1 if from_dialplan else -2
        chan.appl, chan.data = app, data
        if chan.cdr is not None and app.lower() not in ("noop", "verbose", "set", "goto", "gotoif"):
            chan.cdr.lastapp, chan.cdr.lastdata = app, data
        try:
            return await func(self, chan, data)
        except Exception:
            log.exception("application failed", app=app, uniqueid=chan.uniqueid)
            return -1

    def async_goto(self, chan: Channel, location: Location) -> bool:
        """AMI ``Redirect``: interrupt what the channel does and continue at ``location``."""
        if chan.dead or chan.softhangup:
            return False
        if chan.driven:
            # whatever drives the channel (its dialplan, an originated application) sees the
            # goto, stops its application and continues in the dialplan there
            chan.request_goto(location)
        else:
            # nothing runs this channel (e.g. the called party of a Dial): it leaves its
            # bridge now and gets a dialplan of its own (driven from now on, so the Dial that
            # called it does not hang it up as it would a called party left behind)
            chan.driven = True
            if chan.bridge is not None:
                self.leave_bridge(chan)
            chan.context, chan.exten, chan.priority = location.context, location.exten, location.priority
            self.spawn(self.run_pbx(chan), name=f"pbx {chan.name}")
        return True

    def exists(self, context: str, exten: str, priority: int = 1) -> bool:
        return self.dialplan.find(context, exten, priority) is not None
