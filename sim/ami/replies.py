"""How the simulated Asterisk answers an AMI action: ``Response: Success`` or ``Error``, with the
action's ActionID, in Asterisk 22's wording (``astman_send_response`` and friends)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cti.ami.protocol import AmiMessage

if TYPE_CHECKING:
    from sim.ami.server import AmiSession

__all__ = ["error", "reply", "success"]


def reply(session: AmiSession, message: AmiMessage, status: str, *fields: tuple[str, str]) -> None:
    headers: list[tuple[str, str]] = [("Response", status)]
    action_id = message.action_id
    if action_id is not None:
        headers.append(("ActionID", action_id))
    headers.extend(fields)
    session.write(AmiMessage(tuple(headers)))


def error(session: AmiSession, message: AmiMessage, text: str) -> None:
    reply(session, message, "Error", ("Message", text))


def success(session: AmiSession, message: AmiMessage, text: str | None = None) -> None:
    if text is None:
        reply(session, message, "Success")
    else:
        reply(session, message, "Success", ("Message", text))
