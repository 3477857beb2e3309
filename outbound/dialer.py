"""The dialer: each tick, for every running campaign in priority order, how many calls to start
(:func:`outbound.pacing.calls_to_start`), which contacts (claimed for this node only), the checks
before each attempt (:func:`outbound.eligibility.refusal`), the ``Originate`` and, once Asterisk
has told the end, the attempt's outcome and the contact's next step (:func:`outbound.retry.after_attempt`).

One call (:meth:`Dialer._call`): an attempt row first (a restart then knows a call may have
happened), ``Originate`` with ``Async`` and our ``ChannelId`` into the campaign's context
(:mod:`outbound.dialplan`), the ``OriginateResponse``; unanswered: the outcome from the reason,
the ``Hangup`` cause and the ``DialEnd`` status (:func:`outbound.outcomes.unanswered_outcome`);
answered: wait for the hang-up, then read what the script or the agent connection wrote on the
attempt (:func:`outbound.outcomes.answered_outcome`).

At start-up the dialer settles the claims this node left behind (it restarted) and claims any
node left long ago (it died): a claim without a placed call goes back untouched; a placed call
whose end nobody saw counts as ``no_answer`` (it may have rung; tried again on another day under
the campaign's policy), or by its script's result when it was answered.  Finished contacts are
never claimed again, so nothing finished is dialled twice.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import structlog

from cti.ami.client import AmiClient
from outbound.agent_pool import OUTBOUND_PREFIX, AcdAgentPool
from outbound.attempt_store import AttemptStore, ScriptResult
from outbound.call_tracker import CallTracker
from outbound.campaign import Campaign, by_priority
from outbound.campaign_store import CampaignStore, StoredContact
from outbound.contact import ContactStatus
from outbound.dialplan import CAMPAIGN, CONTACT, REFERENCE, context_for
from outbound.eligibility import Refusal, refusal
from outbound.metrics import DialerMetrics
from outbound.outcomes import OriginateReport, Outcome, answered_outcome, unanswered_outcome
from outbound.pacing import DialerSnapshot, PacingMode, calls_to_start, originate_timeout_ms
from outbound.predictive import DialLevel, PredictivePacing, TrafficStats, retune
from outbound.retry import after_attempt
from outbound.settings import OutboundSettings

__all__ = ["Dialer", "FinalHook"]

log = structlog.get_logger(__name__)

# a contact whose attempt ended finally (completed, gave up, do-not-call, invalid number)
FinalHook = Callable[[Campaign, StoredContact], Awaitable[None]]
_LONGEST_CALL_S = 4 * 3600
_STATS_WINDOW_S = 600.0
_SWEEP_EVERY_S = 60.0


@dataclass
class _Live:
    campaign_id: str
    answered: bool = False
    waiting_agent: bool = False  # answered, agent-assisted, not yet connected


@dataclass(frozen=True, slots=True)
class _Ended:
    at: float
    answered: bool
    answer_delay_s: float


class Dialer:
    def __init__(
        self,
        settings: OutboundSettings,
        campaigns: CampaignStore,
        attempts: AttemptStore,
        ami: AmiClient,
        *,
        node_id: str,
        clock: Callable[[], datetime],
        metrics: DialerMetrics,
        agents: AcdAgentPool | None = None,
        on_final: FinalHook | None = None,
    ) -> None:
        self._settings = settings
        self._campaigns = campaigns
        self._attempts = attempts
        self._ami = ami
        self._node = node_id
        self._clock = clock
        self._metrics = metrics
        self._agents = agents
        self._on_final = on_final
        self.tracker = CallTracker(ami, OUTBOUND_PREFIX)
        self._live: dict[str, _Live] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._levels: dict[str, DialLevel] = {}
        self._ended: dict[str, deque[_Ended]] = {}
        self.placed = 0  # calls placed by this dialer (tests, progress)

    # -- running --------------------------------------------------------------------------
    async def run(self) -> None:
        """Settle what a previous run left, then tick until cancelled."""
        tracker = asyncio.create_task(self.tracker.run(), name="outbound tracker")
        try:
            await self._ami.connected.wait()
            await self.recover()
            last_sweep = asyncio.get_running_loop().time()
            while True:
                try:
                    await self.tick()
                    if asyncio.get_running_loop().time() - last_sweep > _SWEEP_EVERY_S:
                        last_sweep = asyncio.get_running_loop().time()
                        await self.recover(restarted=False)
                except Exception:
                    log.exception("outbound tick failed")
                await asyncio.sleep(self._settings.tick_s)
        finally:
            tracker.cancel()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(tracker, *self._tasks, return_exceptions=True)

    async def drain(self) -> None:
        """Wait for every call under way to end (tests, an orderly stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def recover(self, *, restarted: bool = True) -> int:
        """Settle the claims this node left (``restarted``: at start-up) and those any node left
        longer ago than ``[outbound] stale_claim_s`` (a node that died; also swept every minute)."""
        now = self._clock()
        settled = 0
        node = self._node if restarted else ""
        for contact_id, channel_id in await self._campaigns.orphaned_claims(
            node, now, self._settings.stale_claim_s
        ):
            stored = await self._campaigns.contact(contact_id)
            if stored is None or (channel_id is not None and channel_id in self._live):
                continue
            if channel_id is None:
                await self._campaigns.release(contact_id)
                continue
            info = await self._campaigns.get(stored.campaign_id)
            attempt = await self._attempts.get(channel_id)
            if attempt is not None and attempt.answered_at is not None:
                outcome = answered_outcome(
                    abandoned=attempt.script_result == ScriptResult.ABANDONED,
                    script_completed=attempt.script_result == ScriptResult.COMPLETED,
                )
            else:
                outcome = Outcome.NO_ANSWER
            await self._finish(
                info.campaign, stored, channel_id, outcome, None, note="settled after a restart"
            )
            settled += 1
        if settled:
            log.info("outbound claims settled", node=self._node, settled=settled)
        return settled

    async def tick(self) -> int:
        """Start the calls the running campaigns want now; returns how many were started."""
        now = self._clock()
        started = 0
        for campaign in by_priority(await self._campaigns.running()):
            try:
                started += await self._tick_campaign(campaign, now, started)
            except Exception:
                log.exception("outbound campaign tick failed", campaign=campaign.id)
        self._metrics.in_flight.set(len(self._live))
        return started

    # -- one campaign ---------------------------------------------------------------------
    async def _tick_campaign(self, campaign: Campaign, now: datetime, started_now: int) -> int:
        if not campaign.schedule.may_call(now):
            return 0
        mine = [c for c in self._live.values() if c.campaign_id == campaign.id]
        in_flight = sum(1 for c in mine if not c.answered or c.waiting_agent)
        free = 0
        wrap: tuple[float, ...] = ()
        logged_in = 0
        if campaign.mode is not PacingMode.AUTOMATED:
            if self._agents is None or campaign.skill is None:
                return 0
            view = await self._agents.view(campaign.skill)
            free, wrap, logged_in = view.free, view.wrap_up_remaining_s, view.logged_in
        snapshot = DialerSnapshot(
            contacts_due=self._settings.channel_cap,  # bounded again by the claim below
            campaign_calls=len(mine),
            in_flight=in_flight,
            node_calls=len(self._live),
            free_agents=free,
            wrap_up_remaining_s=wrap,
        )
        level = stats = None
        rate = 0.0
        today = campaign.schedule.local_date(now)
        if campaign.mode is not PacingMode.AUTOMATED:
            ledger = await self._attempts.ledger(campaign.id, today)
            rate = ledger.rate(today)
            self._metrics.abandon_rate.labels(campaign.id).set(rate)
        if isinstance(campaign.pacing, PredictivePacing):
            stats = self._stats(campaign.id, now.timestamp(), free, logged_in)
            level = retune(
                self._levels.get(campaign.id) or DialLevel.initial(campaign.pacing),
                campaign.pacing, stats, now.timestamp(), ledger.window(today),
            )  # fmt: skip
            self._levels[campaign.id] = level
            self._metrics.dial_level.labels(campaign.id).set(level.level)
        wanted = calls_to_start(
            campaign.pacing, snapshot, channel_cap=self._settings.channel_cap,
            level=level, stats=stats, abandon_rate_30d=rate,
        )  # fmt: skip
        if wanted <= 0:
            return 0
        claimed = await self._campaigns.claim(campaign.id, self._node, now, wanted)
        if not claimed:
            return 0
        dnc = await self._attempts.dnc()
        started = 0
        for stored in claimed:
            as_due = replace(stored.contact, status=ContactStatus.PENDING)
            since = campaign.schedule.local_date(now) - timedelta(days=1)
            dates = await self._attempts.call_dates(stored.contact.number, since)
            why = refusal(campaign, as_due, now, dnc, dates)
            if why is Refusal.DO_NOT_CALL:
                await self._refuse_dnc(campaign, stored)
            elif why is not None:
                await self._postpone(campaign, stored, why, now)
            else:
                self._start(campaign, stored, now)
                started += 1
        return started

    def _stats(self, campaign_id: str, now: float, free: int, logged_in: int) -> TrafficStats:
        ended = self._ended.setdefault(campaign_id, deque())
        while ended and ended[0].at < now - _STATS_WINDOW_S:
            ended.popleft()
        answered = [e for e in ended if e.answered]
        delay = sum(e.answer_delay_s for e in answered) / len(answered) if answered else 0.0
        idle = free / logged_in if logged_in else 0.0
        return TrafficStats(len(ended), len(answered), delay, min(1.0, idle))

    async def _refuse_dnc(self, campaign: Campaign, stored: StoredContact) -> None:
        moved = after_attempt(
            stored.contact, Outcome.DNC_BLOCKED, self._clock(), campaign.retry, campaign.schedule
        )
        if await self._campaigns.save_contact(
            replace(stored, contact=moved), expect_version=stored.contact.version
        ):
            self._metrics.attempts.labels(campaign.id, Outcome.DNC_BLOCKED.value).inc()
            log.info("outbound do-not-call", campaign=campaign.id, contact=stored.id)
            if self._on_final is not None:
                await self._on_final(campaign, replace(stored, contact=moved))

    async def _postpone(self, campaign: Campaign, stored: StoredContact, why: Refusal, now: datetime) -> None:
        """Not now (already called today, or the window closed meanwhile): back to pending, later."""
        later = campaign.schedule.start_of_next_day(now) if why is Refusal.CALLED_TODAY else now
        when = campaign.schedule.next_opening(later)
        moved = replace(stored.contact, status=ContactStatus.PENDING, next_attempt_at=when,
                        version=stored.contact.version + 1)  # fmt: skip
        await self._campaigns.save_contact(
            replace(stored, contact=moved), expect_version=stored.contact.version
        )
        log.info(
            "outbound postponed",
            campaign=campaign.id,
            contact=stored.id,
            why=why.value,
            until=when.isoformat(),
        )

    # -- one call -------------------------------------------------------------------------
    def _start(self, campaign: Campaign, stored: StoredContact, now: datetime) -> None:
        channel_id = f"{OUTBOUND_PREFIX}{secrets.token_hex(8)}"
        self._live[channel_id] = _Live(campaign.id)
        self.tracker.track(channel_id)
        task = asyncio.create_task(
            self._call(campaign, stored, channel_id, now), name=f"outbound {channel_id}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self.placed += 1

    async def _call(self, campaign: Campaign, stored: StoredContact, channel_id: str, now: datetime) -> None:
        log_ = log.bind(uniqueid=channel_id, campaign=campaign.id, contact=stored.id)
        tracked = self.tracker.track(channel_id)
        try:
            await self._attempts.start(
                campaign_id=campaign.id, contact_id=stored.id, number=stored.contact.number,
                channel_id=channel_id, node=self._node, at=now, local_date=campaign.schedule.local_date(now),
            )  # fmt: skip
            variables = {CAMPAIGN: campaign.id, CONTACT: str(stored.id), REFERENCE: stored.contact.reference}
            if campaign.skill:
                variables["HOTLINE_SKILL"] = campaign.skill
            variables["HOTLINE_PREFECTURE"] = stored.contact.prefecture
            try:
                pending = await self._ami.originate(
                    self._settings.channel.format(number=stored.contact.number),
                    context=context_for(campaign), exten="s", priority=1,
                    caller_id=self._settings.caller_id, timeout_ms=originate_timeout_ms(campaign.ring_s),
                    variables=variables, channel_id=channel_id,
                )  # fmt: skip
                result = await pending.outcome()
            except Exception as exc:
                log_.warning("outbound originate failed", error=repr(exc))
                await self._finish(campaign, stored, channel_id, Outcome.FAILED, None, note=repr(exc)[:200])
                return
            answered_after = (self._clock() - now).total_seconds()
            if result.success and result.reason == 4:
                live = self._live[channel_id]
                live.answered = True
                live.waiting_agent = campaign.mode is not PacingMode.AUTOMATED
                await self._attempts.answered(channel_id, self._clock())
                log_.info("outbound answered", after_s=round(answered_after, 1))
                await self.tracker.wait_hangup(tracked, _LONGEST_CALL_S)
                attempt = await self._attempts.get(channel_id)
                script = attempt.script_result if attempt else None
                connected = attempt is not None and attempt.agent_id is not None
                outcome = answered_outcome(
                    abandoned=script == ScriptResult.ABANDONED,
                    script_completed=script == ScriptResult.COMPLETED or (connected and script is None),
                )
                self._note_end(campaign.id, True, answered_after)
                report = OriginateReport(True, result.reason, tracked.hangup_cause, tracked.dial_status)
            else:
                await self.tracker.wait_hangup(tracked, 1.0)  # the cause may trail the response
                report = OriginateReport(
                    result.success, result.reason, tracked.hangup_cause, tracked.dial_status
                )
                outcome = unanswered_outcome(report) or Outcome.FAILED
                self._note_end(campaign.id, False, 0.0)
            await self._finish(campaign, stored, channel_id, outcome, report)
        except asyncio.CancelledError:
            raise
        except Exception:
            log_.exception("outbound call failed")
        finally:
            self._live.pop(channel_id, None)
            self.tracker.forget(channel_id)

    def agent_connected(self, channel_id: str) -> None:
        """An answered call of this node got its agent (it no longer counts as in flight)."""
        live = self._live.get(channel_id)
        if live is not None:
            live.waiting_agent = False

    def _note_end(self, campaign_id: str, answered: bool, delay: float) -> None:
        self._ended.setdefault(campaign_id, deque()).append(
            _Ended(self._clock().timestamp(), answered, delay)
        )

    async def _finish(
        self, campaign: Campaign, stored: StoredContact, channel_id: str, outcome: Outcome,
        report: OriginateReport | None, note: str = "",
    ) -> None:  # fmt: skip
        at = self._clock()
        await self._attempts.finish(channel_id, outcome, at, report, note)
        current = await self._campaigns.contact(stored.id) or stored
        moved = after_attempt(current.contact, outcome, at, campaign.retry, campaign.schedule)
        saved = await self._campaigns.save_contact(
            replace(current, contact=moved), expect_version=current.contact.version
        )
        self._metrics.attempts.labels(campaign.id, outcome.value).inc()
        if outcome.answered and campaign.mode is not PacingMode.AUTOMATED:
            await self._attempts.count_answer(
                campaign.id, campaign.schedule.local_date(at), abandoned=outcome is Outcome.ABANDONED
            )
        log.info(
            "outbound attempt ended", uniqueid=channel_id, campaign=campaign.id, contact=stored.id,
            outcome=outcome.value, status=moved.status.value, attempts=moved.attempts,
            next_attempt_at=moved.next_attempt_at.isoformat() if moved.next_attempt_at else None,
        )  # fmt: skip
        if saved and moved.status.final and self._on_final is not None:
            try:
                await self._on_final(campaign, replace(current, contact=moved))
            except Exception:
                log.exception("outbound final hook failed", uniqueid=channel_id, contact=stored.id)
