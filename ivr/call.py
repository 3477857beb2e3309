"""One call in the IVR: the AGI channel, who is calling, what they chose so far, and how to make
them hear something (with barge-in: any key interrupts a prompt and is returned as input)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Protocol, assert_never
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.agi.environment import AgiEnvironment
from cti.agi.errors import AgiCommandFailed
from cti.agi.session import Digits, Playback
from ivr.caller import CallerProfile
from ivr.menu import TicketFields
from ivr.privacy import RecordingPrivacy
from ivr.row_writer import IvrRowWriter
from ivr.settings import IvrSettings
from orders.service import OrderService
from prompts.language import Language
from prompts.speech import Play, SayDigits, SayNumber, Speech
from storage.ticket_lifecycle import TicketKind

KEYS = "0123456789*#"


class CallChannel(Protocol):
    """The part of :class:`cti.agi.session.AgiSession` the IVR uses."""

    env: AgiEnvironment

    @property
    def hungup(self) -> bool: ...

    async def answer(self) -> None: ...
    async def stream_file(self, filename: str, escape_digits: str = "") -> Playback: ...
    async def wait_for_digit(self, timeout_ms: int) -> str | None: ...
    async def get_data(
        self, filename: str, timeout_ms: int | None = None, max_digits: int | None = None
    ) -> Digits: ...
    async def say_digits(self, digits: str, escape_digits: str = "") -> str | None: ...
    async def say_number(
        self, number: int, escape_digits: str = "", gender: str | None = None
    ) -> str | None: ...
    async def set_variable(self, name: str, value: str) -> None: ...
    async def get_variable(self, name: str) -> str | None: ...
    async def hangup(self, channel: str | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class OpenedTicket:
    id: int
    number: str
    kind: TicketKind
    category: str | None


@dataclass(eq=False)
class IvrCall:
    channel: CallChannel
    sessions: async_sessionmaker[AsyncSession]
    settings: IvrSettings
    clock: Callable[[], datetime]
    caller: CallerProfile
    language: Language
    ivr_session_id: int | None = None
    # service orders and lost-phone suspensions (None: the node has none; the IVR then hands over)
    orders: OrderService | None = None
    # whose bill, order or lost phone it is: the caller, or a number keyed in
    subject: CallerProfile | None = None
    # the line an order or a suspension is for (its number), once known
    line: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    draft: TicketFields = field(default_factory=TicketFields)
    ticket: OpenedTicket | None = None
    served: bool = False
    pending_key: str | None = None
    privacy: RecordingPrivacy | None = None  # pauses the call's recording around secret keys
    # keeps the call's record and tickets while the database is away (None: written directly)
    rows: IvrRowWriter | None = None
    log: structlog.typing.FilteringBoundLogger = field(default_factory=lambda: structlog.get_logger("ivr"))

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the hotline's time zone (what dates read to callers are in)."""
        return moment.astimezone(ZoneInfo(self.settings.timezone))

    def local_today(self) -> date:
        return self.local(self.clock()).date()

    def take_pending(self) -> str | None:
        key, self.pending_key = self.pending_key, None
        return key

    def add_to_draft(self, fields: TicketFields) -> None:
        self.draft = replace(
            self.draft,
            **{name: getattr(fields, name) for name in ("kind", "category", "subcategory", "severity")
               if getattr(fields, name) is not None},
        )  # fmt: skip

    @property
    def has_draft(self) -> bool:
        return self.draft.kind is not None

    async def set_language(self, language: Language) -> None:
        self.language = language
        await self.channel.set_variable("CHANNEL(language)", language.value)

    async def say(self, speech: Speech, escape: str = KEYS) -> str | None:
        """Play ``speech`` in order; stop at the first key pressed and return it.

        A sound that cannot be played is logged and skipped, never the end of the call: STREAM
        FILE of a missing file, and SAY NUMBER, which Asterisk fails (``result=-1``) when one of
        the ``digits/`` files its language composes the number from is missing (English does;
        Chinese skips the file).  A hang-up still raises :class:`cti.agi.errors.AgiHangup`.
        """
        for sound in speech:
            key: str | None
            if isinstance(sound, Play):
                playback = await self.channel.stream_file(sound.file, escape)
                if not playback.ok:
                    self.log.warning("ivr.prompt_missing", file=sound.file, language=self.language.value)
                key = playback.digit
            else:
                try:
                    if isinstance(sound, SayNumber):
                        key = await self.channel.say_number(sound.value, escape)
                    elif isinstance(sound, SayDigits):
                        key = await self.channel.say_digits(sound.value, escape)
                    else:
                        assert_never(sound)
                except AgiCommandFailed as exc:
                    self.log.warning(
                        "ivr.say_failed", sound=repr(sound), language=self.language.value, error=str(exc)
                    )
                    key = None
            if key:
                return key
        return None
