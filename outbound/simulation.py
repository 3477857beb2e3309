"""A discrete-event simulation of one agent-assisted campaign, to compare pacing modes.

Simulated clock, seeded RNG, no sleeping.  Each contact's behaviour — answers or not, busy, fails,
how long it rings before answering, talk and wrap-up times — is drawn once from the seed, so every
mode dials **the same list** with the same people behind the numbers; only the pacing differs.
Each contact is dialled once (the once-a-day rule: retries are for another day).  The dialer
looks after every event and at least every ``tick_s``; it uses :func:`outbound.pacing.calls_to_start`
and, for predictive, :func:`outbound.predictive.retune` every 15 s and the campaign's
:class:`~outbound.abandon.AbandonLedger`, exactly as a live dialer would.  An answered call takes
the longest-idle free agent; with none free it waits up to 2 s for one, then hears the message
and is abandoned.  All agents are logged in from the first dial until the campaign's last event
(the last wrap-up or the last unanswered attempt ends).

Figures per mode (:class:`ModeResult`):

* ``occupancy`` — time agents spent on calls including wrap-up ÷ their logged-in time;
* ``abandon_rate`` — abandoned calls ÷ live-answered calls;
* ``contacts_per_agent_hour`` — calls connected to an agent ÷ logged-in agent-hours.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from dataclasses import dataclass
from datetime import date

from outbound.abandon import CONNECT_WITHIN_S, AbandonLedger
from outbound.errors import ModelError
from outbound.pacing import MIN_RING_S, DialerSnapshot, Pacing, PacingMode, ProgressivePacing, calls_to_start
from outbound.predictive import DialLevel, PredictivePacing, TrafficStats, retune

__all__ = ["ModeResult", "SimulationSettings", "compare_modes", "simulate"]


@dataclass(frozen=True, slots=True)
class SimulationSettings:
    contacts: int = 2000
    agents: int = 20
    answer_rate: float = 0.35  # answered by a person
    busy_rate: float = 0.10  # busy or rejected: ends after busy_after_s
    failed_rate: float = 0.05  # network failure or invalid number: ends after failed_after_s
    ring_s: float = 25.0  # the dialer gives up after this much ringing (no answer)
    answer_delay_s: tuple[float, float, float] = (3.0, 20.0, 7.0)  # triangular: low, high, mode
    busy_after_s: tuple[float, float] = (2.0, 8.0)  # uniform
    failed_after_s: tuple[float, float] = (0.5, 3.0)  # uniform
    talk_mean_s: float = 75.0  # lognormal
    talk_sd_s: float = 40.0
    # uniform; the upper bound is the ACD's wrap-up deadline, the only wrap-up figure the dialer sees
    wrap_up_s: tuple[float, float] = (10.0, 30.0)
    tick_s: float = 1.0
    stats_window_s: float = 600.0
    channel_cap: int = 200

    def __post_init__(self) -> None:
        if self.contacts < 1 or self.agents < 1:
            raise ModelError("a simulation needs contacts and agents")
        if not (self.answer_rate > 0 and self.answer_rate + self.busy_rate + self.failed_rate <= 1):
            raise ModelError("answer, busy and failure rates must be positive and sum to at most 1")
        if self.ring_s < MIN_RING_S or self.answer_delay_s[1] > self.ring_s:
            raise ModelError("ring at least 15 s, and longer than any answer delay")


@dataclass(frozen=True, slots=True)
class ModeResult:
    occupancy: float
    abandon_rate: float
    contacts_per_agent_hour: float
    dialled: int
    live_answered: int
    abandoned: int
    connected: int
    duration_s: float

    def figures(self) -> dict[str, float]:
        return {
            "occupancy": self.occupancy,
            "abandon_rate": self.abandon_rate,
            "contacts_per_agent_hour": self.contacts_per_agent_hour,
        }


@dataclass(frozen=True, slots=True)
class _Person:
    answers: bool
    ends_after_s: float  # answer delay, or when an unanswered attempt ends
    talk_s: float  # if connected
    wrap_up_s: float


def _people(settings: SimulationSettings, seed: int) -> list[_Person]:
    rng = random.Random(seed)
    sigma = math.sqrt(math.log(1 + (settings.talk_sd_s / settings.talk_mean_s) ** 2))
    mu = math.log(settings.talk_mean_s) - sigma**2 / 2
    people = []
    for _ in range(settings.contacts):
        draw = rng.random()
        talk, wrap_up = rng.lognormvariate(mu, sigma), rng.uniform(*settings.wrap_up_s)
        if draw < settings.answer_rate:
            low, high, mode = settings.answer_delay_s
            people.append(_Person(True, rng.triangular(low, high, mode), talk, wrap_up))
        elif draw < settings.answer_rate + settings.busy_rate:
            people.append(_Person(False, rng.uniform(*settings.busy_after_s), talk, wrap_up))
        elif draw < settings.answer_rate + settings.busy_rate + settings.failed_rate:
            people.append(_Person(False, rng.uniform(*settings.failed_after_s), talk, wrap_up))
        else:
            people.append(_Person(False, settings.ring_s, talk, wrap_up))
    return people


_TICK, _ATTEMPT_END, _AGENT_FREE, _DEADLINE = range(4)
_DAY = date(2026, 1, 5)  # the ledger's day: the whole run is one calling day


class _Run:
    """One mode on one list; mutable while it runs, read once by :func:`simulate`."""

    def __init__(self, settings: SimulationSettings, people: list[_Person], pacing: Pacing) -> None:
        self.s, self.people, self.pacing = settings, people, pacing
        self.now = 0.0
        self.events: list[tuple[float, int, int, int]] = []
        self.seq = 0
        self.next_contact = 0
        self.free: deque[int] = deque(range(settings.agents))
        self.busy_since: dict[int, float] = {}
        self.talk_ends: dict[int, float] = {}
        self.ringing = 0
        self.waiting: deque[tuple[int, float]] = deque()  # (contact, answered_at)
        self.busy_time = 0.0
        self.dialled_at: dict[int, float] = {}
        self.ledger = AbandonLedger()
        self.answered = self.abandoned = self.connected = 0
        pred = pacing if isinstance(pacing, PredictivePacing) else PredictivePacing()
        self.level = DialLevel.initial(pred)
        # sliding-window observations: (time, value)
        self.ends: deque[tuple[float, bool]] = deque()  # attempt ended: answered?
        self.answers: deque[tuple[float, bool, float]] = deque()  # answered: abandoned?, answer delay
        self.idle: deque[tuple[float, int]] = deque()  # per tick: free agents

    def push(self, at: float, kind: int, ref: int) -> None:
        self.seq += 1
        heapq.heappush(self.events, (at, self.seq, kind, ref))

    def run(self) -> ModeResult:
        self.push(0.0, _TICK, 0)
        while self.events:
            self.now, _, kind, ref = heapq.heappop(self.events)
            if kind == _TICK:
                self.idle.append((self.now, len(self.free)))
                if self.next_contact < len(self.people) or self.ringing or self.waiting:
                    self.push(self.now + self.s.tick_s, _TICK, 0)
            elif kind == _ATTEMPT_END:
                self.attempt_end(ref)
            elif kind == _AGENT_FREE:
                self.agent_free(ref)
            elif kind == _DEADLINE:
                self.deadline(ref)
            self.dial()
        logged_in = self.s.agents * self.now  # the campaign ends with its last event
        return ModeResult(
            occupancy=self.busy_time / logged_in if logged_in else 0.0,
            abandon_rate=self.abandoned / self.answered if self.answered else 0.0,
            contacts_per_agent_hour=self.connected / (logged_in / 3600) if logged_in else 0.0,
            dialled=self.next_contact,
            live_answered=self.answered,
            abandoned=self.abandoned,
            connected=self.connected,
            duration_s=self.now,
        )

    def attempt_end(self, contact: int) -> None:
        self.ringing -= 1
        person = self.people[contact]
        self.ends.append((self.now, person.answers))
        if not person.answers:
            return
        self.answered += 1
        delay = self.now - self.dialled_at[contact]
        if self.free:
            self.answers.append((self.now, False, delay))
            self.ledger = self.ledger.record(_DAY, abandoned=False)
            self.connect(contact)
        else:
            self.waiting.append((contact, self.now))
            self.push(self.now + CONNECT_WITHIN_S, _DEADLINE, contact)

    def connect(self, contact: int) -> None:
        agent = self.free.popleft()
        self.busy_since[agent] = self.now
        self.connected += 1
        person = self.people[contact]
        self.talk_ends[agent] = self.now + person.talk_s
        self.push(self.now + person.talk_s + person.wrap_up_s, _AGENT_FREE, agent)

    def agent_free(self, agent: int) -> None:
        handle = self.now - self.busy_since.pop(agent)
        del self.talk_ends[agent]
        self.busy_time += handle
        self.free.append(agent)
        if self.waiting:
            contact, answered_at = self.waiting.popleft()
            self.answers.append((self.now, False, answered_at - self.dialled_at[contact]))
            self.ledger = self.ledger.record(_DAY, abandoned=False)
            self.connect(contact)

    def deadline(self, contact: int) -> None:
        for i, (waiting, answered_at) in enumerate(self.waiting):
            if waiting == contact:
                del self.waiting[i]
                self.abandoned += 1
                self.answers.append((self.now, True, answered_at - self.dialled_at[contact]))
                self.ledger = self.ledger.record(_DAY, abandoned=True)
                return

    def stats(self) -> TrafficStats:
        since = self.now - self.s.stats_window_s
        for series in (self.ends, self.answers, self.idle):
            while series and series[0][0] < since:
                series.popleft()
        answered = len(self.answers)
        idle = sum(n for _, n in self.idle) / (len(self.idle) * self.s.agents) if self.idle else 0.0
        return TrafficStats(
            attempts_ended=len(self.ends),
            live_answered=answered,
            mean_answer_delay_s=sum(d for _, _, d in self.answers) / answered if answered else 0.0,
            agent_idle_share=idle,
        )

    def dial(self) -> None:
        due = len(self.people) - self.next_contact
        if not due:
            return
        in_flight = self.ringing + len(self.waiting)
        snapshot = DialerSnapshot(
            contacts_due=due,
            campaign_calls=in_flight + len(self.busy_since),
            in_flight=in_flight,
            node_calls=in_flight + len(self.busy_since),
            free_agents=len(self.free),
            wrap_up_remaining_s=tuple(
                end + self.s.wrap_up_s[1] - self.now for end in self.talk_ends.values() if end <= self.now
            ),
        )
        stats = None
        if isinstance(self.pacing, PredictivePacing):
            stats = self.stats()
            self.level = retune(self.level, self.pacing, stats, self.now, self.ledger.window(_DAY))
        n = calls_to_start(
            self.pacing,
            snapshot,
            channel_cap=self.s.channel_cap,
            level=self.level,
            stats=stats,
            abandon_rate_30d=self.ledger.rate(_DAY),
        )
        for _ in range(n):
            contact = self.next_contact
            self.next_contact += 1
            self.ringing += 1
            self.dialled_at[contact] = self.now
            self.push(self.now + self.people[contact].ends_after_s, _ATTEMPT_END, contact)


def simulate(settings: SimulationSettings, pacing: Pacing, seed: int) -> ModeResult:
    """Run one pacing mode over the list drawn from ``seed``."""
    return _Run(settings, _people(settings, seed), pacing).run()


def compare_modes(
    settings: SimulationSettings | None = None,
    seed: int = 1,
    predictive: PredictivePacing | None = None,
) -> dict[str, dict[str, float]]:
    """Progressive and predictive on the same list: ``{"progressive": {...}, "predictive": {...}}``."""
    settings = settings or SimulationSettings()
    return {
        PacingMode.PROGRESSIVE.value: simulate(settings, ProgressivePacing(), seed).figures(),
        PacingMode.PREDICTIVE.value: simulate(settings, predictive or PredictivePacing(), seed).figures(),
    }
