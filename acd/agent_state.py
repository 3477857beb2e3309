"""An agent's state and the table of legal moves between states.

Pure: :func:`transition` takes the current :class:`AgentStatus`, an :class:`AgentEvent` and the
time, and returns the next status or raises :class:`~acd.errors.IllegalTransition` (nothing
changes then).  The stores write the result with a compare-and-set on ``version``, so two
writers never both win.

Rules on top of the table:

* A pause asked for while the phone rings or during a call is *pending*: it is remembered and
  taken when the agent would next become available (after wrap-up).  So pausing can never
  strand a ringing call or cut a conversation.  ``unpause`` clears a pending pause.
* Entering ``available`` with a pending pause enters ``paused`` instead.
* Hang-up enters ``wrap_up`` for the configured time; with a wrap-up of 0 s it goes straight on.
* ``available`` keeps ``idle_since`` (the longest-idle ranking).  A reservation remembers it, so
  an offer cancelled through no fault of the agent (the caller left) gives their place back.
* ``no_answer`` pauses the agent with reason ``no-answer``; a failed connect with ``unreachable``.

Every status carries ``since`` (when this state began) and, where a timer runs, ``deadline``
(ring timeout while reserved, end of wrap-up).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from acd.errors import IllegalTransition, ModelError

__all__ = [
    "NO_ANSWER_REASON",
    "UNREACHABLE_REASON",
    "AgentEvent",
    "AgentState",
    "AgentStatus",
    "Timings",
    "transition",
]

NO_ANSWER_REASON = "no-answer"
UNREACHABLE_REASON = "unreachable"


class AgentState(enum.StrEnum):
    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    RESERVED = "reserved"  # an offer is made to this agent: their phone rings
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


class AgentEvent(enum.StrEnum):
    LOGIN = "login"
    RESERVE = "reserve"
    ANSWER = "answer"
    NO_ANSWER = "no_answer"
    CONNECT_FAILED = "connect_failed"
    OFFER_CANCELLED = "offer_cancelled"
    HANGUP = "hangup"
    TRANSFER = "transfer"
    WRAPUP_DONE = "wrapup_done"
    READY = "ready"
    PAUSE = "pause"
    UNPAUSE = "unpause"
    LOGOUT = "logout"
    FORCE_LOGOUT = "force_logout"


S = AgentState
E = AgentEvent

# (state, event) -> next state, before the pending-pause and zero-wrap-up rules.
TRANSITIONS: dict[tuple[AgentState, AgentEvent], AgentState] = {
    (S.LOGGED_OUT, E.LOGIN): S.AVAILABLE,
    (S.AVAILABLE, E.RESERVE): S.RESERVED,
    (S.AVAILABLE, E.PAUSE): S.PAUSED,
    (S.AVAILABLE, E.LOGOUT): S.LOGGED_OUT,
    (S.AVAILABLE, E.FORCE_LOGOUT): S.LOGGED_OUT,
    (S.RESERVED, E.ANSWER): S.ON_CALL,
    (S.RESERVED, E.NO_ANSWER): S.PAUSED,
    (S.RESERVED, E.CONNECT_FAILED): S.PAUSED,
    (S.RESERVED, E.OFFER_CANCELLED): S.AVAILABLE,
    (S.RESERVED, E.PAUSE): S.RESERVED,
    (S.RESERVED, E.UNPAUSE): S.RESERVED,
    (S.RESERVED, E.FORCE_LOGOUT): S.LOGGED_OUT,
    (S.ON_CALL, E.HANGUP): S.WRAP_UP,
    (S.ON_CALL, E.TRANSFER): S.WRAP_UP,
    (S.ON_CALL, E.PAUSE): S.ON_CALL,
    (S.ON_CALL, E.UNPAUSE): S.ON_CALL,
    (S.ON_CALL, E.FORCE_LOGOUT): S.LOGGED_OUT,
    (S.WRAP_UP, E.WRAPUP_DONE): S.AVAILABLE,
    (S.WRAP_UP, E.READY): S.AVAILABLE,
    (S.WRAP_UP, E.PAUSE): S.PAUSED,
    (S.WRAP_UP, E.UNPAUSE): S.WRAP_UP,
    (S.WRAP_UP, E.LOGOUT): S.LOGGED_OUT,
    (S.WRAP_UP, E.FORCE_LOGOUT): S.LOGGED_OUT,
    (S.PAUSED, E.UNPAUSE): S.AVAILABLE,
    (S.PAUSED, E.PAUSE): S.PAUSED,
    (S.PAUSED, E.LOGOUT): S.LOGGED_OUT,
    (S.PAUSED, E.FORCE_LOGOUT): S.LOGGED_OUT,
}

# states in which a pause is remembered rather than taken
_PENDING_PAUSE_STATES = frozenset({S.RESERVED, S.ON_CALL})
# events about one particular call: the agent must be busy with that call
_CALL_EVENTS = frozenset({E.ANSWER, E.NO_ANSWER, E.CONNECT_FAILED, E.OFFER_CANCELLED, E.HANGUP, E.TRANSFER})


@dataclass(frozen=True, slots=True)
class Timings:
    ring_timeout_s: float
    wrapup_s: float


@dataclass(frozen=True, slots=True)
class AgentStatus:
    """Where an agent is now.  ``entry_id`` names the call while reserved, on call or in wrap-up."""

    state: AgentState
    since: float
    version: int = 0
    entry_id: str | None = None
    reason: str | None = None  # pause reason while paused
    pending_pause: str | None = None
    idle_since: float | None = None  # available: idle since; reserved: the value to give back
    deadline: float | None = None  # reserved: ring timeout; wrap_up: end of wrap-up
    node: str | None = None  # the CTI node the agent is logged in through

    @classmethod
    def logged_out(cls, now: float) -> AgentStatus:
        return cls(AgentState.LOGGED_OUT, since=now)

    @property
    def logged_in(self) -> bool:
        return self.state is not AgentState.LOGGED_OUT


def transition(
    agent_id: str,
    status: AgentStatus,
    event: AgentEvent,
    now: float,
    timings: Timings,
    *,
    entry_id: str | None = None,
    reason: str | None = None,
    node: str | None = None,
) -> AgentStatus:
    """The status after ``event`` at ``now``; raises :class:`IllegalTransition` if not allowed.

    ``entry_id`` is required for ``reserve`` and checked for ``answer``/``hangup``/offer endings
    (an event about another call than the agent's is illegal).  ``reason`` is the pause reason;
    ``node`` the node logging the agent in.
    """
    target = TRANSITIONS.get((status.state, event))
    if target is None:
        raise IllegalTransition(agent_id, status.state.value, event.value)
    if event in _CALL_EVENTS and entry_id != status.entry_id:
        raise IllegalTransition(
            agent_id,
            status.state.value,
            event.value,
            f"it is busy with {status.entry_id!r}, not {entry_id!r}",
        )
    version = status.version + 1

    if event is E.PAUSE:
        if not reason:
            raise ModelError("a pause needs a reason code")
        if status.state in _PENDING_PAUSE_STATES:
            return replace(status, version=version, pending_pause=reason)
        return AgentStatus(S.PAUSED, since=now, version=version, reason=reason, node=status.node)
    if event is E.UNPAUSE:
        if status.state is S.PAUSED:
            return _available(status, now, version, idle_since=now)
        if status.pending_pause is None:
            raise IllegalTransition(agent_id, status.state.value, event.value, "no pause to take back")
        return replace(status, version=version, pending_pause=None)

    if target is S.LOGGED_OUT:
        return AgentStatus(S.LOGGED_OUT, since=now, version=version)
    if event is E.LOGIN:
        if not node:
            raise ModelError("a login needs the node the agent logs in through")
        return AgentStatus(S.AVAILABLE, since=now, version=version, idle_since=now, node=node)
    if event is E.RESERVE:
        if not entry_id:
            raise ModelError("a reservation needs the call's entry id")
        return AgentStatus(
            S.RESERVED,
            since=now,
            version=version,
            entry_id=entry_id,
            idle_since=status.idle_since,
            deadline=now + timings.ring_timeout_s,
            node=status.node,
        )
    if event is E.ANSWER:
        return AgentStatus(
            S.ON_CALL,
            since=now,
            version=version,
            entry_id=status.entry_id,
            pending_pause=status.pending_pause,
            node=status.node,
        )
    if event in (E.NO_ANSWER, E.CONNECT_FAILED):
        why = NO_ANSWER_REASON if event is E.NO_ANSWER else UNREACHABLE_REASON
        return AgentStatus(S.PAUSED, since=now, version=version, reason=why, node=status.node)
    if event is E.OFFER_CANCELLED:
        return _available(status, now, version, idle_since=status.idle_since or now)
    if event in (E.HANGUP, E.TRANSFER):
        if timings.wrapup_s <= 0:
            return _available(status, now, version, idle_since=now)
        return AgentStatus(
            S.WRAP_UP,
            since=now,
            version=version,
            entry_id=status.entry_id,
            pending_pause=status.pending_pause,
            deadline=now + timings.wrapup_s,
            node=status.node,
        )
    if event in (E.WRAPUP_DONE, E.READY):
        return _available(status, now, version, idle_since=now)
    raise AssertionError(f"transition table entry {(status.state, event)} has no rule")  # pragma: no cover


def _available(status: AgentStatus, now: float, version: int, idle_since: float) -> AgentStatus:
    if status.pending_pause is not None:
        return AgentStatus(
            S.PAUSED, since=now, version=version, reason=status.pending_pause, node=status.node
        )
    return AgentStatus(S.AVAILABLE, since=now, version=version, idle_since=idle_since, node=status.node)
