"""What the API answers when a request cannot be served: an HTTP status and a stable ``error_id``.

Every error body is ``{"error_id": ..., "message": ..., "details": {...}}``.  ``error_id`` values
never change meaning (clients and the pages switch on them); messages are for people.  Errors of
the other packages (the ACD, tickets, AMI) are translated here, once, by :func:`translate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from acd.errors import (
    AcdError,
    AgentNotLoggedOut,
    CallerGone,
    CallNotInPhase,
    ConcurrentUpdate,
    IllegalTransition,
    ModelError,
    StoreUnavailable,
    UnknownAgent,
    UnknownCall,
)
from cti.ami.errors import AmiError
from storage.ticket_lifecycle import IllegalTicketMove

__all__ = ["ApiError", "translate"]


class ApiError(Exception):
    status = 500
    error_id = "internal"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details

    def body(self) -> dict[str, Any]:
        return {"error_id": self.error_id, "message": self.message, "details": self.details}


class BadRequest(ApiError):
    status = 400
    error_id = "request-invalid"


class Unauthenticated(ApiError):
    status = 401
    error_id = "auth-required"


class BadCredentials(ApiError):
    status = 401
    error_id = "auth-bad-credentials"


class TokenInvalid(ApiError):
    status = 401
    error_id = "auth-token-invalid"


class TokenExpired(ApiError):
    status = 401
    error_id = "auth-token-expired"


class Forbidden(ApiError):
    status = 403
    error_id = "auth-forbidden"


class OutOfScope(ApiError):
    status = 403
    error_id = "auth-out-of-scope"


class NotYourCall(ApiError):
    status = 403
    error_id = "call-not-yours"


class NotFound(ApiError):
    status = 404
    error_id = "not-found"


class Conflict(ApiError):
    status = 409
    error_id = "conflict"


class NoCurrentCall(ApiError):
    status = 409
    error_id = "call-none"


class CallStateConflict(ApiError):
    status = 409
    error_id = "call-state"


class AgentBusy(ApiError):
    status = 409
    error_id = "agent-busy"


class TicketMoveRefused(ApiError):
    status = 409
    error_id = "ticket-illegal-move"


class RateLimited(ApiError):
    status = 429
    error_id = "auth-rate-limited"


class TelephonyFailed(ApiError):
    status = 502
    error_id = "telephony-failed"


class Unavailable(ApiError):
    status = 503
    error_id = "service-unavailable"


_ACD_STATUS: Mapping[type[AcdError], int] = {
    UnknownAgent: 404,
    UnknownCall: 404,
    IllegalTransition: 409,
    CallNotInPhase: 409,
    ConcurrentUpdate: 409,
    CallerGone: 409,
    ModelError: 400,
    AgentNotLoggedOut: 409,
    StoreUnavailable: 503,
}


def translate(exc: BaseException) -> ApiError | None:
    """The API error for an error of another package; None when it is not one we know."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, AcdError):
        status = next((s for kind, s in _ACD_STATUS.items() if isinstance(exc, kind)), 500)
        error = ApiError(str(exc))
        error.status, error.error_id = status, exc.error_id
        return error
    if isinstance(exc, IllegalTicketMove):
        return TicketMoveRefused(str(exc), source=exc.source.value, target=exc.target.value)
    if isinstance(exc, AmiError):
        return TelephonyFailed(f"the PBX refused or did not answer: {type(exc).__name__}")
    return None
