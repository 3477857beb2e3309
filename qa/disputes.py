"""An agent's dispute of a score (申诉): scored → disputed → upheld | revised, once.

Pure: :func:`transition` takes a :class:`ScoreStatus`, an event and the time and returns the next
status, or raises :class:`IllegalMove` (nothing changes then).  Storage writes the result with a
compare-and-set on ``version``.

Rules on top of the table:

* Only the scored agent disputes, with a reason, within the policy's window after scoring.  There
  is no way back to ``scored``, so a score is disputed at most once.
* Someone other than the agent decides: ``uphold`` keeps the score, ``revise`` replaces it with a
  new score of the same call on the same form version, made by the decider.  The original stays in
  :attr:`ScoreStatus.original`; :attr:`ScoreStatus.effective` is what the reports count.
* Unless the policy allows it, the decider is not the QA person who made the original score.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from qa.errors import IllegalMove
from qa.score import Score

__all__ = [
    "TRANSITIONS",
    "Decision",
    "Dispute",
    "DisputeEvent",
    "DisputePolicy",
    "DisputeState",
    "ScoreStatus",
    "transition",
]


class DisputeState(enum.StrEnum):
    SCORED = "scored"
    DISPUTED = "disputed"
    UPHELD = "upheld"
    REVISED = "revised"


class DisputeEvent(enum.StrEnum):
    DISPUTE = "dispute"
    UPHOLD = "uphold"
    REVISE = "revise"


S, E = DisputeState, DisputeEvent

TRANSITIONS: dict[tuple[DisputeState, DisputeEvent], DisputeState] = {
    (S.SCORED, E.DISPUTE): S.DISPUTED,
    (S.DISPUTED, E.UPHOLD): S.UPHELD,
    (S.DISPUTED, E.REVISE): S.REVISED,
}


@dataclass(frozen=True, slots=True)
class DisputePolicy:
    window: timedelta = timedelta(days=7)  # from scoring, how long the agent may dispute
    decider_may_be_scorer: bool = False


@dataclass(frozen=True, slots=True)
class Dispute:
    by: str
    at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Decision:
    by: str
    at: datetime
    note: str


@dataclass(frozen=True, slots=True)
class ScoreStatus:
    state: DisputeState
    original: Score
    since: datetime
    version: int = 0
    dispute: Dispute | None = None
    decision: Decision | None = None
    revised: Score | None = None

    @classmethod
    def scored(cls, score: Score) -> ScoreStatus:
        return cls(S.SCORED, score, since=score.scored_at)

    @property
    def effective(self) -> Score:
        """The score that counts: the revised one if there is one, else the original."""
        return self.revised if self.revised is not None else self.original

    @property
    def score_id(self) -> str:
        return self.original.score_id


def transition(
    status: ScoreStatus,
    event: DisputeEvent,
    now: datetime,
    policy: DisputePolicy,
    *,
    actor: str,
    text: str,
    revised: Score | None = None,
) -> ScoreStatus:
    """The status after ``actor`` does ``event`` at ``now``; ``text`` is the reason or the decision note.

    ``revised`` is the new score, required for ``revise`` and refused otherwise.
    """
    what = f"score {status.score_id}"
    target = TRANSITIONS.get((status.state, event))
    if target is None:
        why = "a score is disputed once" if event is E.DISPUTE else None
        raise IllegalMove(what, status.state.value, event.value, why)
    if not text.strip():
        raise IllegalMove(what, status.state.value, event.value, "a reason or note is required")
    if (revised is not None) != (event is E.REVISE):
        raise IllegalMove(
            what, status.state.value, event.value, "a new score goes with revise, and only there"
        )
    original = status.original
    agent = original.call.agent_id
    version = status.version + 1

    if event is E.DISPUTE:
        if actor != agent:
            raise IllegalMove(what, status.state.value, event.value, "only the scored agent may dispute")
        if now > original.scored_at + policy.window:
            raise IllegalMove(
                what, status.state.value, event.value, f"the {policy.window} to dispute are over"
            )
        return replace(status, state=target, since=now, version=version, dispute=Dispute(actor, now, text))

    if actor == agent:
        raise IllegalMove(what, status.state.value, event.value, "the agent cannot decide their own dispute")
    if actor == original.scorer and not policy.decider_may_be_scorer:
        raise IllegalMove(what, status.state.value, event.value, "the original scorer cannot decide")
    if revised is not None:
        _check_revision(status, revised, actor)
    return replace(
        status, state=target, since=now, version=version, decision=Decision(actor, now, text), revised=revised
    )


def _check_revision(status: ScoreStatus, revised: Score, actor: str) -> None:
    original = status.original
    problems = []
    if revised.score_id == original.score_id:
        problems.append("needs its own score id")
    if revised.call != original.call:
        problems.append("must be of the same call")
    if (revised.form_id, revised.form_version) != (original.form_id, original.form_version):
        problems.append(f"must use the same form version ({original.form_id} v{original.form_version})")
    if revised.scorer != actor:
        problems.append("must be made by the one who decides")
    if problems:
        state = status.state.value
        raise IllegalMove(
            f"score {original.score_id}", state, E.REVISE.value, "the new score " + ", ".join(problems)
        )
