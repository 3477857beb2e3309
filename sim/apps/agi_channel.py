"""A simulated channel as the FastAGI client sees it (:class:`sim.agi.port.AgiChannel`).

:class:`ChannelAsAgiSeesIt` gives :func:`sim.agi.client.run_fastagi` the channel's identity,
variables and media (:mod:`sim.playback`), plus what only AGI does to a channel: EXEC of an
application, SET MUSIC, HANGUP (``ast_softhangup(chan, AST_SOFTHANGUP_EXPLICIT)``, the cause left
as it is) and the ``AGIExecStart``/``AGIExecEnd`` events around each command.

An AMI ``Redirect`` of a channel running AGI sets Asterisk's ``AST_SOFTHANGUP_ASYNCGOTO``;
``run_agi`` checks hang-ups with ``ast_check_hangup()``, which counts that flag too, so the
script sees exactly what a hang-up looks like: the command under way answers ``-1``, the
``HANGUP`` line follows, only dead-channel commands answer after that; once the script closes
the connection the channel carries on at the redirect's target.  Here a pending asynchronous
goto therefore counts as a hang-up.
"""

from __future__ import annotations

from sim import playback
from sim.agi.port import ChannelHungUp, PlaybackOutcome
from sim.channel import Channel
from sim.events import Headers

__all__ = ["ChannelAsAgiSeesIt"]


class ChannelAsAgiSeesIt:
    """The channel, with a pending asynchronous goto counted as a hang-up (see the module doc)."""

    def __init__(self, chan: Channel) -> None:
        self._chan = chan

    # -- who and where -----------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._chan.name

    @property
    def uniqueid(self) -> str:
        return self._chan.uniqueid

    @property
    def tech(self) -> str:
        return self._chan.tech

    @property
    def language(self) -> str:
        return self._chan.language

    @property
    def callerid_num(self) -> str | None:
        return self._chan.caller_num

    @property
    def callerid_name(self) -> str | None:
        return self._chan.caller_name

    @property
    def dnid(self) -> str | None:
        return self._chan.dnid

    @property
    def rdnis(self) -> str | None:
        return self._chan.rdnis

    @property
    def context(self) -> str:
        return self._chan.context

    @property
    def exten(self) -> str:
        return self._chan.exten

    @property
    def priority(self) -> int:
        return self._chan.priority

    @property
    def accountcode(self) -> str:
        return self._chan.accountcode

    @property
    def state(self) -> int:
        return self._chan.state

    # -- hang-up -------------------------------------------------------------------------------
    @property
    def hungup(self) -> bool:
        return self._chan.hungup or self._chan.pending_goto is not None

    async def wait_hangup(self) -> None:
        while not self.hungup:
            await self._chan.wait_state_change()

    def _check(self) -> None:
        if self._chan.pending_goto is not None:
            raise ChannelHungUp(self._chan.name)

    async def hangup(self, cause: int = 16) -> None:
        """AGI ``HANGUP``: ``ast_softhangup(chan, AST_SOFTHANGUP_EXPLICIT)``; the cause is left as it is."""
        if not self._chan.hungup:
            self._chan.pbx.soft_hangup_event(self._chan, 32)

    # -- media ---------------------------------------------------------------------------------
    async def answer(self) -> None:
        self._check()
        if self._chan.hungup:
            raise ChannelHungUp(self._chan.name)
        await self._chan.pbx.answer(self._chan)

    async def play(self, filename: str, escape_digits: str) -> PlaybackOutcome:
        self._check()
        outcome = await playback.play(self._chan, filename, escape_digits)
        self._check()
        return outcome

    async def wait_for_digit(self, timeout_ms: int) -> str | None:
        self._check()
        digit = await playback.wait_for_digit(self._chan, timeout_ms)
        self._check()
        return digit

    async def say_digits(self, digits: str, escape_digits: str) -> str | None:
        self._check()
        digit = await playback.say_digits(self._chan, digits, escape_digits)
        self._check()
        return digit

    async def say_number(self, number: int, escape_digits: str, gender: str | None) -> str | None:
        self._check()
        digit = await playback.say_number(self._chan, number, escape_digits, gender)
        self._check()
        return digit

    def flush_digits(self) -> None:
        self._chan.flush_digits()

    async def set_music(self, on: bool, moh_class: str | None) -> None:
        if on:
            self._chan.pbx.start_moh(self._chan, moh_class or "default")
        else:
            self._chan.pbx.stop_moh(self._chan)

    # -- variables and applications ------------------------------------------------------------
    def get_variable(self, name: str) -> str | None:
        return self._chan.get_variable(name)

    def set_variable(self, name: str, value: str) -> None:
        self._chan.set_variable(name, value)

    def substitute(self, text: str) -> str:
        return self._chan.substitute(text)

    async def exec_application(self, app: str, data: str) -> int:
        return await self._chan.pbx.exec_app(self._chan, app, data)

    def publish_agi_exec(
        self,
        *,
        start: bool,
        command_id: int,
        command: str,
        result_code: int | None = None,
        result: str | None = None,
    ) -> None:
        extra: Headers = [("CommandId", str(command_id)), ("Command", command)]
        if start:
            self._chan.publish("AGIExecStart", extra, privilege="agi")
        else:
            extra += [("ResultCode", str(result_code)), ("Result", result or "")]
            self._chan.publish("AGIExecEnd", extra, privilege="agi")
