"""A campaign: what it calls for, how it paces, when it may call, and its state.

States move only through :data:`TRANSITIONS` with :func:`transition`; anything else raises
:class:`~outbound.errors.IllegalTransition` and changes nothing::

    draft ──start──▶ running ──pause──▶ paused
                       ▲  ◀──resume──    │
                       └──finish──▶ finished ◀──finish── (draft, paused)

Only a running campaign dials (:attr:`Campaign.dials`); ``finished`` is final.  Each move bumps
``version`` (storage writes with a compare-and-set on it) and sets ``state_since``.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from outbound.calendar import CallingSchedule
from outbound.errors import IllegalTransition, ModelError
from outbound.pacing import MIN_RING_S, AutomatedPacing, Pacing, PacingMode, pacing_mode
from outbound.retry import RetryPolicy

__all__ = [
    "TRANSITIONS",
    "Campaign",
    "CampaignEvent",
    "CampaignKind",
    "CampaignState",
    "by_priority",
    "transition",
]


class CampaignKind(enum.StrEnum):
    SATISFACTION_SURVEY = "satisfaction_survey"  # 回访: after a complaint, fault or suggestion ticket
    ARREARS_REMINDER = "arrears_reminder"  # 欠费催缴
    TICKET_NOTICE = "ticket_notice"  # 自动回复: the customer is told their ticket is closed
    GENERIC = "generic"  # any list

    @property
    def optional_columns(self) -> frozenset[str]:
        """Columns a contact file may carry beside number, name, prefecture and reference."""
        return _OPTIONAL_COLUMNS[self]


_OPTIONAL_COLUMNS = {
    CampaignKind.SATISFACTION_SURVEY: frozenset({"agent", "closed_at", "category"}),
    CampaignKind.ARREARS_REMINDER: frozenset({"amount_due", "due_date"}),
    CampaignKind.TICKET_NOTICE: frozenset({"language"}),
    CampaignKind.GENERIC: frozenset({"note"}),
}


class CampaignState(enum.StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"


class CampaignEvent(enum.StrEnum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    FINISH = "finish"  # by an operator, or when no contact is left to try


S = CampaignState
E = CampaignEvent

TRANSITIONS: dict[tuple[CampaignState, CampaignEvent], CampaignState] = {
    (S.DRAFT, E.START): S.RUNNING,
    (S.DRAFT, E.FINISH): S.FINISHED,
    (S.RUNNING, E.PAUSE): S.PAUSED,
    (S.RUNNING, E.FINISH): S.FINISHED,
    (S.PAUSED, E.RESUME): S.RUNNING,
    (S.PAUSED, E.FINISH): S.FINISHED,
}

MIN_PRIORITY, MAX_PRIORITY = 1, 9


@dataclass(frozen=True, slots=True)
class Campaign:
    """A campaign; ``priority`` 1–9, higher first when campaigns compete for agents or channels.

    ``skill`` names the ACD skill whose agents take the calls; required unless the pacing is
    automated (no agent).  ``ring_s`` is how long each call rings before the dialer gives up
    (at least 15 s).
    """

    id: str
    name: str
    kind: CampaignKind
    pacing: Pacing
    schedule: CallingSchedule = field(default_factory=CallingSchedule)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    skill: str | None = None
    priority: int = 5
    ring_s: float = 25.0
    state: CampaignState = CampaignState.DRAFT
    state_since: datetime | None = None
    version: int = 0

    def __post_init__(self) -> None:
        if not self.id or not self.name.strip():
            raise ModelError("a campaign needs an id and a name")
        if not MIN_PRIORITY <= self.priority <= MAX_PRIORITY:
            raise ModelError(f"priority must be {MIN_PRIORITY}–{MAX_PRIORITY}, not {self.priority}")
        if self.ring_s < MIN_RING_S:
            raise ModelError(f"calls must ring at least {MIN_RING_S:g} s, not {self.ring_s:g} s")
        if not isinstance(self.pacing, AutomatedPacing) and not self.skill:
            raise ModelError(f"{self.mode.value} pacing needs the skill of the agents who take the calls")

    @property
    def mode(self) -> PacingMode:
        return pacing_mode(self.pacing)

    @property
    def dials(self) -> bool:
        """Whether the dialer may start calls for this campaign (it must be running)."""
        return self.state is CampaignState.RUNNING

    def allows(self, event: CampaignEvent) -> bool:
        return (self.state, event) in TRANSITIONS


def transition(campaign: Campaign, event: CampaignEvent, now: datetime) -> Campaign:
    """The campaign after ``event`` at ``now``; raises :class:`IllegalTransition` if not allowed."""
    target = TRANSITIONS.get((campaign.state, event))
    if target is None:
        raise IllegalTransition(f"campaign {campaign.id!r}", campaign.state.value, event.value)
    if now.tzinfo is None:
        raise ModelError("a campaign's state change needs a time-zone-aware time")
    return replace(campaign, state=target, state_since=now, version=campaign.version + 1)


def by_priority(campaigns: Iterable[Campaign]) -> list[Campaign]:
    """Running campaigns in the order the dialer serves them: priority, then oldest start, then id."""
    running = [c for c in campaigns if c.dials]
    return sorted(
        running, key=lambda c: (-c.priority, c.state_since.timestamp() if c.state_since else math.inf, c.id)
    )
