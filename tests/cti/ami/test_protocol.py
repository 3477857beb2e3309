"""The sans-IO AMI parser (cti/ami/protocol.py): chunking, round trips, junk, limits."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cti.ami.protocol import (
    AmiMessage,
    AmiParser,
    AmiProtocolError,
    Banner,
    MalformedInput,
    ParsedItem,
    encode_message,
)
from tests.cti.ami.captures import all_capture_names, capture

CAPTURES = all_capture_names()


def parse_in_chunks(
    data: bytes, cuts: list[int], *, banner: bool = True, parser: AmiParser | None = None
) -> list[ParsedItem]:
    parser = parser or AmiParser(expect_banner=banner)
    items: list[ParsedItem] = []
    start = 0
    for cut in sorted(set(cuts)):
        items += parser.feed(data[start:cut])
        start = cut
    items += parser.feed(data[start:])
    return items


def test_captures_are_all_there() -> None:
    assert len(CAPTURES) >= 20, "the shared captures of the real Asterisk were not found"


@pytest.mark.parametrize("name", CAPTURES)
def test_every_capture_parses_cleanly(name: str) -> None:
    items = AmiParser(expect_banner=True).feed(capture(name))
    assert items[0] == Banner("11.0.0")
    assert not [i for i in items if isinstance(i, MalformedInput)]
    assert all(isinstance(i, AmiMessage) and i.kind in ("response", "event") for i in items[1:])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(CAPTURES or ["none"]), data=st.data())
def test_any_chunking_of_a_capture_gives_the_same_messages(name: str, data: st.DataObject) -> None:
    stream = capture(name)
    whole = AmiParser(expect_banner=True).feed(stream)
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=60))
    assert parse_in_chunks(stream, cuts) == whole


def test_byte_by_byte_gives_the_same_messages() -> None:
    stream = capture("ami_09_originate_dial_bridge")
    assert parse_in_chunks(stream, list(range(len(stream)))) == AmiParser(expect_banner=True).feed(stream)


_NAME = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters="-_"),
    min_size=1,
    max_size=20,
)
_VALUE = st.text(  # what the encoder writes: no control character but TAB (cti.wire_text)
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\t"), max_size=60
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.tuples(_NAME, _VALUE), min_size=1, max_size=12), max_size=6), st.data())
def test_encode_then_parse_round_trips(messages: list[list[tuple[str, str]]], data: st.DataObject) -> None:
    stream = b"".join(encode_message(m) for m in messages)
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=10))
    parsed = parse_in_chunks(stream, cuts, banner=False)
    assert parsed == [AmiMessage(tuple(m)) for m in messages]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), st.booleans())
def test_junk_never_raises_and_parsing_recovers(junk: bytes, banner: bool) -> None:
    parser = AmiParser(expect_banner=banner)
    items = parser.feed(junk)
    assert all(isinstance(i, Banner | AmiMessage | MalformedInput) for i in items)
    # whatever state the junk left, a blank line ends it and the next message parses
    after = parser.feed(b"\r\n\r\nEvent: Newstate\r\nUniqueid: 1.2\r\n\r\n")
    assert after[-1] == AmiMessage((("Event", "Newstate"), ("Uniqueid", "1.2")))


def test_oversized_line_and_message_are_reported_and_skipped() -> None:
    stream = (
        b"Asterisk Call Manager/11.0.0\r\n"
        + b"Event: Big\r\nData: " + b"x" * 500 + b"\r\n\r\n"
        + b"Event: Long\r\n" + b"".join(b"H%d: %s\r\n" % (i, b"y" * 50) for i in range(20)) + b"\r\n"
        + b"Event: Small\r\nA: b\r\n\r\n"
    )  # fmt: skip
    for cuts in ([], list(range(0, len(stream), 7))):
        parser = AmiParser(expect_banner=True, max_line_bytes=100, max_message_bytes=300)
        items = parse_in_chunks(stream, cuts, parser=parser)
        assert parser.buffered_bytes == 0
        malformed = [i for i in items if isinstance(i, MalformedInput)]
        assert [m.reason for m in malformed] == [
            "line longer than 100 bytes",
            "message longer than 300 bytes",
        ]
        assert all(len(m.raw) <= 256 for m in malformed)
        assert items[-1] == AmiMessage((("Event", "Small"), ("A", "b")))


def test_invalid_utf8_is_kept_not_dropped() -> None:
    [item] = AmiParser().feed(b"Event: X\r\nCallerIDName: caf\xe9\r\n\r\n")
    assert isinstance(item, AmiMessage) and item["CallerIDName"] == "caf\ufffd"


def test_lines_without_a_colon_are_kept_as_junk() -> None:
    [item] = AmiParser().feed(b"Response: Follows\r\nsome output\r\n--END COMMAND--\r\n\r\n")
    assert isinstance(item, AmiMessage) and item.junk == ("some output", "--END COMMAND--")


def test_a_message_of_junk_only_is_malformed() -> None:
    [item] = AmiParser().feed(b"hello there\r\n\r\n")
    assert isinstance(item, MalformedInput)


def test_bare_lf_and_missing_space_after_colon() -> None:
    [item] = AmiParser().feed(b"Event: X\nUniqueid:1.2\n\n")
    assert item == AmiMessage((("Event", "X"), ("Uniqueid", "1.2")))


def test_no_banner_is_reported_and_the_line_kept() -> None:
    items = AmiParser(expect_banner=True).feed(b"Response: Success\r\n\r\n")
    assert isinstance(items[0], MalformedInput) and items[1] == AmiMessage((("Response", "Success"),))


@pytest.mark.parametrize(
    "headers", [[("Bad\r\nName", "x")], [("Name", "a\r\nInjected: 1")], [("", "x")], [("A:B", "x")]]
)
def test_encoding_refuses_what_would_break_the_framing(headers: list[tuple[str, str]]) -> None:
    with pytest.raises(AmiProtocolError):
        encode_message(headers)


_PIECES = [
    b"Event: A\r\n",
    b"\r\n",
    b"\n",
    b"x" * 30,
    b"Key: " + b"y" * 40 + b"\r\n",
    b"\r",
    b"Asterisk Call Manager/1\r\n",
    b":",
    b"\xff",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40), st.booleans(), st.data())
def test_any_chunking_of_junk_and_oversized_lines_gives_the_same_items(
    pieces: list[bytes], banner: bool, data: st.DataObject
) -> None:
    stream = b"".join(pieces)

    def parser() -> AmiParser:
        return AmiParser(expect_banner=banner, max_line_bytes=50, max_message_bytes=120)

    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=20))
    assert parse_in_chunks(stream, cuts, parser=parser()) == parser().feed(stream)


def test_the_end_of_an_overlong_line_read_in_pieces_is_not_a_blank_line() -> None:
    # regression: the over-long line was reported when the buffer filled up, and its CRLF then
    # counted as the blank line ending the message, so "Tail: 1" became a message of its own
    head = b"Event: Big\r\nData: " + b"x" * 80
    stream = head + b"\r\nTail: 1\r\n\r\nEvent: Next\r\n\r\n"
    items = parse_in_chunks(stream, [len(head)], parser=AmiParser(max_line_bytes=50))
    assert [type(i) for i in items] == [MalformedInput, AmiMessage]
    assert items[1] == AmiMessage((("Event", "Next"),))


_HEADER_NAME = st.text(st.sampled_from("AbZz09_.-: \t\rÄ"), min_size=0, max_size=6)
_HEADER_VALUE = st.text(st.sampled_from("ab :\t\r Ä"), max_size=6)


@given(
    st.lists(st.lists(st.tuples(_HEADER_NAME, _HEADER_VALUE), min_size=1, max_size=4), min_size=1, max_size=4)
)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_the_whole_message_path_reads_odd_lines_as_the_line_path_does(
    messages: list[list[tuple[str, str]]],
) -> None:
    # one feed takes the fast path (a message split in one go); byte by byte, every line goes
    # through the line-by-line path: names with spaces, tabs, CRs or no name at all, values with
    # colons and leading blanks must come out the same
    stream = b"".join(b"".join(f"{k}:{v}\r\n".encode() for k, v in m) + b"\r\n" for m in messages)
    slow = AmiParser()
    by_byte = [item for i in range(len(stream)) for item in slow.feed(stream[i : i + 1])]
    whole = AmiParser().feed(stream)
    assert whole == by_byte
    assert [getattr(i, "junk", None) for i in whole] == [getattr(i, "junk", None) for i in by_byte]


_LINE = st.one_of(
    st.tuples(_HEADER_NAME, _HEADER_VALUE).map(lambda kv: f"{kv[0]}: {kv[1]}".encode()),
    st.tuples(_HEADER_NAME, _HEADER_VALUE).map(lambda kv: f"{kv[0]}:{kv[1]}".encode()),
    st.sampled_from([b"Event: E", b"Key: v", b"K:  w", b"junk", b"", b"\xff\xfe", b"A: \xc3", b"C: y\r"]),
)
_END = st.sampled_from([b"\r\n", b"\r\n", b"\r\n", b"\n", b"\r\r\n"])


@given(st.lists(st.tuples(_LINE, _END), max_size=40), st.integers(40, 400))
@example([(b"A: b", b"\n"), (b"C: d", b"\r\n"), (b"", b"\r\n")], 400)  # a bare LF between two headers
@example(
    [(b"", b"\r\n"), (b"A: b", b"\r\n"), (b"", b"\r\n"), (b"", b"\r\n"), (b"C: d", b"\r\n"), (b"", b"\r\n")],
    400,
)
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_a_read_of_many_messages_gives_what_byte_by_byte_reading_gives(
    lines: list[tuple[bytes, bytes]], limit: int
) -> None:
    # one feed takes every whole message of the read at once (when each is plain CRLF UTF-8
    # within the limits), else message by message, else line by line; byte by byte, every
    # line goes through the line path: blank lines, bare LFs and CRs, bad UTF-8 and limits alike
    stream = b"".join(line + end for line, end in lines)

    def parser() -> AmiParser:
        return AmiParser(max_line_bytes=limit // 2, max_message_bytes=limit)

    slow = parser()
    by_byte = [item for i in range(len(stream)) for item in slow.feed(stream[i : i + 1])]
    whole = parser().feed(stream)
    assert whole == by_byte
    assert [getattr(i, "junk", None) for i in whole] == [getattr(i, "junk", None) for i in by_byte]


def test_a_read_of_plain_messages_is_cut_in_one_go() -> None:
    messages = [encode_message([("Event", f"E{i}"), ("Uniqueid", f"{i}.1")]) for i in range(50)]
    parser = AmiParser()
    parser._whole_message = None  # type: ignore[assignment,method-assign]  # only the block path
    items = parser.feed(b"\r\n".join(messages) + b"Event: Par")
    assert all(isinstance(m, AmiMessage) for m in items)
    assert [m.headers for m in items if isinstance(m, AmiMessage)] == [
        (("Event", f"E{i}"), ("Uniqueid", f"{i}.1")) for i in range(50)
    ]
    assert parser.feed(b"tial\r\n\r\n") == [AmiMessage((("Event", "Partial"),))]


@pytest.mark.parametrize(
    "odd",
    [
        b"",  # all plain: counted once for the whole read
        b"Event: Odd\r\nno colon here\r\n\r\n",  # a junk line: one fewer match than lines
        b"Event: Odd\r\nValue: a\nb\r\n\r\n",  # a bare LF inside a value
        b"Event: Odd\r\nValue: a\rb\r\n\r\n",  # a lone CR inside a value
    ],
)
def test_a_read_of_back_to_back_messages_gives_what_byte_by_byte_reading_gives(odd: bytes) -> None:
    messages = [encode_message([("Event", f"E{i}"), ("Uniqueid", f"{i}.1")]) for i in range(20)]
    stream = b"".join(messages[:10]) + odd + b"".join(messages[10:]) + b"Event: Par"
    slow = AmiParser()
    by_byte = [item for i in range(len(stream)) for item in slow.feed(stream[i : i + 1])]
    whole = AmiParser().feed(stream)
    assert whole == by_byte and len(whole) == 20 + (odd != b"")
    assert [getattr(i, "junk", None) for i in whole] == [getattr(i, "junk", None) for i in by_byte]
