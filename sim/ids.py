"""Identifiers as Asterisk hands them out.

* ``Uniqueid``: ``<epoch seconds when the channel is made>.<sequence>``: Asterisk's
  ``ast_channel_alloc`` uses the system name (empty here), ``time(NULL)`` and a global counter.
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

    def uniqueid(self, now: float) -> str:
        return f"{int(now)}.{next(self._uniqueids)}"

    def channel_suffix(self, tech: str) -> str:
        seq = self._sequences.setdefault(tech, itertools.count(self._sequence_start))
        return f"{next(seq):08x}"

    @staticmethod
    def bridge_id() -> str:
        return str(uuid.uuid4())
