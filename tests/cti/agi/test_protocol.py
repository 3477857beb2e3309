"""cti.agi.protocol / environment: fed bytes, including the real Asterisk's captures."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cti.agi.protocol import (
    MAX_COMMAND_BYTES,
    AgiProtocolError,
    AgiReply,
    CommandReader,
    EnvironmentReader,
    HangupNotice,
    MalformedLine,
    ReplyItem,
    ReplyReader,
    UsageReply,
    format_command,
    format_environment,
    format_reply,
    format_usage,
    parse_command_line,
    parse_environment,
)
from tests.sim.agi.captures import capture

DEAD = "Command Not Permitted on a dead channel or intercept routine"


def _env_and_rest(name: str) -> tuple[EnvironmentReader, bytes]:
    data = capture(name).environment + capture(name).reply_stream
    reader = EnvironmentReader()
    assert reader.feed(data) is not None
    return reader, reader.remainder


# -- environment ---------------------------------------------------------------------------------
def test_environment_of_agi_01() -> None:
    env = EnvironmentReader().feed(capture("agi_01_fastagi_session").environment)
    assert env is not None
    assert env.network and env.network_script == "menu?lang=zh"
    assert env.script == "menu" and dict(env.query) == {"lang": "zh"}
    assert env.request == "agi://127.0.0.1:4573/menu?lang=zh"
    assert env.channel == "Local/400@agi-00000019;2" and env.type == "Local"
    assert env.uniqueid == "1795673821.51" and env.version == "22.10.1"
    assert (env.callerid, env.calleridname, env.callingpres) == ("13800138000", "AGI Caller", "0")
    assert (env.dnid, env.rdnis, env.context, env.extension, env.priority) == (
        "unknown",
        "unknown",
        "agi",
        "400",
        3,
    )
    assert (env.enhanced, env.accountcode, env.threadid) == ("0.0", "", "139787909347008")
    assert env.args == ()
    assert env.raw["agi_callington"] == "0" and len(env.raw) == 22


def test_environment_of_agi_02_has_args_in_order() -> None:
    env = EnvironmentReader().feed(capture("agi_02_args_and_caller_hangup").environment)
    assert env is not None
    assert env.args == ("first arg", "second|x", "3")
    assert env.script == "survey" and dict(env.query) == {"lang": "zh", "id": "42"}
    assert env.language == "zh" and env.priority == 4


def test_environment_reader_keeps_bytes_after_the_block() -> None:
    _, rest = _env_and_rest("agi_01_fastagi_session")
    assert rest.startswith(b"200 result=0\n")


def test_environment_tolerates_crlf_and_missing_space() -> None:
    env = EnvironmentReader().feed(
        b"agi_network: yes\r\nagi_network_script:x/y?a=1&b\r\nagi_priority: 7\r\n\r\n"
    )
    assert env is not None
    assert env.script == "x/y" and dict(env.query) == {"a": "1", "b": ""} and env.priority == 7


def test_classic_environment_takes_script_from_request() -> None:
    env = parse_environment(["agi_request: /var/lib/asterisk/agi-bin/hotline?x=1", "agi_arg_1: ivr", ""])
    assert not env.network and env.script == "hotline" and env.args == ("ivr",)


@pytest.mark.parametrize(
    "data",
    [
        b"GET / HTTP/1.1\r\n",
        b"agi_network: yes\nnot a line\n",
        b"Agi-Network: yes\n",
        b"agi_priority: three\n\n",
        b"agi_arg_2: x\n\n",
        b"\n",
        b"agi x: y\n",
    ],
)
def test_environment_junk_is_rejected(data: bytes) -> None:
    with pytest.raises(AgiProtocolError):
        EnvironmentReader().feed(data)


def test_environment_size_is_capped() -> None:
    reader = EnvironmentReader(max_bytes=100)
    with pytest.raises(AgiProtocolError):
        for _ in range(10):
            reader.feed(b"agi_arg_1: " + b"x" * 20 + b"\n")


def test_environment_round_trip() -> None:
    pairs = [("agi_network", "yes"), ("agi_request", "agi://h/s"), ("agi_accountcode", "")]
    assert format_environment(pairs) == b"agi_network: yes\nagi_request: agi://h/s\nagi_accountcode: \n\n"
    env = EnvironmentReader().feed(format_environment(pairs))
    assert env is not None and dict(env.raw) == dict(pairs)


@given(st.binary(max_size=300))
def test_environment_junk_raises_only_protocol_errors(data: bytes) -> None:
    with contextlib.suppress(AgiProtocolError):
        EnvironmentReader().feed(data)


# -- replies --------------------------------------------------------------------------------------
def test_agi_01_reply_stream_parses_to_every_reply_type() -> None:
    _, rest = _env_and_rest("agi_01_fastagi_session")
    items = ReplyReader().feed(rest)
    assert items[0] == AgiReply(200, "0")
    assert items[1] == AgiReply(200, "1", "13800138000")
    assert items[2] == AgiReply(200, "0", None, 2000)
    assert items[3] == AgiReply(200, "55")
    assert items[4] == AgiReply(200, "123")
    assert items[7] == AgiReply(200, "-1", None, 0)
    assert items[11] == AgiReply(200, "1", "bar-Local/400@agi-00000019;2")
    assert items[13] == AgiReply(200, "-2")
    assert items[15] == AgiReply(510, "", extra="Invalid or unknown command")
    assert isinstance(items[16], UsageReply) and items[16].text.startswith("Waits up to <replaceable>timeout")
    assert items[17] == UsageReply(
        "Stream the given <replaceable>file</replaceable>, and receive DTMF data.\n"
        "Returns the digits received from the channel at the other end."
    )
    assert items[-6:] == [
        AgiReply(200, "1"),
        HangupNotice(),
        AgiReply(511, "", extra=DEAD),
        AgiReply(200, "1", "bar"),
        AgiReply(511, "", extra=DEAD),
        AgiReply(200, "0"),
    ]
    assert not any(isinstance(i, MalformedLine) for i in items)
    assert len(items) == 25


def test_agi_02_hangup_notice_between_command_and_reply() -> None:
    _, rest = _env_and_rest("agi_02_args_and_caller_hangup")
    items = ReplyReader().feed(rest)
    assert items[1] == AgiReply(200, "1", "zh")
    assert items[2:5] == [AgiReply(200, "-1"), HangupNotice(), AgiReply(200, "0")]


@pytest.mark.parametrize(
    ("line", "item"),
    [
        (b"200 result=\n", AgiReply(200, "")),
        (b"200 result= (timeout)\n", AgiReply(200, "", "timeout")),
        (b"200 result=45 (timeout)\n", AgiReply(200, "45", "timeout")),
        (b"200 result=51 endpos=1440\n", AgiReply(200, "51", None, 1440)),
        (b"200 result=1 ()\n", AgiReply(200, "1", "")),
        (b'200 result=1 (x"y\\z)\n', AgiReply(200, "1", 'x"y\\z')),
        (b"200 result=1 (a (b) c)\n", AgiReply(200, "1", "a (b) c")),
        (b"200 result=1 (a) endpos=3)\n", AgiReply(200, "1", "a) endpos=3")),
        (b"200 result=0 (timeout) endpos=800\n", AgiReply(200, "0", "timeout", 800)),
        (b"200 result=1 extra words\n", AgiReply(200, "1", extra="extra words")),
        (b"200 result=1\r\n", AgiReply(200, "1")),
        (b"520 Invalid command syntax.  Proper usage not available.\n", UsageReply("")),
        (b"HANGUP\r\n", HangupNotice()),
        (b"hello\n", MalformedLine("hello", "not an AGI reply")),
        (b"520 End of proper usage.\n", MalformedLine("520 End of proper usage.", "not an AGI reply")),
    ],
)
def test_single_replies(line: bytes, item: ReplyItem) -> None:
    assert ReplyReader().feed(line) == [item]


def test_data_with_newlines_continues_until_closed() -> None:
    reader = ReplyReader()
    assert reader.feed(b"200 result=1 (line one\nline two\n") == []
    assert reader.feed(b"end)\nHANGUP\n") == [
        AgiReply(200, "1", "line one\nline two\nend"),
        HangupNotice(),
    ]


def test_unclosed_data_gives_up_after_a_bound() -> None:
    reader = ReplyReader(max_continuation_lines=3)
    items = reader.feed(b"200 result=1 (a\nb\nc\nd\n200 result=0\n")
    assert isinstance(items[0], MalformedLine) and items[1] == AgiReply(200, "0")


def test_long_lines_are_skipped_to_their_end() -> None:
    reader = ReplyReader(max_line_bytes=50)
    items = reader.feed(b"200 result=1 (" + b"x" * 100)
    assert len(items) == 1 and isinstance(items[0], MalformedLine)
    assert reader.feed(b"y" * 100 + b")\n200 result=0\n") == [AgiReply(200, "0")]


def test_eof_reports_leftovers() -> None:
    reader = ReplyReader()
    assert reader.feed(b"520-Invalid command syntax.  Proper usage follows:\nsome text\n200 res") == []
    items = reader.feed_eof()
    assert [type(i) for i in items] == [MalformedLine, MalformedLine]


@settings(max_examples=200)
@given(st.data())
def test_any_chunking_gives_the_same_items(data: st.DataObject) -> None:
    _, stream = _env_and_rest("agi_01_fastagi_session")
    stream += b"200 result=1 (multi\nline)\n520 Invalid command syntax.  Proper usage not available.\njunk\n"
    whole = ReplyReader().feed(stream)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=30)))
    reader = ReplyReader()
    items: list[ReplyItem] = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        items += reader.feed(stream[start:end])
    assert items == whole


@given(st.binary(max_size=500))
def test_junk_yields_only_malformed_lines(data: bytes) -> None:
    reader = ReplyReader(max_line_bytes=100)
    items = reader.feed(data) + reader.feed_eof()
    for item in items:
        assert isinstance(item, AgiReply | UsageReply | HangupNotice | MalformedLine)
    if b"\n" not in data and data:
        assert all(isinstance(i, MalformedLine) for i in items)


@given(
    st.lists(
        st.sampled_from(
            [
                "junk",
                "200 result=1 (",
                "x)",
                "HANGUP",
                "520-Invalid command syntax.  Proper usage follows:",
                "520 End of proper usage.",
                "511 x",
                "",
            ]
        ),
        max_size=30,
    )
)
def test_line_soup_never_raises(lines: list[str]) -> None:
    reader = ReplyReader(max_usage_lines=5, max_continuation_lines=5)
    reader.feed("\n".join(lines).encode())
    reader.feed_eof()


# -- commands -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("words", "line"),
    [
        (("ANSWER",), b"ANSWER\n"),
        (("STREAM", "FILE", "beep", ""), b'STREAM FILE beep ""\n'),
        (("VERBOSE", "hello from fastagi", "1"), b'VERBOSE "hello from fastagi" 1\n'),
        (("GET", "FULL", "VARIABLE", "${FOO}-${CHANNEL}"), b"GET FULL VARIABLE ${FOO}-${CHANNEL}\n"),
        (("SET", "VARIABLE", "A B", 'x"y\\z'), b'SET VARIABLE "A B" "x\\"y\\\\z"\n'),
        (("EXEC", "Dial", "Local/1@x,20"), b"EXEC Dial Local/1@x,20\n"),
    ],
)
def test_format_command(words: tuple[str, ...], line: bytes) -> None:
    assert format_command(*words) == line
    assert parse_command_line(line[:-1].decode()) == list(words)


def test_every_command_line_of_the_captures_parses() -> None:
    for name in ("agi_01_fastagi_session", "agi_02_args_and_caller_hangup"):
        for exchange in capture(name).exchanges:
            words = parse_command_line(exchange.send[:-1].decode())
            assert format_command(*words) == exchange.send


@pytest.mark.parametrize(
    "words",
    [
        ("SET", "VARIABLE", "X", "a\nb"),
        ("X", "a\rb"),
        ("X", "a\0"),
        (),
        ("W",) * 128,
        ("X", "y" * MAX_COMMAND_BYTES),
    ],
)
def test_format_command_refuses_what_a_line_cannot_carry(words: tuple[str, ...]) -> None:
    with pytest.raises(AgiProtocolError):
        format_command(*words)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('a"b c"d', ["ab cd"]),
        ('x ""', ["x", ""]),
        ('x""', ["x"]),
        ("a\\ b c", ["a b", "c"]),
        ("a\\\\b", ["a\\b"]),
        ("  lead\ttab  ", ["lead", "tab"]),
        ("ANSWER\r", ["ANSWER\r"]),
        ('"unterminated x', ["unterminated x"]),
        ("", []),
    ],
)
def test_parse_command_line_follows_parse_args(line: str, words: list[str]) -> None:
    assert parse_command_line(line) == words


def test_parse_command_line_keeps_127_words() -> None:
    assert len(parse_command_line(" ".join(str(i) for i in range(200)))) == 127


_word = st.text(st.characters(blacklist_categories=["Cs", "Cc"], whitelist_characters="\t"), max_size=20)


@given(st.lists(_word, min_size=1, max_size=20))
def test_command_round_trip(words: list[str]) -> None:
    assert parse_command_line(format_command(*words)[:-1].decode()) == words


def test_command_reader_cuts_like_fgets() -> None:
    reader = CommandReader()
    assert reader.feed(b"ANSWER\nNOOP\r\nGET VAR") == ["ANSWER", "NOOP\r"]
    assert reader.feed(b"IABLE X\x00junk\n") == ["GET VARIABLE X"]
    long = b"x" * MAX_COMMAND_BYTES
    assert reader.feed(long + b"\n") == [long.decode(), ""]
    assert reader.feed(b"x" * (MAX_COMMAND_BYTES - 1) + b"\n") == ["x" * (MAX_COMMAND_BYTES - 1)]
    assert reader.feed(b"NOOP") == []
    assert reader.feed_eof() == ["NOOP"]
    assert reader.feed_eof() == []


def test_command_reader_keeps_any_byte() -> None:
    line = CommandReader().feed(b"SET VARIABLE X \xff\xfe\n")[0]
    assert format_reply(1, parse_command_line(line)[3]) == b"200 result=1 (\xff\xfe)\n"


# -- Asterisk's replies --------------------------------------------------------------------------
def test_format_reply_and_usage_match_the_capture() -> None:
    _, stream = _env_and_rest("agi_01_fastagi_session")
    assert format_reply(0, endpos=2000) in stream
    assert format_reply(1, "13800138000") in stream
    assert format_reply(-1, endpos=0) in stream
    usage = "Stream the given <replaceable>file</replaceable>, and receive DTMF data.\n" + (
        "Returns the digits received from the channel at the other end."
    )
    assert format_usage(usage) in stream
    assert format_reply("", "timeout") == b"200 result= (timeout)\n"
    assert format_usage("") == b"520 Invalid command syntax.  Proper usage not available.\n"
