"""The QA cores' errors as the API's: a stable ``error_id`` and a status, translated once here."""

from __future__ import annotations

from cti.errors import ApiError, BadRequest, Conflict, NotFound
from qa.errors import AnswerError, FormChanged, IllegalMove, QaError, RecordMismatch, UnknownForm

__all__ = ["QaConflict", "QaInvalid", "refusal"]


class QaInvalid(BadRequest):
    error_id = "qa-invalid"


class QaConflict(Conflict):
    error_id = "qa-refused"


class QaDamaged(ApiError):
    status = 500
    error_id = "qa-record-damaged"


def refusal(exc: QaError) -> ApiError:
    """The API error saying why the QA core refused."""
    if isinstance(exc, AnswerError):
        return QaInvalid(str(exc), problems=list(exc.problems))
    if isinstance(exc, UnknownForm):
        return NotFound(str(exc), form_id=exc.form_id, version=exc.version)
    if isinstance(exc, IllegalMove):
        return QaConflict(str(exc), state=exc.state, event=exc.event)
    if isinstance(exc, FormChanged | RecordMismatch):
        return QaDamaged(str(exc))
    return QaInvalid(str(exc))
