"""Placing a call with ``Originate``: the action's headers and the pending result.

We always send ``Async: true``: Asterisk answers ``Response: Success`` ("Originate
successfully queued") at once and reports the outcome later in an ``OriginateResponse``
event carrying the same ActionID.  :class:`PendingOriginate` is that later outcome; the
connection routes the event to it (panoramisk would not: see :mod:`cti.ami.connection`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator, Mapping
from typing import Any

from cti.ami.errors import AmiActionTimeout
from cti.ami.events import OriginateOutcome
from cti.ami.protocol import AmiMessage

__all__ = ["PendingOriginate", "originate_headers"]


def originate_headers(
    channel: str,
    *,
    context: str | None,
    exten: str | None,
    priority: int | str | None,
    application: str | None,
    data: str | None,
    caller_id: str | None,
    timeout_ms: int,
    variables: Mapping[str, str] | None,
    account: str | None,
    channel_id: str | None,
    other_channel_id: str | None,
) -> list[tuple[str, str]]:
    """Headers of an asynchronous Originate to ``exten@context`` **or** an ``application``."""
    if (application is None) == (exten is None):
        raise ValueError("Originate needs either exten (with context) or application, not both")
    headers = [("Channel", channel)]
    if application is not None:
        headers.append(("Application", application))
        if data is not None:
            headers.append(("Data", data))
    else:
        if not context:
            raise ValueError("Originate to an extension needs a context")
        headers += [("Context", context), ("Exten", str(exten)), ("Priority", str(priority or 1))]
    headers += [("Timeout", str(int(timeout_ms))), ("Async", "true")]
    if caller_id is not None:
        headers.append(("CallerID", caller_id))
    if account is not None:
        headers.append(("Account", account))
    if channel_id is not None:
        headers.append(("ChannelId", channel_id))
    if other_channel_id is not None:
        headers.append(("OtherChannelId", other_channel_id))
    for name, value in (variables or {}).items():
        if "=" in name:
            raise ValueError(f"channel variable name {name!r} contains '='")
        headers.append(("Variable", f"{name}={value}"))
    return headers


class PendingOriginate:
    """An Originate Asterisk has queued; ``await`` it (or :meth:`outcome`) for what became of it.

    The outcome arrives as an ``OriginateResponse`` event: ``success`` with reason 4 once
    answered, else the failure reason (busy 5, no answer 3, congestion 8, failed 0).  If the
    connection drops first, awaiting raises :class:`~cti.ami.errors.AmiConnectionLost`: the
    call may or may not exist, and nothing is placed again.
    """

    def __init__(
        self,
        action_id: str,
        channel: str,
        response: AmiMessage,
        future: asyncio.Future[AmiMessage],
        *,
        default_timeout_s: float,
        forget: Callable[[], None],
    ) -> None:
        self.action_id = action_id
        self.channel = channel
        self.response = response
        self._future = future
        self._default_timeout_s = default_timeout_s
        self._forget = forget

    @property
    def done(self) -> bool:
        return self._future.done()

    async def outcome(self, timeout_s: float | None = None) -> OriginateOutcome:
        """Wait for the ``OriginateResponse`` (by default the ring timeout plus the action timeout)."""
        timeout = self._default_timeout_s if timeout_s is None else timeout_s
        try:
            async with asyncio.timeout(timeout):
                event = await asyncio.shield(self._future)
        except TimeoutError:
            self._forget()
            raise AmiActionTimeout("Originate (OriginateResponse)", self.action_id, timeout) from None
        return OriginateOutcome.from_event(event)

    def __await__(self) -> Generator[Any, None, OriginateOutcome]:
        return self.outcome().__await__()

    def __repr__(self) -> str:
        state = "done" if self.done else "pending"
        return f"<PendingOriginate {self.action_id} {self.channel} {state}>"
