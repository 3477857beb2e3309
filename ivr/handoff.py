"""The IVR → ACD hand-off: channel variables the IVR sets before returning from its AGI handler.

The dialplan after ``AGI(agi://.../ivr)`` does
``GotoIf($["${HOTLINE_OUTCOME}" = "queue"]?acd-wait,s,1)``; the ACD and the agent's screen pop read
the other variables. Both sides use :class:`Handoff` so they agree on names and meanings:

===================  ===========================================================================
HOTLINE_OUTCOME      ``queue`` (hand to the ACD), ``selfserved`` (served, end the call) or ``hangup``
HOTLINE_SKILL        skill the agent needs: consultation, billing, complaint, fault, general
HOTLINE_MIN_LEVEL    junior | senior | manager
HOTLINE_LANGUAGE     zh | en
HOTLINE_SEGMENT      normal | vip | private_line
HOTLINE_PRIORITY     integer, higher first
HOTLINE_CUSTOMER_ID  the customer's id in the store, empty when the caller is unknown
HOTLINE_PREFECTURE   prefecture code (see :mod:`storage.prefectures`)
HOTLINE_TICKET_ID    the ticket opened in the IVR (its numeric ticket number), may be empty
HOTLINE_IVR_PATH     compact path through the menus, e.g. ``main>3>billing_dispute>tariff``
HOTLINE_IVR_SESSION  id of the IVR record (:class:`storage.ivr_records.IvrSession`)
===================  ===========================================================================

``HOTLINE_DIAL`` (not read by the ACD): a phone the dialplan rings first — a VIP's account
manager — before it sends the caller to ``[acd-wait]`` with the hand-off above.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from acd.model import AgentLevel, Segment
from prompts.language import Language

# The hand-off contract between the IVR and the ACD: the ACD's own enums (the only place the IVR
# reaches the ACD), the variables and their meanings.
__all__ = ["DIAL", "VARIABLES", "AgentLevel", "Handoff", "HandoffError", "Language", "Outcome", "Segment"]

OUTCOME = "HOTLINE_OUTCOME"
SKILL = "HOTLINE_SKILL"
MIN_LEVEL = "HOTLINE_MIN_LEVEL"
LANGUAGE = "HOTLINE_LANGUAGE"
SEGMENT = "HOTLINE_SEGMENT"
PRIORITY = "HOTLINE_PRIORITY"
CUSTOMER_ID = "HOTLINE_CUSTOMER_ID"
PREFECTURE = "HOTLINE_PREFECTURE"
TICKET_ID = "HOTLINE_TICKET_ID"
IVR_PATH = "HOTLINE_IVR_PATH"
IVR_SESSION = "HOTLINE_IVR_SESSION"
DIAL = "HOTLINE_DIAL"

VARIABLES: tuple[str, ...] = (
    OUTCOME, SKILL, MIN_LEVEL, LANGUAGE, SEGMENT, PRIORITY, CUSTOMER_ID, PREFECTURE, TICKET_ID, IVR_PATH,
    IVR_SESSION,
)  # fmt: skip

MAX_PATH = 200

_E = TypeVar("_E", bound=StrEnum)


class Outcome(StrEnum):
    QUEUE = "queue"
    SELFSERVED = "selfserved"
    HANGUP = "hangup"


class HandoffError(ValueError):
    """The channel variables do not describe a hand-off; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Handoff:
    skill: str
    min_level: AgentLevel
    language: Language
    segment: Segment
    priority: int
    customer_id: str
    prefecture: str
    ticket_id: str
    ivr_path: str
    ivr_session: str

    def __post_init__(self) -> None:
        if not self.skill or not self.skill.replace("_", "").isalnum():
            raise HandoffError(f"{SKILL}: not a skill name: {self.skill!r}")
        if len(self.ivr_path) > MAX_PATH:
            raise HandoffError(f"{IVR_PATH}: longer than {MAX_PATH} characters")

    def to_variables(self) -> dict[str, str]:
        """Every variable to set, ``HOTLINE_OUTCOME=queue`` first."""
        return {
            OUTCOME: Outcome.QUEUE.value,
            SKILL: self.skill,
            MIN_LEVEL: self.min_level.label,
            LANGUAGE: self.language.value,
            SEGMENT: self.segment.value,
            PRIORITY: str(self.priority),
            CUSTOMER_ID: self.customer_id,
            PREFECTURE: self.prefecture,
            TICKET_ID: self.ticket_id,
            IVR_PATH: self.ivr_path,
            IVR_SESSION: self.ivr_session,
        }

    @classmethod
    def from_variables(cls, variables: Mapping[str, str | None]) -> Handoff:
        """Read a hand-off back (ACD, screen pop); missing optional ones are empty."""
        outcome = variables.get(OUTCOME)
        if outcome != Outcome.QUEUE.value:
            raise HandoffError(f"{OUTCOME}: {outcome!r} is not a hand-off to the queue")

        def get(name: str, required: bool = True) -> str:
            value = variables.get(name) or ""
            if required and not value:
                raise HandoffError(f"{name}: missing")
            return value

        def choice(name: str, enum: type[_E]) -> _E:
            value = get(name)
            try:
                return enum(value)
            except ValueError:
                allowed = ", ".join(m.value for m in enum)
                raise HandoffError(f"{name}: {value!r} is not one of {allowed}") from None

        def level() -> AgentLevel:
            value = get(MIN_LEVEL)
            for candidate in AgentLevel:
                if candidate.label == value:
                    return candidate
            allowed = ", ".join(lv.label for lv in AgentLevel)
            raise HandoffError(f"{MIN_LEVEL}: {value!r} is not one of {allowed}")

        try:
            priority = int(get(PRIORITY))
        except ValueError:
            raise HandoffError(f"{PRIORITY}: {variables.get(PRIORITY)!r} is not an integer") from None
        return cls(
            skill=get(SKILL),
            min_level=level(),
            language=choice(LANGUAGE, Language),
            segment=choice(SEGMENT, Segment),
            priority=priority,
            customer_id=get(CUSTOMER_ID, required=False),
            prefecture=get(PREFECTURE),
            ticket_id=get(TICKET_ID, required=False),
            ivr_path=get(IVR_PATH, required=False),
            ivr_session=get(IVR_SESSION, required=False),
        )
