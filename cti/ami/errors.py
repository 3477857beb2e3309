"""What can go wrong talking to Asterisk's manager interface, as our own exceptions.

Every failure of an action reaches its caller as one of these; nothing is retried behind the
caller's back (an ``Originate`` sent twice is a second phone call).
"""

from __future__ import annotations

from cti.ami.protocol import AmiMessage

__all__ = [
    "AmiActionError",
    "AmiActionTimeout",
    "AmiConnectionLost",
    "AmiError",
    "AmiLoginError",
    "AmiNotConnected",
]


class AmiError(Exception):
    """Base class of the AMI client's errors."""


class AmiConnectionLost(AmiError):
    """The manager connection went away while the action was in flight.

    Asterisk may or may not have executed it: the client does not send it again.
    """


class AmiNotConnected(AmiConnectionLost):
    """No manager session is up (connecting, logging in or resynchronising): nothing was sent."""


class AmiActionTimeout(AmiError):
    """No (complete) reply to an action within its timeout; a late reply is discarded."""

    def __init__(self, action: str, action_id: str, timeout_s: float) -> None:
        super().__init__(f"no reply to AMI action {action} (ActionID {action_id}) within {timeout_s:g} s")
        self.action = action
        self.action_id = action_id
        self.timeout_s = timeout_s


class AmiActionError(AmiError):
    """Asterisk answered ``Response: Error`` (or another non-success status)."""

    def __init__(self, message: str, response: AmiMessage) -> None:
        super().__init__(message)
        self.message = message
        self.response = response


class AmiLoginError(AmiActionError):
    """Login refused (wrong user or secret, or the source address is not permitted)."""
