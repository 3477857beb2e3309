"""Identifiers as Asterisk hands them out.

* ``Uniqueid``: ``<epoch seconds when the channel is made>.<sequence>``: Asterisk's
  ``ast_channel_alloc`` uses the system name (empty here), ``time(NULL)`` and a global counter.
* An ``Originate`` with ``ChannelId`` / ``OtherChannelId`` names the uniqueids of the channels
  it makes (the ``;1`` and ``;2`` halves of a Local channel): :meth:`IdAllocator.preset`.
* Channel names: ``Local/<exten>@<context>-<8 hex digits>;1|;2`` with one counter for all Local
  channels, ``PJSIP/<endpoint>-<8 hex digits>`` with a counter per technology.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator


class IdAllocator:
    def __init__(self, *, uniqueid_start: int = 1, channel_sequence_start: int = 1) -> None:
        self._uniqueids = itertools.count(uniqueid_start)
        self._sequences: dict[str, Iterator[int]] = {}
        self._sequence_start = channel_sequence_start
        self._preset: list[str | None] = []

    def preset(self, *uniqueids: str | None) -> None:
        """The next channels made take these uniqueids, in order (``None``: an ordinary one)."""
        self._preset = list(uniqueids)

    def uniqueid(self, now: float) -> str:
        if self._preset:
            chosen = self._preset.pop(0)
            if chosen:
                return chosen
        return f"{int(now)}.{next(self._uniqueids)}"

    def channel_suffix(self, tech: str) -> str:
        seq = self._sequences.setdefault(tech, itertools.count(self._sequence_start))
        return f"{next(seq):08x}"

    @staticmethod
    def bridge_id() -> str:
        return str(uuid.uuid4())
