"""HTTP Range requests on a recording (RFC 9110 §14): which bytes to send, or 416.

:func:`byte_range` takes the file's size and the request's ``Range`` header and returns:

* ``None`` — send the whole file with 200: no header, a unit other than ``bytes`` (RFC 9110: ignore
  it), or several ranges of which at least one is satisfiable.  Several ranges are *ignored* (RFC
  9110 allows a server to): the browser's audio element asks for one range at a time, and a
  multipart/byteranges body would be code nobody uses.  Each is still checked: a malformed one, or
  none satisfiable, is a 416.
* a :class:`ByteRange` — send bytes ``start`` to ``end`` inclusive with 206 and its
  :meth:`ByteRange.content_range`.  ``bytes=a-b`` (``b`` past the end is cut to the last byte),
  ``bytes=a-`` (to the end), ``bytes=-n`` (the last ``n`` bytes, the whole file if shorter);
* or raises :class:`RangeNotSatisfiable` — send 416 with ``Content-Range: bytes */size``: a
  malformed header (RFC 9110 lets a server reject those; ``b < a`` is malformed), or no byte selected:
  a start at or past the end, ``bytes=-0``, any range of an empty file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from recordings.errors import RangeNotSatisfiable

__all__ = ["ByteRange", "byte_range"]

_SPEC = re.compile(r"(\d*)[ \t]*-[ \t]*(\d*)")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def byte_range(size: int, header: str | None) -> ByteRange | None:
    """The bytes to send of a file of ``size`` bytes for this ``Range`` header (see the module)."""
    if size < 0:
        raise ValueError("a file size is never negative")
    if header is None or not header.strip():
        return None
    unit, sep, specs = header.strip().partition("=")
    unit = unit.strip()
    if not sep or not _TOKEN.fullmatch(unit):
        raise RangeNotSatisfiable(size, header, "not a range header")
    if unit.lower() != "bytes":
        return None  # a range unit we do not serve: ignored, as RFC 9110 asks
    parts = [p.strip() for p in specs.split(",") if p.strip()]  # the list syntax allows empty elements
    if not parts:
        raise RangeNotSatisfiable(size, header, "no range given")
    spans = [_span(size, header, part) for part in parts]
    satisfiable = [s for s in spans if s is not None]
    if not satisfiable:
        raise RangeNotSatisfiable(size, header, f"selects no byte of {size}")
    return satisfiable[0] if len(spans) == 1 else None


def _span(size: int, header: str, spec: str) -> ByteRange | None:
    """The bytes ``spec`` selects, ``None`` if none; raises if it is malformed."""
    match = _SPEC.fullmatch(spec)
    if match is None or not (match[1] or match[2]):
        raise RangeNotSatisfiable(size, header, f"{spec!r} is not first-last, first- or -suffix")
    first, last = match[1], match[2]
    if not first:  # suffix: the last n bytes
        wanted = int(last)
        return ByteRange(max(0, size - wanted), size - 1) if wanted and size else None
    start = int(first)
    if last and int(last) < start:
        raise RangeNotSatisfiable(size, header, f"{spec!r} ends before it starts")
    if start >= size:
        return None
    return ByteRange(start, min(int(last), size - 1) if last else size - 1)
