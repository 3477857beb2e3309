"""The ``acd-wait`` FastAGI handler: a caller waiting in line for an agent.

``[acd-wait]`` runs ``AGI(${HOTLINE_AGI}/acd-wait)``.  The handler reads the IVR's hand-off
(:class:`ivr.handoff.Handoff`, the ``HOTLINE_*`` channel variables), puts the caller in line
(:meth:`acd.service.AcdService.enqueue`; a caller coming back — from an agent who did not
answer, or after an escalation — is already in line and keeps their place), then plays music on
hold and, every ``acd.announce_interval_s``, the place in line, the expected wait and the callback
offer (:mod:`cti.acd_bridge.announcements`).  Pressing 1 turns the call into a callback request that
keeps the caller's place (``HOTLINE_OUTCOME=callback``; the dialplan then hangs up).

The session ends when the ACD redirects the caller into ``[acd-connect]``: to the AGI that looks
like a hang-up (Asterisk sends ``HANGUP`` for an asynchronous goto too), so the handler never
decides that the caller left — the AMI feed does, from the channel's ``Hangup``
(:mod:`cti.acd_bridge.feed`).  A caller brought back by the dialplan after an unanswered ``Dial`` tells
the ACD so (``DIALSTATUS``, ``HOTLINE_AGENT``), in case the ``DialEnd`` was missed.

Nothing strands a caller: a hand-off that cannot be read queues them for ``general`` with the
node's defaults; no agent logged in still queues them (they hear so and get the callback offer);
a store that fails is retried at every announcement while the caller hears music.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import assert_never

import structlog
from structlog.contextvars import bound_contextvars

from acd.errors import AcdError, CallNotInPhase, DuplicateCall, ModelError
from acd.model import AgentLevel, Segment, SkillRequirement, WaitingCall
from acd.service import AcdService, QueuePosition
from acd.settings import AcdSettings
from acd.store import CallPhase, QueuedCall
from cti.acd_bridge.announcements import CALLBACK_KEY, WaitInfo, callback_registered, waiting_speech
from cti.acd_bridge.callback_numbers import callback_allowed
from cti.acd_bridge.dialplan import DIALLED_AGENT, FINAL_DIAL_STATUSES
from cti.acd_bridge.feed import AmiFeed
from cti.acd_bridge.staffing import Staffing
from cti.agi.errors import AgiCommandFailed
from cti.agi.session import AgiSession
from ivr.handoff import OUTCOME as OUTCOME_VARIABLE
from ivr.handoff import VARIABLES, Handoff, HandoffError
from prompts.language import Language
from prompts.speech import Play, SayDigits, SayNumber, Speech

__all__ = ["CallerInLine", "WaitHandler"]

log = structlog.get_logger(__name__)

# how often to look again while an agent is being rung (the redirect is on its way)
SETTLE_MS = 1000
MIN_CALLBACK_DIGITS = 3
# a call the ACD let go of (no channel to connect) is put back after 1 s, 2 s, 4 s … at most 30 s,
# and at most this many times
REQUEUE_BACKOFF_MS = 1000
MAX_BACKOFF_MS = 30_000
MAX_REQUEUES = 5
_SEPARATOR = "|^|"  # between the values read in one GET FULL VARIABLE


async def _nobody(number: str) -> bool:
    return False


class CallerInLine:
    """One waiting caller: what the ACD needs to queue them, and how to talk to them."""

    def __init__(
        self,
        uniqueid: str,
        requirement: SkillRequirement,
        segment: Segment,
        prefecture: str,
        language: Language,
        linkedid: str | None,
        number: str | None,
    ) -> None:
        self.uniqueid = uniqueid
        self.requirement = requirement
        self.segment = segment
        self.prefecture = prefecture
        self.language = language
        self.linkedid = linkedid
        self.number = number
        self.callback_allowed: bool | None = None  # by [acd] callback_numbers, once looked at


class WaitHandler:
    def __init__(
        self,
        service: AcdService,
        feed: AmiFeed,
        staffing: Staffing,
        settings: AcdSettings,
        *,
        default_prefecture: str,
        default_language: Language,
        registered: Callable[[str], Awaitable[bool]] | None = None,
    ) -> None:
        """``registered``: whether a number belongs to a customer on record (for
        ``[acd] callback_numbers = "registered"``; None: no number does)."""
        self._service = service
        self._callback_numbers = settings.callback_numbers
        self._registered = registered or _nobody
        self._store = service.store
        self._feed = feed
        self._staffing = staffing
        self._interval_ms = max(1000, int(settings.announce_interval_s * 1000))
        self._callback = settings.callback
        self._moh = settings.moh_class
        self._default_prefecture = default_prefecture
        self._default_language = default_language

    async def __call__(self, session: AgiSession) -> None:
        variables = await self._read(session)
        caller = self._caller(session, variables)
        with bound_contextvars(uniqueid=caller.uniqueid, linkedid=caller.linkedid):
            await self._report_unanswered_dial(session, caller, variables)
            queued = await self._enqueue(caller)
            await self._wait(session, caller, queued)

    # -- reading the hand-off -------------------------------------------------------------
    async def _read(self, session: AgiSession) -> dict[str, str | None]:
        """The hand-off and dial variables, in one round trip when their values allow it."""
        names = (*VARIABLES, "DIALSTATUS", DIALLED_AGENT, "CHANNEL(linkedid)")
        joined = await session.get_full_variable(_SEPARATOR.join(f"${{{name}}}" for name in names))
        values = (joined or "").split(_SEPARATOR)
        if len(values) == len(names):
            return {name: value or None for name, value in zip(names, values, strict=True)}
        return {name: await session.get_variable(name) for name in names}  # a value held the separator

    def _caller(self, session: AgiSession, variables: dict[str, str | None]) -> CallerInLine:
        env = session.env
        number = "".join(ch for ch in env.callerid if ch.isdigit())
        try:
            handoff = Handoff.from_variables(variables)
            requirement = SkillRequirement(handoff.skill, handoff.min_level, handoff.language.value)
            segment, prefecture, language = handoff.segment, handoff.prefecture, handoff.language
        except (HandoffError, ModelError) as exc:
            log.warning(
                "acd wait: no usable hand-off; queueing for general", uniqueid=env.uniqueid, error=str(exc)
            )
            language = self._default_language
            requirement = SkillRequirement("general", AgentLevel.JUNIOR, language.value)
            segment, prefecture = Segment.NORMAL, self._default_prefecture
        return CallerInLine(
            env.uniqueid,
            requirement,
            segment,
            prefecture,
            language,
            variables.get("CHANNEL(linkedid)") or None,
            number if len(number) >= MIN_CALLBACK_DIGITS else None,
        )

    async def _report_unanswered_dial(
        self, session: AgiSession, caller: CallerInLine, variables: dict[str, str | None]
    ) -> None:
        extension, status = variables.get(DIALLED_AGENT), variables.get("DIALSTATUS")
        if not extension:
            return
        await session.set_variable(DIALLED_AGENT, "")
        if status in FINAL_DIAL_STATUSES:
            await self._feed.dial_ended(caller.uniqueid, extension, status or "")

    # -- the line -------------------------------------------------------------------------
    async def _enqueue(self, caller: CallerInLine) -> bool:
        try:
            await self._service.enqueue(
                caller.uniqueid,
                caller.requirement,
                caller.segment,
                caller.prefecture,
                linkedid=caller.linkedid,
                caller_number=caller.number,
            )
        except DuplicateCall:
            return True  # back from [acd-connect] or from an escalation: already in line
        except ModelError as exc:
            log.warning("acd wait: bad prefecture; using the default", error=str(exc))
            caller.prefecture = self._default_prefecture
            return await self._enqueue(caller) if caller.prefecture else False
        except AcdError as exc:
            log.error(
                "acd wait: could not queue the caller; will retry", error=str(exc), error_id=exc.error_id
            )
            return False
        return True

    async def _wait(self, session: AgiSession, caller: CallerInLine, queued: bool) -> None:
        first = True
        lost = 0  # times the ACD let go of the call (no channel to connect) while we held it
        while True:
            record = await self._record(caller.uniqueid) if queued else None
            if record is None:
                if queued:
                    lost += 1
                    if lost > MAX_REQUEUES:
                        log.warning("acd wait: the call keeps leaving the line; giving up", lost=lost)
                        return
                    # back off before putting it back: a channel the PBX does not have must not
                    # spin enqueue → route → CallerGone (security finding 1)
                    await session.set_music(True, self._moh)
                    await session.wait_for_digit(min(MAX_BACKOFF_MS, REQUEUE_BACKOFF_MS << (lost - 1)))
                # not in line (store failure, or the ACD lost the call): the caller is still here
                await session.channel_status()  # AgiHangup when not
                queued = await self._enqueue(caller)
                if not queued:
                    await session.set_music(True, self._moh)
                    await session.wait_for_digit(self._interval_ms)
                continue
            if record.phase is not CallPhase.WAITING:
                await session.wait_for_digit(SETTLE_MS)  # an agent is being rung: the redirect comes
                continue
            entry = record.entry
            place = await self._position(caller.uniqueid)
            callback_number = caller.number if self._callback and await self._may_call_back(caller) else None
            info = WaitInfo(
                ahead=place.ahead if place is not None else None,
                expected_wait_s=place.expected_wait_s if place is not None else None,
                staffed=await self._can_serve(entry.requirement),
                first=first,
                callback=callback_number is not None,
                escalated=isinstance(entry, WaitingCall)
                and entry.history[-1:] != ()
                and entry.history[-1].kind == "escalated",
            )
            first = False
            await session.set_music(False)
            key = await self._say(
                session, waiting_speech(info, caller.language), CALLBACK_KEY if info.callback else ""
            )
            await session.set_music(True, self._moh)
            if key is None:
                key = await session.wait_for_digit(self._interval_ms)
            if (
                key == CALLBACK_KEY
                and callback_number is not None
                and await self._call_back(session, caller, callback_number)
            ):
                return

    async def _may_call_back(self, caller: CallerInLine) -> bool:
        if caller.callback_allowed is None:
            allowed = caller.number is not None and await callback_allowed(
                caller.number, self._callback_numbers, self._registered
            )
            if not allowed and caller.number is not None:
                log.info("acd wait: no callback offered to this number", policy=self._callback_numbers)
            caller.callback_allowed = allowed
        return caller.callback_allowed

    async def _record(self, uniqueid: str) -> QueuedCall | None:
        try:
            return await self._store.call(uniqueid)
        except AcdError as exc:
            log.error("acd wait: store unavailable", error=str(exc))
            return None

    async def _position(self, uniqueid: str) -> QueuePosition | None:
        try:
            return await self._service.position(uniqueid)
        except AcdError:
            return None

    async def _can_serve(self, requirement: SkillRequirement) -> bool:
        try:
            return await self._staffing.can_serve(requirement)
        except AcdError:
            return True  # do not tell callers nobody is there because the store hiccuped

    async def _call_back(self, session: AgiSession, caller: CallerInLine, number: str) -> bool:
        try:
            request = await self._service.request_callback(caller.uniqueid, number)
        except CallNotInPhase:
            return False  # an agent is being rung for this caller right now
        except AcdError as exc:
            log.warning("acd wait: callback not registered", error=str(exc))
            return False
        log.info("acd wait: callback registered", request=request.request_id)
        await session.set_variable(OUTCOME_VARIABLE, "callback")
        await session.set_music(False)
        await self._say(session, callback_registered(caller.language), "")
        return True

    @staticmethod
    async def _say(session: AgiSession, speech: Speech, escape: str) -> str | None:
        """Play ``speech``; the first key of ``escape`` pressed, if any.  A missing sound is skipped."""
        for sound in speech:
            try:
                if isinstance(sound, Play):
                    key = (await session.stream_file(sound.file, escape)).digit
                elif isinstance(sound, SayNumber):
                    key = await session.say_number(sound.value, escape)
                elif isinstance(sound, SayDigits):
                    key = await session.say_digits(sound.value, escape)
                else:
                    assert_never(sound)
            except AgiCommandFailed as exc:
                log.debug("acd wait: sound not played", sound=repr(sound), error=str(exc))
                continue
            if key:
                return key
        return None
