"""What can go wrong in a FastAGI conversation, as our own exception types.

Handlers catch :class:`AgiHangup` (the caller is gone; save what you have) and let the rest
reach the server, which logs them and ends the session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cti.agi.protocol import AgiReply

__all__ = [
    "AgiApplicationNotFound",
    "AgiCommandFailed",
    "AgiError",
    "AgiHangup",
    "AgiInvalidCommand",
    "AgiProtocolError",
    "AgiTimeout",
    "AgiUsageError",
]


class AgiError(Exception):
    """Base class of every AGI error."""


class AgiHangup(AgiError):
    """The caller hung up: a ``HANGUP`` notice, a ``511`` reply, or the connection closed."""


class AgiInvalidCommand(AgiError):
    """``510 Invalid or unknown command``: Asterisk does not know the command."""


class AgiUsageError(AgiError):
    """``520``: the command's arguments were wrong; ``usage`` is Asterisk's usage text."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(message)
        self.usage = usage


class AgiProtocolError(AgiError, ValueError):
    """Input that is not AGI (malformed environment or reply), or a command AGI cannot carry."""


class AgiApplicationNotFound(AgiError):
    """``EXEC`` answered ``result=-2``: no such dialplan application."""

    def __init__(self, application: str) -> None:
        super().__init__(f"no such dialplan application: {application}")
        self.application = application


class AgiCommandFailed(AgiError):
    """A command answered ``result=-1`` while the channel is still up (e.g. a missing prompt)."""

    def __init__(self, message: str, reply: AgiReply) -> None:
        super().__init__(message)
        self.reply = reply


class AgiTimeout(AgiError):
    """No reply within the command's time-out; the session is closed (replies can no longer be
    matched to commands)."""
