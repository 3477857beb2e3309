"""The FastAGI handler for route ``ivr``: one call through the hotline's menus.

``FastAgiServer(routes={"ivr": build_ivr_handler(sessions, menu, settings.ivr)})``. The dialplan
runs ``AGI(agi://<cti>:4573/ivr?prefecture=<code>&lang=<zh|en>)`` (both query parameters optional:
the prefecture of callers who are not customers, and their first language).

For each call the handler opens an IVR record, walks the menu (:class:`ivr.engine.MenuWalker`),
sets the hand-off variables (:mod:`ivr.handoff`) and returns so the dialplan can send the caller to
the waiting context. When the caller hangs up (``AgiHangup``, or the server cancelling the handler
because Asterisk closed the connection) a ticket under way is saved as ``abandoned_in_ivr`` and
the record is closed as ``abandoned`` (``self_served`` if they already got what they came for).
An unexpected error still hands the caller to an agent rather than dropping them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.agi.errors import AgiError, AgiHangup
from cti.agi.session import AgiSession
from ivr.actions.action import Action
from ivr.actions.catalogue import ACTIONS
from ivr.actions.identification import STORE_ERRORS
from ivr.call import CallChannel, IvrCall
from ivr.caller import CallerProfile
from ivr.engine import MenuWalker
from ivr.handoff import AgentLevel, Handoff, Segment
from ivr.menu import Menu
from ivr.privacy import RecordingPrivacy
from ivr.recorder import PathRecorder
from ivr.row_writer import CloseRecord, IvrRowWriter, Known, OpenRecord, RowsNotKept, StepRow
from ivr.settings import IvrSettings
from ivr.ticketing import save_abandoned_draft
from orders.service import OrderService
from prompts.language import Language
from storage.customers import normalise_number
from storage.db import LOCKED_RETRY_S, retry_locked
from storage.ivr_records import IvrOutcome, IvrSession
from storage.prefectures import is_prefecture_code

log = structlog.get_logger(__name__)

Handler = Callable[[AgiSession], Awaitable[None]]
Clock = Callable[[], datetime]

SAVE_TIMEOUT_S = LOCKED_RETRY_S  # for the call's record to be opened, or saved, while SQLite is locked


def _utc_now() -> datetime:
    return datetime.now(UTC)


def build_ivr_handler(
    session_factory: async_sessionmaker[AsyncSession],
    menu: Menu,
    settings: IvrSettings,
    *,
    orders: OrderService | None = None,
    actions: Mapping[str, Action] = ACTIONS,
    clock: Clock = _utc_now,
    privacy: RecordingPrivacy | None = None,
    draining: Callable[[], bool] = lambda: False,
    rows: IvrRowWriter | None = None,
) -> Handler:
    """The handler to register for the ``ivr`` FastAGI route (``orders``: service orders and
    lost-phone suspensions; without it those menus hand the caller to an agent); ``privacy``
    pauses a running recording around secret keys (:mod:`ivr.privacy`); ``rows`` writes the calls'
    records and tickets behind, in batches, and keeps them while the database is away
    (:mod:`ivr.row_writer`; without it each is written while the caller waits)."""

    async def handle(session: AgiSession) -> None:
        await run_ivr(
            session,
            session_factory,
            menu,
            settings,
            orders=orders,
            actions=actions,
            clock=clock,
            privacy=privacy,
            draining=draining,
            rows=rows,
        )

    return handle


async def run_ivr(
    channel: CallChannel,
    sessions: async_sessionmaker[AsyncSession],
    menu: Menu,
    settings: IvrSettings,
    *,
    orders: OrderService | None = None,
    actions: Mapping[str, Action] = ACTIONS,
    clock: Clock = _utc_now,
    privacy: RecordingPrivacy | None = None,
    draining: Callable[[], bool] = lambda: False,
    rows: IvrRowWriter | None = None,
) -> IvrOutcome:
    """Serve one call; returns the IVR outcome written to its record."""
    env = channel.env
    prefecture = env.query.get("prefecture", "")
    if not is_prefecture_code(prefecture):
        prefecture = settings.default_prefecture
    lang = env.query.get("lang", settings.default_language)
    language = (
        Language(lang) if lang in {lg.value for lg in Language} else Language(settings.default_language)
    )
    call = IvrCall(
        channel=channel,
        sessions=sessions,
        settings=settings,
        clock=clock,
        caller=CallerProfile.unknown(normalise_number(env.callerid), prefecture),
        language=language,
        orders=orders,
        log=log.bind(uniqueid=env.uniqueid, channel=env.channel),
        privacy=privacy,
        rows=rows,
    )
    recorder = PathRecorder(clock)
    call.ivr_session_id = await _open_record(call, menu)
    outcome = IvrOutcome.FAILED
    skill: str | None = None
    try:
        await channel.answer()
        end = await MenuWalker(menu, actions, recorder, draining).run(call)
        outcome = end.outcome
        skill = end.handoff.skill if end.handoff else None
    except AgiHangup:
        outcome = IvrOutcome.SELF_SERVED if call.served else IvrOutcome.ABANDONED
        await _save_draft(call)
    except asyncio.CancelledError:
        # Asterisk closed the connection: save what we have, shielded from further cancellation
        outcome = IvrOutcome.SELF_SERVED if call.served else IvrOutcome.ABANDONED
        await asyncio.shield(_finish(call, recorder, outcome, skill, save_draft=True))
        raise
    except AgiError as exc:
        call.log.error("ivr.agi_error", error=repr(exc))
        await _save_draft(call)
    except Exception as exc:
        call.log.exception("ivr.failed", error=repr(exc))
        skill = await _hand_to_agent_anyway(call, menu, recorder)
        outcome = IvrOutcome.TRANSFERRED if skill else IvrOutcome.FAILED
    await _finish(call, recorder, outcome, skill, save_draft=False)
    call.log.info("ivr.call_done", outcome=outcome.value, path=recorder.path, steps=len(recorder.steps))
    return outcome


async def _finish(
    call: IvrCall, recorder: PathRecorder, outcome: IvrOutcome, skill: str | None, *, save_draft: bool
) -> None:
    try:
        async with asyncio.timeout(SAVE_TIMEOUT_S):
            if save_draft:
                await _save_draft(call)
            await _close_record(call, recorder, outcome, skill)
    except (TimeoutError, *STORE_ERRORS) as exc:
        call.log.error("ivr.record_not_saved", error=repr(exc))


async def _save_draft(call: IvrCall) -> None:
    try:
        opened = await save_abandoned_draft(call)
    except (*STORE_ERRORS, KeyError, ValueError) as exc:
        call.log.error("ivr.abandoned_ticket_not_saved", error=repr(exc), draft=repr(call.draft))
        return
    if opened is not None:
        call.ticket = opened


async def _open_record(call: IvrCall, menu: Menu) -> int | None:
    env = call.channel.env
    reserved = call.rows.session_ids.take() if call.rows is not None else None
    if call.rows is not None and reserved is not None:
        opening = OpenRecord(
            id=reserved,
            uniqueid=env.uniqueid,
            channel=env.channel[:128],
            caller_number=(call.caller.number or env.callerid)[:32],
            prefecture=call.caller.prefecture,
            segment=Segment.NORMAL.value,
            language=call.language.value,
            menu=menu.name,
            started_at=call.clock(),
        )
        try:
            call.rows.keep(opening)  # written behind: the caller is answered without waiting for it
        except RowsNotKept as exc:
            call.log.error("ivr.record_not_opened", error=repr(exc))
            return None
        return reserved
    started_at = call.clock()

    async def insert() -> int:
        async with call.sessions() as db:
            row = IvrSession(
                uniqueid=env.uniqueid,
                channel=env.channel[:128],
                caller_number=(call.caller.number or env.callerid)[:32],
                prefecture=call.caller.prefecture,
                segment=Segment.NORMAL.value,
                language=call.language.value,
                menu=menu.name,
                started_at=started_at,
            )
            db.add(row)
            await db.commit()
            return row.id

    try:
        # SQLite (no ids reserved): another writer may hold the lock past the busy timeout
        return await retry_locked(insert, within_s=SAVE_TIMEOUT_S)
    except STORE_ERRORS as exc:
        call.log.error("ivr.record_not_opened", error=repr(exc))
        return None


async def _close_record(
    call: IvrCall, recorder: PathRecorder, outcome: IvrOutcome, skill: str | None
) -> None:
    if call.ivr_session_id is None:
        return
    closing = _closing(call, recorder, outcome, skill)
    if call.rows is not None:
        call.rows.keep(closing)
        return

    async def update() -> None:
        async with call.sessions() as db:
            known = await Known.read(db, [closing])
            await closing.apply(db, known)
            await known.write_steps(db)
            await db.commit()

    await retry_locked(update, within_s=SAVE_TIMEOUT_S)  # bounded by _finish's SAVE_TIMEOUT_S


def _closing(call: IvrCall, recorder: PathRecorder, outcome: IvrOutcome, skill: str | None) -> CloseRecord:
    if call.ivr_session_id is None:
        raise ValueError("no IVR record to close")
    return CloseRecord(
        id=call.ivr_session_id,
        ended_at=call.clock(),
        outcome=outcome,
        path=recorder.path,
        skill=skill,
        customer_id=call.caller.customer_id,
        prefecture=call.caller.prefecture,
        segment=call.caller.segment.value,
        language=call.language.value,
        ticket_id=call.ticket.id if call.ticket else None,
        steps=tuple(
            StepRow(
                seq=step.seq,
                node=step.node,
                node_type=step.node_type,
                keys=step.keys,
                result=step.result,
                entered_at=step.entered_at,
                left_at=step.left_at,
                duration_ms=step.duration_ms,
            )
            for step in recorder.steps
        ),
    )


async def _hand_to_agent_anyway(call: IvrCall, menu: Menu, recorder: PathRecorder) -> str | None:
    """After an unexpected error: queue the caller to the menu's default agent queue if we can."""
    queue = menu.nodes.get(menu.agent)
    skill = getattr(queue, "skill", None)
    if not isinstance(skill, str):
        return None
    handoff = Handoff(
        skill=skill,
        min_level=AgentLevel.JUNIOR,
        language=call.language,
        segment=call.caller.segment,
        priority=menu.priorities[call.caller.segment],
        customer_id=str(call.caller.customer_id) if call.caller.customer_id is not None else "",
        prefecture=call.caller.prefecture,
        ticket_id=call.ticket.number if call.ticket else "",
        ivr_path=recorder.path,
        ivr_session=str(call.ivr_session_id) if call.ivr_session_id is not None else "",
    )
    try:
        for name, value in handoff.to_variables().items():
            await call.channel.set_variable(name, value)
    except AgiError as exc:
        call.log.error("ivr.handoff_failed", error=repr(exc))
        return None
    return skill


__all__ = ["Handler", "build_ivr_handler", "run_ivr"]
