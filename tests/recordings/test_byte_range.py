from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recordings.byte_range import ByteRange, byte_range
from recordings.errors import RangeNotSatisfiable

BODY = bytes(range(256)) * 4  # 1024 bytes
SIZE = len(BODY)


def served(header: str) -> bytes:
    span = byte_range(SIZE, header)
    assert span is not None
    return BODY[span.start : span.end + 1]


def test_first_middle_and_last_bytes() -> None:
    assert byte_range(SIZE, "bytes=0-99") == ByteRange(0, 99)
    assert served("bytes=0-0") == b"\x00"
    assert byte_range(SIZE, "bytes=500-599") == ByteRange(500, 599)
    assert served("bytes=500-501") == bytes([500 % 256, 501 % 256])
    assert byte_range(SIZE, "bytes=-100") == ByteRange(924, 1023)
    assert byte_range(SIZE, "bytes=1000-") == ByteRange(1000, 1023)
    span = byte_range(SIZE, "bytes=1023-")
    assert (
        span == ByteRange(1023, 1023)
        and span.content_range(SIZE) == "bytes 1023-1023/1024"
        and span.length == 1
    )


def test_ranges_past_the_end_are_cut_to_the_file() -> None:
    assert byte_range(SIZE, "bytes=1000-5000") == ByteRange(1000, 1023)
    assert byte_range(SIZE, "bytes=-5000") == ByteRange(0, 1023)
    assert byte_range(SIZE, " Bytes = 10 - 20 ") == ByteRange(10, 20)


def test_no_header_another_unit_or_several_ranges_send_the_whole_file() -> None:
    assert byte_range(SIZE, None) is None
    assert byte_range(SIZE, "") is None
    assert byte_range(SIZE, "items=0-5") is None
    assert byte_range(SIZE, "bytes=0-10, 20-30") is None
    assert byte_range(SIZE, "bytes=0-10, 5000-6000") is None  # one of them is satisfiable


@pytest.mark.parametrize(
    ("size", "header", "why"),
    [
        (SIZE, "bytes=1024-", "selects no byte of 1024"),
        (SIZE, "bytes=2000-3000", "selects no byte"),
        (SIZE, "bytes=-0", "selects no byte"),
        (0, "bytes=0-", "selects no byte of 0"),
        (0, "bytes=-10", "selects no byte"),
        (SIZE, "bytes=5000-, 6000-", "selects no byte"),
        (SIZE, "bytes=20-10", "'20-10' ends before it starts"),
        (SIZE, "bytes=abc", "'abc' is not first-last"),
        (SIZE, "bytes=-", "'-' is not first-last"),
        (SIZE, "bytes=1-2-3", "is not first-last"),
        (SIZE, "bytes=0x10-", "is not first-last"),
        (SIZE, "bytes=", "no range given"),
        (SIZE, "bytes=0-1, x", "'x' is not first-last"),
        (SIZE, "0-100", "not a range header"),
        (SIZE, "by tes=0-1", "not a range header"),
    ],
)
def test_invalid_or_unsatisfiable_ranges_are_416(size: int, header: str, why: str) -> None:
    with pytest.raises(RangeNotSatisfiable, match=why) as caught:
        byte_range(size, header)
    assert caught.value.content_range == f"bytes */{size}"


@given(st.integers(1, 5000), st.data())
def test_any_satisfiable_range_gives_the_bytes_it_names(size: int, data: st.DataObject) -> None:
    first = data.draw(st.integers(0, size - 1))
    last = data.draw(st.integers(first, size + 100))
    assert byte_range(size, f"bytes={first}-{last}") == ByteRange(first, min(last, size - 1))
    assert byte_range(size, f"bytes={first}-") == ByteRange(first, size - 1)
    suffix = data.draw(st.integers(1, size + 100))
    span = byte_range(size, f"bytes=-{suffix}")
    assert span is not None and span.length == min(suffix, size) and span.end == size - 1


@given(st.integers(0, 2000), st.text(max_size=30))
def test_junk_gives_a_range_inside_the_file_the_whole_file_or_416(size: int, header: str) -> None:
    try:
        span = byte_range(size, header)
    except RangeNotSatisfiable:
        return
    assert span is None or 0 <= span.start <= span.end < size
