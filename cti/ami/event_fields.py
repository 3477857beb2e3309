"""The headers of one AMI event, read by lower-case name without building a map per event (no I/O).

:class:`EventFields` reads an :class:`~cti.ami.protocol.AmiMessage` as
:func:`~cti.ami.events.header_map` does (names compared in lower case; the first of a repeated
header wins), and reads a channel block as :func:`~cti.ami.events.snapshot_values` does.

Asterisk writes every event of one kind with the same header names in the same order (only the
values change), so where each name is found is worked out once per sequence of names, a
:class:`_Layout`, and kept (at most :data:`MAX_LAYOUTS`; a peer making up names cannot make us
hold more).  Reading an event is then finding its layout and taking values by position.

Once a layout's channel block has been read :data:`WRITE_OUT_AFTER` times, its values are taken
by a function written out for its positions (:func:`_block_reader`): a few indexed loads, with
no list built per event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, overload

from cti.ami.events import SnapshotValues
from cti.ami.protocol import AmiMessage

__all__ = ["MAX_LAYOUTS", "EventFields"]

MAX_LAYOUTS = 2048
# a block reader is written out (compiled, ~0.1 ms) once its layout's block has been read this
# many times, so an odd or made-up layout costs no compiling
WRITE_OUT_AFTER = 64

Headers = tuple[tuple[str, str], ...]
BlockReader = Callable[[Headers], SnapshotValues | None]
_UNREAD: Any = object()  # a block a layout has not looked for yet


class _Layout:
    """Where each lower-case name of one sequence of header names is first found."""

    __slots__ = ("blocks", "index", "name_list", "names")

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.name_list = list(names)  # what an event's names are compared with (a list is built faster)
        index: dict[str, int] = {}
        for position, name in enumerate(names):
            index.setdefault(name.lower(), position)
        self.index = index
        # prefix -> the reader of that channel block's values (by position, in SnapshotValues
        # order; None for a block that is not a channel's), or None when one of its optional
        # names is missing (read name by name then)
        self.blocks: dict[str, BlockReader | None] = {}

    def block_reader(self, prefix: str) -> BlockReader | None:
        found = [self.index.get(prefix + name) for name in SnapshotValues._fields]
        reader: BlockReader | None
        if None in found[:3]:  # no uniqueid, channel or channelstate: never a channel's block (a
            reader = _no_block  # DialBegin from Originate has no caller, OriginateResponse no state)
        elif None in found:
            reader = None
        else:
            reader = _counting_reader(self.blocks, prefix, [p for p in found if p is not None])
        self.blocks[prefix] = reader
        return reader


def _counting_reader(blocks: dict[str, BlockReader | None], prefix: str, positions: list[int]) -> BlockReader:
    """Reads the block by a list of positions; after WRITE_OUT_AFTER reads, puts the reader written
    out for those positions in its place in ``blocks``."""
    left = WRITE_OUT_AFTER

    def read(h: Headers) -> SnapshotValues | None:
        nonlocal left
        left -= 1
        if left <= 0:
            blocks[prefix] = _block_reader(positions)
        return _channel_block(tuple.__new__(SnapshotValues, [h[p][1] for p in positions]))

    return read


def _no_block(h: Headers) -> None:
    """The block of a layout without one of the names a channel's block needs."""
    return None


def _compiled(source: str, name: str, scope: dict[str, Any]) -> Any:
    exec(compile(source, f"<cti.ami.event_fields {name}>", "exec"), scope)  # indexes only
    return scope[name]


def _channel_block(values: SnapshotValues) -> SnapshotValues | None:
    """``values``, or None when they are not a channel's (a global VarSet's ``Channel: none``);
    see :func:`~cti.ami.events.snapshot_values`."""
    uniqueid = values.uniqueid
    if not uniqueid or not values.channel or values.channelstate is None or uniqueid == "none":
        return None
    return values


def _block_reader(positions: list[int]) -> BlockReader:
    """``_channel_block(SnapshotValues(*(headers[p][1] for p in positions)))``, written out for
    one block's positions (every name found, so no value is None)."""
    uniqueid, channel, *others = (f"h[{p}][1]" for p in positions)  # in SnapshotValues order
    source = (
        "def read(h):\n"
        f"    uniqueid, channel = {uniqueid}, {channel}\n"
        "    if not uniqueid or not channel or uniqueid == 'none':\n"
        "        return None\n"
        f"    return _new(_Values, (uniqueid, channel, {', '.join(others)}))\n"
    )
    read: BlockReader = _compiled(source, "read", {"_new": tuple.__new__, "_Values": SnapshotValues})
    return read


_LAYOUTS: dict[tuple[str, ...], _Layout] = {}
# the first header's value (the event's name) -> the layout last seen with it: compared with the
# event's names, it spares hashing them (Asterisk writes each event with the same names)
_LAST_BY_NAME: dict[str, _Layout] = {}


def _layout(names: tuple[str, ...]) -> _Layout:
    layout = _LAYOUTS.get(names)
    if layout is None:
        if len(_LAYOUTS) >= MAX_LAYOUTS:
            _LAYOUTS.clear()
            _LAST_BY_NAME.clear()
        layout = _LAYOUTS[names] = _Layout(names)
    return layout


def _layout_of(headers: Headers, names: tuple[str, ...]) -> _Layout:
    """The layout of ``names``, remembered for the event's name (the first header's value)."""
    layout = _layout(names)
    if headers:
        if len(_LAST_BY_NAME) >= MAX_LAYOUTS:
            _LAST_BY_NAME.clear()
        _LAST_BY_NAME[headers[0][1]] = layout
    return layout


class EventFields(Mapping[str, str]):
    """One event's headers by lower-case name: a read-only mapping, as :func:`header_map`'s
    dict would be (iterated in the order names first appear)."""

    __slots__ = ("_headers", "_index", "_layout")

    def __init__(self, message: AmiMessage) -> None:
        headers = message.headers
        names = [name for name, _ in headers]
        layout = _LAST_BY_NAME.get(headers[0][1]) if headers else None
        if layout is None or layout.name_list != names:
            layout = _layout_of(headers, tuple(names))
        self._headers = headers
        self._layout = layout
        self._index = layout.index

    @overload
    def get(self, name: str, /) -> str | None: ...
    @overload
    def get(self, name: str, default: str, /) -> str: ...
    @overload
    def get(self, name: str, default: Any, /) -> Any: ...
    def get(self, name: str, default: Any = None, /) -> Any:
        position = self._index.get(name)
        return default if position is None else self._headers[position][1]

    def __getitem__(self, name: str) -> str:
        return self._headers[self._index[name]][1]

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    @property
    def layout(self) -> _Layout:
        """Where each lower-case name of this event's header names is first found (``index``)."""
        return self._layout

    def block(self, prefix: str = "") -> SnapshotValues | None:
        """:func:`~cti.ami.events.snapshot_values` of this event for ``prefix`` (lower case)."""
        read: BlockReader | None = self._layout.blocks.get(prefix, _UNREAD)
        if read is _UNREAD:
            read = self._layout.block_reader(prefix)
        if read is None:
            return _channel_block(
                tuple.__new__(SnapshotValues, [self.get(prefix + n) for n in SnapshotValues._fields])
            )
        return read(self._headers)
