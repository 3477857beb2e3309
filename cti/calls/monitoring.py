"""QA monitoring (监听): listen to, whisper to or barge into an agent's live call from the QA's phone.

Starting a session rings the QA person's own phone: AMI ``Originate`` of
``${AGENT_TECH}/<their phone>${AGENT_SUFFIX}`` into ``[qa-spy]`` with ``SPY_TARGET`` (the agent's
channel) and ``SPY_OPTIONS``; the dialplan runs ``ChanSpy(${SPY_TARGET},${SPY_OPTIONS}E)``.

==========  =======  ===============================================
mode        options  who hears the QA person
==========  =======  ===============================================
listen      ``q``    nobody (quiet: no beep, no name announced)
whisper     ``qw``   the agent only
barge       ``qB``   the agent and the caller
==========  =======  ===============================================

Switching mode sets ``SPY_OPTIONS`` on the QA's channel and redirects it to ``[qa-spy]`` again
(the phone stays off-hook; ChanSpy restarts with the new options).  ChanSpy sees the Redirect
when the next audio frame arrives from the QA's phone — at once with a SIP phone, which sends
RTP all the time (seen on the real Asterisk: ``tests/cti/api/test_call_control_asterisk.py``).
Stopping hangs the QA's channel up.  Every session is logged (:mod:`storage.monitoring`)
from start to end, whoever ends it (the page, the QA hanging up, the call ending).

Rights: a prefecture's QA may monitor only that prefecture's agents; provincial QA any agent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.store import CallPhase
from cti.access.roles import Principal
from cti.acd_bridge.link import AcdLink
from cti.ami.channels import Change, ChannelRemoved
from cti.ami.client import AmiClient
from cti.ami.originate import PendingOriginate
from cti.background import Background
from cti.calls.call_control import CallControl
from cti.calls.metrics import CallMetrics
from cti.errors import BadRequest, Conflict, NotFound, OutOfScope, TelephonyFailed
from cti.notifier import Hub, user_topic
from storage.monitoring import (
    MonitoringMode,
    close_monitoring,
    monitoring_log,
    open_monitoring,
    record_mode,
    record_spy_channel,
)
from storage.users import User

__all__ = ["SPY_OPTIONS", "Monitoring"]

log = structlog.get_logger(__name__)

SPY_CONTEXT = "qa-spy"
SPY_OPTIONS: dict[MonitoringMode, str] = {
    MonitoringMode.LISTEN: "q",
    MonitoringMode.WHISPER: "qw",
    MonitoringMode.BARGE: "qB",
}
RING_TIMEOUT_MS = 30_000


@dataclass(slots=True)
class SpySession:
    id: int
    qa_user_id: int
    agent_id: str
    prefecture: str
    caller: str
    mode: MonitoringMode
    started: float
    spy_uniqueid: str | None = None
    state: str = "ringing"  # ringing | active | ended
    stop_requested: bool = False

    def view(self) -> dict[str, Any]:
        return {
            "session_id": self.id,
            "agent_id": self.agent_id,
            "prefecture": self.prefecture,
            "uniqueid": self.caller,
            "mode": self.mode.value,
            "state": self.state,
            "started": self.started,
        }


class Monitoring:
    def __init__(
        self,
        ami: AmiClient,
        acd: AcdLink,
        control: CallControl,
        sessions: async_sessionmaker[AsyncSession],
        hub: Hub,
        metrics: CallMetrics,
        background: Background,
        clock: Callable[[], float],
    ) -> None:
        self._ami = ami
        self._acd = acd
        self._control = control
        self._sessions = sessions
        self._hub = hub
        self._metrics = metrics
        self._background = background
        self._clock = clock
        self._active: dict[int, SpySession] = {}
        self._starting: set[int] = set()  # QA users whose start is under way

    # -- what can be monitored ---------------------------------------------------------------
    async def live_calls(self, who: Principal) -> list[dict[str, Any]]:
        """Agents' calls in progress in the user's scope, with the sessions on each."""
        acd = self._acd.service
        agents = {a.id: a for a in await acd.agents()}
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        now = self._clock()
        for record in await acd.calls():
            agent = agents.get(record.agent_id or "")
            if record.phase is not CallPhase.CONNECTED or agent is None or not who.covers(agent.prefecture):
                continue
            seen.add(record.entry.uniqueid)
            out.append(self._call_row(record.entry.uniqueid, agent.id, agent.prefecture, record.since, now))
            out[-1]["skill"] = record.entry.requirement.skill
            out[-1]["segment"] = record.entry.segment.value
        for live in self._control.calls:
            agent = agents.get(live.agent_id)
            if live.caller in seen or agent is None or not who.covers(agent.prefecture):
                continue
            out.append(self._call_row(live.caller, agent.id, agent.prefecture, live.started, now))
        return sorted(out, key=lambda row: (row["prefecture"], row["agent_id"]))

    def _call_row(
        self, uniqueid: str, agent_id: str, prefecture: str, since: float, now: float
    ) -> dict[str, Any]:
        return {
            "uniqueid": uniqueid,
            "agent_id": agent_id,
            "prefecture": prefecture,
            "since": since,
            "duration_s": round(max(0.0, now - since), 1),
            "monitored": [s.view() for s in self._active.values() if s.caller == uniqueid],
        }

    # -- sessions ----------------------------------------------------------------------------
    async def start(self, who: Principal, agent_id: str, mode: MonitoringMode) -> dict[str, Any]:
        # one session per QA user: the check and the reservation happen before any await, so
        # concurrent requests from one user cannot all pass the check (security finding 6)
        if who.user_id in self._starting or any(s.qa_user_id == who.user_id for s in self._active.values()):
            raise Conflict("you are already monitoring a call; stop it first")
        self._starting.add(who.user_id)
        try:
            return await self._start(who, agent_id, mode)
        finally:
            self._starting.discard(who.user_id)

    async def _start(self, who: Principal, agent_id: str, mode: MonitoringMode) -> dict[str, Any]:
        acd = self._acd.service
        agent = await acd.agent(agent_id)
        if not who.covers(agent.prefecture):
            raise OutOfScope(f"agent {agent_id} is not in your prefecture")
        call = await self._control.current(agent_id)
        leg = None if call.agent_leg is None else self._ami.state.channel(call.agent_leg)
        if leg is None:
            raise Conflict("the agent's phone is not on the call")
        async with self._sessions() as db:
            user = await db.get(User, who.user_id)
            phone = user.phone if user is not None else None
            if not phone:
                raise BadRequest("no phone is registered for you to listen on")
            now = self._clock()
            row = await open_monitoring(
                db, qa_user_id=who.user_id, agent_id=agent_id, prefecture=agent.prefecture,
                call_uniqueid=call.caller, mode=mode, now=datetime.fromtimestamp(now, UTC),
            )  # fmt: skip
            await db.commit()
        session = SpySession(row.id, who.user_id, agent_id, agent.prefecture, call.caller, mode, now)
        self._active[session.id] = session
        try:
            tech = await self._ami.getvar("AGENT_TECH") or "PJSIP"
            suffix = await self._ami.getvar("AGENT_SUFFIX")
            pending = await self._ami.originate(
                f"{tech}/{phone}{suffix}",
                context=SPY_CONTEXT,
                exten="s",
                priority=1,
                caller_id=f"QA {agent_id} <{phone}>",
                timeout_ms=RING_TIMEOUT_MS,
                variables={"SPY_TARGET": leg.name, "SPY_OPTIONS": SPY_OPTIONS[mode]},
            )
        except Exception as exc:
            await self._end(session, "failed")
            raise TelephonyFailed("the QA phone could not be called") from exc
        self._metrics.monitoring.labels(mode.value).inc()
        log.info(
            "api monitoring started", session=session.id, user_id=who.user_id, agent=agent_id,
            uniqueid=call.caller, mode=mode.value,
        )  # fmt: skip
        self._background.spawn(self._await_answer(session, pending), name=f"monitor {session.id}")
        return session.view()

    async def _await_answer(self, session: SpySession, pending: PendingOriginate) -> None:
        try:
            outcome = await pending
        except Exception:
            await self._end(session, "failed")
            return
        if not outcome.success or outcome.uniqueid is None:
            await self._end(session, "not-answered")
            return
        session.spy_uniqueid = outcome.uniqueid
        async with self._sessions() as db:
            await record_spy_channel(db, session.id, outcome.uniqueid)
            await db.commit()
        if self._ami.state.channel(outcome.uniqueid) is None:
            await self._end(session, "ended")
            return
        if session.stop_requested:
            await self._hangup(outcome.uniqueid)
            return
        session.state = "active"
        self._hub.publish(user_topic(session.qa_user_id), "monitor.updated", session.view())

    async def switch(self, who: Principal, session_id: int, mode: MonitoringMode) -> dict[str, Any]:
        session = self._own(who, session_id)
        if session.spy_uniqueid is None or session.state != "active":
            raise Conflict("the session has not started yet (is the phone ringing?)")
        channel = self._ami.state.channel(session.spy_uniqueid)
        if channel is None:
            raise Conflict("the session is over")
        if mode is not session.mode:
            await self._ami.setvar("SPY_OPTIONS", SPY_OPTIONS[mode], channel.name)
            await self._ami.redirect(channel.name, SPY_CONTEXT, "s", 1)
            session.mode = mode
            async with self._sessions() as db:
                await record_mode(db, session.id, mode)
                await db.commit()
            log.info("api monitoring mode", session=session.id, user_id=who.user_id, mode=mode.value)
        self._hub.publish(user_topic(session.qa_user_id), "monitor.updated", session.view())
        return session.view()

    async def stop(self, who: Principal, session_id: int) -> dict[str, Any]:
        session = self._own(who, session_id)
        session.stop_requested = True
        await self._end(session, "stopped")  # logged before the answer, not when the hang-up is seen
        if session.spy_uniqueid is not None:
            await self._hangup(session.spy_uniqueid)
        return session.view()

    def mine(self, who: Principal) -> list[dict[str, Any]]:
        return [s.view() for s in self._active.values() if s.qa_user_id == who.user_id]

    async def log(self, who: Principal, limit: int) -> list[dict[str, Any]]:
        async with self._sessions() as db:
            rows = await monitoring_log(db, prefecture=who.scope, limit=max(1, min(limit, 500)))
        return [
            {
                "session_id": r.id,
                "qa_user_id": r.qa_user_id,
                "agent_id": r.agent_id,
                "prefecture": r.prefecture,
                "uniqueid": r.call_uniqueid,
                "modes": r.modes.split(">"),
                "started_at": r.started_at.isoformat(),
                "ended_at": r.ended_at.isoformat() if r.ended_at else None,
                "duration_s": r.duration_s,
                "end_reason": r.end_reason,
            }
            for r in rows
        ]

    # -- from the PBX ------------------------------------------------------------------------
    async def apply(self, change: Change) -> None:
        if not isinstance(change, ChannelRemoved):
            return
        for session in list(self._active.values()):
            if session.spy_uniqueid == change.channel.uniqueid:
                await self._end(session, "stopped" if session.stop_requested else "ended")

    async def run(self) -> None:
        async with self._ami.changes() as changes:
            async for change in changes:
                try:
                    await self.apply(change)
                except Exception:
                    log.exception("api monitoring: change not applied")

    # -- pieces ------------------------------------------------------------------------------
    def _own(self, who: Principal, session_id: int) -> SpySession:
        session = self._active.get(session_id)
        if session is None or session.qa_user_id != who.user_id:
            raise NotFound("no such monitoring session of yours")
        return session

    async def _end(self, session: SpySession, reason: str) -> None:
        if self._active.pop(session.id, None) is None:
            return
        session.state = "ended"
        try:
            async with self._sessions() as db:
                await close_monitoring(db, session.id, datetime.fromtimestamp(self._clock(), UTC), reason)
                await db.commit()
        finally:
            log.info("api monitoring ended", session=session.id, reason=reason)
            self._hub.publish(
                user_topic(session.qa_user_id), "monitor.ended", {**session.view(), "reason": reason}
            )

    async def _hangup(self, uniqueid: str) -> None:
        channel = self._ami.state.channel(uniqueid)
        if channel is None:
            return
        try:
            await asyncio.shield(self._ami.hangup(channel.name))
        except Exception as exc:
            log.info("api monitoring: hang-up failed", session_channel=uniqueid, error=repr(exc))
