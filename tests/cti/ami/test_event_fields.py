"""EventFields reads an event as its header map does (cti/ami/event_fields.py)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cti.ami import event_fields
from cti.ami.event_fields import EventFields
from cti.ami.events import header_map, snapshot_values
from cti.ami.protocol import AmiMessage
from tests.cti.ami.captures import all_capture_names, events

_NAMES = st.sampled_from(
    [
        "Event",
        "event",
        "Uniqueid",
        "UniqueID",
        "uniqueid",
        "Channel",
        "CHANNEL",
        "ChannelState",
        "Linkedid",
        "Priority",
        "DestUniqueid",
        "DestChannel",
        "DestChannelState",
        "Variable",
        "Value",
        "İd",
    ]
)
_VALUES = st.sampled_from(["", "none", "1.1", "2.2", "SIP/a-1", "6", "x"])


@pytest.fixture(autouse=True, params=[1, event_fields.WRITE_OUT_AFTER], ids=["written-out", "counting"])
def _write_out_after(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test with layouts written out at their first re-use, and as they come."""
    monkeypatch.setattr(event_fields, "WRITE_OUT_AFTER", request.param)
    event_fields._LAYOUTS.clear()
    event_fields._LAST_BY_NAME.clear()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_NAMES, _VALUES), max_size=14))
def test_any_headers_read_as_their_header_map(headers: list[tuple[str, str]]) -> None:
    message = AmiMessage(tuple(headers))
    fields, expected = EventFields(message), header_map(message)
    assert dict(fields) == expected
    for name in ("event", "uniqueid", "channel", "value", "nothing", "i̇d"):
        assert fields.get(name) == expected.get(name)
        assert (name in fields) == (name in expected)
    for prefix in ("", "dest", "spyee"):
        assert fields.block(prefix) == snapshot_values(expected, prefix)
    for suffix in ("!", "?"):  # the same layout again, other values
        other = AmiMessage(tuple((k, v + suffix) for k, v in headers))
        again, expected = EventFields(other), header_map(other)
        assert dict(again) == expected
        for prefix in ("", "dest", "spyee"):
            assert again.block(prefix) == snapshot_values(expected, prefix)


def test_every_captured_event_reads_as_its_header_map() -> None:
    for name in all_capture_names():
        for message in events(name):
            fields, expected = EventFields(message), header_map(message)
            assert dict(fields) == expected
            for prefix in ("", "dest", "localone", "localtwo", "spyer", "spyee"):
                assert fields.block(prefix) == snapshot_values(expected, prefix)


def test_layouts_are_bounded() -> None:
    for i in range(event_fields.MAX_LAYOUTS + 10):
        EventFields(AmiMessage((("Event", "X"), (f"Made-Up-{i}", "1"))))
        assert len(event_fields._LAYOUTS) <= event_fields.MAX_LAYOUTS
    for i in range(event_fields.MAX_LAYOUTS + 10):
        EventFields(AmiMessage((("Event", f"Made-Up-{i}"), ("Uniqueid", "1"))))
        assert len(event_fields._LAST_BY_NAME) <= event_fields.MAX_LAYOUTS


def test_an_event_name_seen_with_other_headers_is_read_by_its_own() -> None:
    one = AmiMessage((("Event", "X"), ("Uniqueid", "1.1"), ("Channel", "A")))
    other = AmiMessage((("Event", "X"), ("Channel", "B"), ("Uniqueid", "2.2")))
    for message in (one, other, one, other):
        assert dict(EventFields(message)) == header_map(message)


def test_an_event_with_more_or_fewer_of_the_same_names_is_read_by_its_own_layout() -> None:
    short = AmiMessage((("Event", "X"), ("Channel", "A"), ("Uniqueid", "1.1")))
    long = AmiMessage((*short.headers, ("Linkedid", "1.0")))
    cased = AmiMessage((("Event", "X"), ("Channel", "A"), ("UniqueID", "2.2")))
    for message in (short, long, short, cased, long, cased):
        fields = EventFields(message)
        assert dict(fields) == header_map(message)
        assert fields.block() == snapshot_values(header_map(message))


def test_a_long_event_reads_as_its_header_map() -> None:
    filler = tuple((f"X-{i}", str(i)) for i in range(100))
    one = AmiMessage(
        (("Event", "Long"), *filler, ("Channel", "A"), ("ChannelState", "6"), ("Uniqueid", "1.1"))
    )
    other = AmiMessage((*one.headers[:-1], ("Linkedid", "1.1")))  # the same length, one name other
    for message in (one, other, one):
        fields = EventFields(message)
        assert dict(fields) == header_map(message)
        assert fields.block() == snapshot_values(header_map(message))


def test_a_block_reader_is_written_out_only_once_its_block_has_been_read_enough_times() -> None:
    names = ("Channel", "ChannelState", "Uniqueid", "Linkedid", "ChannelStateDesc", "CallerIDNum")
    names += ("CallerIDName", "ConnectedLineNum", "ConnectedLineName", "Language", "AccountCode")
    names += ("Context", "Exten", "Priority")
    message = AmiMessage((("Event", "Odd"), *((name, "1") for name in names)))
    layout = event_fields._LAYOUTS.get(("Event", *names))
    assert layout is None
    for reads in range(1, event_fields.WRITE_OUT_AFTER + 1):
        assert EventFields(message).block() == snapshot_values(header_map(message))
        layout = event_fields._LAYOUTS[("Event", *names)]
        written_out = layout.blocks[""].__code__.co_filename.startswith("<cti.ami.event_fields")  # type: ignore[union-attr]
        assert written_out == (reads == event_fields.WRITE_OUT_AFTER)
    assert EventFields(message).block() == snapshot_values(header_map(message))


@pytest.mark.parametrize("missing", ["Uniqueid", "Channel", "ChannelState"])
def test_a_layout_without_a_name_every_block_needs_has_no_block(missing: str) -> None:
    # an OriginateResponse (Channel and Uniqueid, no ChannelState), a DialBegin from Originate
    # (no caller): never a channel's block, whatever the values, and not read name by name
    names = [n for n in ("Channel", "ChannelState", "Uniqueid", "Linkedid", "Exten") if n != missing]
    for value in ("1.1", "SIP/a-1", "6"):
        message = AmiMessage((("Event", "OriginateResponse"), *((name, value) for name in names)))
        assert EventFields(message).block() is None
        assert snapshot_values(header_map(message)) is None
    assert event_fields._LAYOUTS[("Event", *names)].blocks[""] is event_fields._no_block
