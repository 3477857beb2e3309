"""What can go wrong in the ACD, one class per kind, each with a stable ``error_id``.

Edges translate these once: ``cti/api`` to an HTTP status with the ``error_id``, ``ivr/`` to a
re-prompt or an agent fallback.  The telephony port (:mod:`acd.telephony`) raises
:class:`TelephonyError` / :class:`CallerGone`; the service turns those into state changes and
never lets them escape a routing step.
"""

from __future__ import annotations


class AcdError(Exception):
    """Base of every ACD error."""

    error_id = "acd-error"


class ModelError(AcdError, ValueError):
    """A value (agent, call, requirement) was built from bad data."""

    error_id = "acd-invalid-value"


class RulesError(AcdError):
    """The routing configuration is unusable; the message names the file and the bad rule."""

    error_id = "acd-invalid-rules"


class UnknownAgent(AcdError, LookupError):
    error_id = "acd-unknown-agent"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"unknown agent {agent_id!r}")
        self.agent_id = agent_id


class AgentNotLoggedOut(AcdError):
    """An agent can be removed (retired) only once logged out."""

    error_id = "acd-agent-logged-in"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"agent {agent_id!r} is logged in: log them out first")
        self.agent_id = agent_id


class UnknownCall(AcdError, LookupError):
    error_id = "acd-unknown-call"

    def __init__(self, entry_id: str) -> None:
        super().__init__(f"no call {entry_id!r} in the ACD")
        self.entry_id = entry_id


class DuplicateCall(AcdError):
    error_id = "acd-duplicate-call"

    def __init__(self, entry_id: str) -> None:
        super().__init__(f"call {entry_id!r} is already in the ACD")
        self.entry_id = entry_id


class IllegalTransition(AcdError):
    """An agent was asked to do something its state does not allow; nothing changed."""

    error_id = "acd-illegal-transition"

    def __init__(self, agent_id: str, state: str, event: str, detail: str = "") -> None:
        text = f"agent {agent_id!r} in state {state!r} cannot {event!r}"
        super().__init__(f"{text}: {detail}" if detail else text)
        self.agent_id = agent_id
        self.state = state
        self.event = event


class CallNotInPhase(AcdError):
    """A call was asked to do something its phase does not allow (e.g. a callback while ringing)."""

    error_id = "acd-call-phase"

    def __init__(self, entry_id: str, phase: str, wanted: str) -> None:
        super().__init__(f"call {entry_id!r} is {phase!r}, not {wanted!r}")
        self.entry_id = entry_id
        self.phase = phase


class ConcurrentUpdate(AcdError):
    """Another task or node kept changing the same agent or call; we gave up after retrying."""

    error_id = "acd-concurrent-update"


class StoreUnavailable(AcdError):
    """The store (Redis) cannot be reached or answered nonsense."""

    error_id = "acd-store-unavailable"


class TelephonyError(AcdError):
    """The telephony port could not carry out an action (agent unreachable, AMI error)."""

    error_id = "acd-telephony"


class CallerGone(TelephonyError):
    """The caller's channel no longer exists: the call is over from the ACD's point of view."""

    error_id = "acd-caller-gone"
