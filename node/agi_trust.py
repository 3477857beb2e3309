"""Which FastAGI sessions the node believes (security finding 1).

Whoever connects to the FastAGI port writes the whole environment — ``agi_uniqueid``, the caller
ID, the context — and answers ``GET VARIABLE`` itself, so a session is served only for a channel
the node's AMI state knows with the same uniqueid, caller ID number and context.  AMI events and
the FastAGI connection race (the connection may come first), so an unknown channel is looked for
again with back-off (50 ms, doubling; :func:`cti.ami.lookup.look_for_channel`) for up to
``wait_s`` before the session is refused.

While the node has no AMI session (Asterisk restarting, the manager connection cut) it cannot
know any channel: refusing then would turn away every caller of the outage, so a session from a
peer on the ``[agi] allowed_peers`` list (checked before this) is served unverified and logged
(``agi session served unverified``).  The allow-list is then the only check: keep it to the
Asterisk servers' addresses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from cti.agi.environment import AgiEnvironment
from cti.ami.channels import Channel
from cti.ami.lookup import look_for_channel

__all__ = ["ChannelVouch", "describes"]

log = structlog.get_logger(__name__)

UNKNOWN = frozenset({"", "unknown", "<unknown>"})


def describes(env: AgiEnvironment, channel: Channel | None) -> bool:
    """True when ``env`` is a session of ``channel``: same uniqueid, caller ID number, context."""
    if channel is None or channel.uniqueid != env.uniqueid or channel.context != env.context:
        return False
    said = "" if env.callerid.strip().lower() in UNKNOWN else env.callerid.strip()
    return said == channel.caller.number


class ChannelVouch:
    def __init__(
        self,
        channel: Callable[[str], Channel | None],
        wait_s: float,
        *,
        seeing: Callable[[], bool] = lambda: True,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """``seeing``: whether the node has its AMI session (its channels can be known)."""
        self._channel = channel
        self._wait_s = wait_s
        self._seeing = seeing
        self._sleep = sleep

    async def __call__(self, env: AgiEnvironment) -> bool:
        sighting = await look_for_channel(
            self._channel,
            env.uniqueid,
            self._wait_s,
            found=lambda channel: describes(env, channel),
            seeing=self._seeing,
            sleep=self._sleep,
        )
        if sighting.found:
            return True
        if not sighting.seeing:
            log.warning("agi session served unverified", uniqueid=env.uniqueid, reason="no AMI session")
            return True
        log.warning(
            "agi session not vouched for",
            uniqueid=env.uniqueid,
            known=sighting.channel is not None,
            context=env.context,
            waited_s=round(sighting.waited_s, 2),
        )
        return False
