"""What the simulator's FastAGI client needs from a channel.

The simulated PBX provides this (:class:`sim.apps.agi_channel.ChannelAsAgiSeesIt`); tests of
the AGI client use a small fake.  All waits go through the channel, which owns the simulated
clock, the caller's DTMF and the hang-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class ChannelHungUp(Exception):
    """The channel was hung up while (or before) a media operation ran."""


class SoundMissing(Exception):
    """SAY NUMBER could not play a sound it needs (Asterisk answers ``result=-1``)."""


@dataclass(frozen=True, slots=True)
class PlaybackOutcome:
    """Result of playing one sound file.

    ``found`` is False when no such file exists (AGI: ``result=-1 endpos=0``).
    ``digit`` is the escape digit that interrupted it, if any.  ``endpos`` is the sample
    offset reached (8 kHz samples), as Asterisk reports it.
    """

    found: bool
    digit: str | None
    endpos: int


class AgiChannel(Protocol):
    """A live channel as the FastAGI client sees it."""

    @property
    def name(self) -> str: ...
    @property
    def uniqueid(self) -> str: ...
    @property
    def tech(self) -> str: ...  # "Local", "PJSIP"
    @property
    def language(self) -> str: ...
    @property
    def callerid_num(self) -> str | None: ...
    @property
    def callerid_name(self) -> str | None: ...
    @property
    def dnid(self) -> str | None: ...
    @property
    def rdnis(self) -> str | None: ...
    @property
    def context(self) -> str: ...
    @property
    def exten(self) -> str: ...
    @property
    def priority(self) -> int: ...
    @property
    def accountcode(self) -> str: ...
    @property
    def hungup(self) -> bool: ...
    @property
    def state(self) -> int:
        """Asterisk's AST_STATE_* number (0 Down ... 6 Up)."""
        ...

    async def answer(self) -> None: ...

    async def play(self, filename: str, escape_digits: str) -> PlaybackOutcome:
        """Play ``filename`` (no extension); stop early on a digit in ``escape_digits``.

        Raises :class:`ChannelHungUp` if the channel hangs up meanwhile.
        """
        ...

    async def wait_for_digit(self, timeout_ms: int) -> str | None:
        """Next DTMF digit within ``timeout_ms`` (-1: forever); ``None`` on time-out.

        Raises :class:`ChannelHungUp` if the channel hangs up meanwhile.
        """
        ...

    async def say_digits(self, digits: str, escape_digits: str) -> str | None:
        """Say each digit (``digits/N`` files, missing ones skipped); returns the escape digit pressed."""
        ...

    async def say_number(self, number: int, escape_digits: str, gender: str | None) -> str | None:
        """Say ``number`` in the channel's language; the escape digit pressed, if any.

        Raises :class:`SoundMissing` where Asterisk gives up on a missing sound (English rules).
        """
        ...

    def flush_digits(self) -> None:
        """Drop the DTMF no command has read: between AGI commands ``run_agi`` reads and frees
        every frame the channel receives, so a key pressed then is lost."""
        ...

    def get_variable(self, name: str) -> str | None:
        """A channel variable, a global, or a dialplan function such as ``CALLERID(num)``."""
        ...

    def set_variable(self, name: str, value: str) -> None: ...

    def substitute(self, text: str) -> str:
        """Expand ``${...}`` and ``$[...]`` in ``text`` as the dialplan would."""
        ...

    async def exec_application(self, app: str, data: str) -> int:
        """Run a dialplan application: 0 ok, -1 hung up during it, -2 no such application."""
        ...

    async def set_music(self, on: bool, moh_class: str | None) -> None: ...

    async def hangup(self, cause: int = 16) -> None: ...

    async def wait_hangup(self) -> None:
        """Returns once the channel has hung up."""
        ...

    def publish_agi_exec(
        self,
        *,
        start: bool,
        command_id: int,
        command: str,
        result_code: int | None = None,
        result: str | None = None,
    ) -> None:
        """Publish AMI ``AGIExecStart`` (``start=True``) or ``AGIExecEnd`` for one AGI command.

        As in ami_17: ``Command`` is the command line as received; ``AGIExecEnd`` carries
        ``ResultCode`` (200, 510, 511, 520, -1 for a failed STREAM FILE) and ``Result``
        (``Success``, ``Failure``, ``Usage``, ``Invalid or unknown command``, ``Unknown Result``,
        ``Command Not Permitted on a dead channel or intercept routine``).
        """
        ...
