"""Handlers written out per layout (:mod:`cti.ami.written`) give what the long way gives.

The same stream is fed to a :class:`CallState` that only takes the handlers of
:mod:`cti.ami.state` and to one that writes a handler out for every (event name, layout) seen
(at once, or after the usual count): the same changes, in the same order, the same tables and
counts after, and no channel handed out changes afterwards.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.ami_stream import generate
from cti.ami import state as state_module
from cti.ami import written
from cti.ami.channels import Change, Channel, ChannelUpdated
from cti.ami.protocol import AmiMessage, AmiParser
from cti.ami.state import CallState
from tests.cti.ami.test_state import channel_event, check_invariants, event
from tests.cti.ami.test_state_fast_paths import field_values, handed_out

pytestmark = pytest.mark.usefixtures("no_written_handlers")


def _run(
    stream: list[AmiMessage], monkeypatch: pytest.MonkeyPatch, *, write_out_after: int | None, **kw: int
) -> tuple[list[list[Change]], CallState]:
    """Feed ``stream``: the changes of each event (kept apart, so that a change made one event
    late is seen), the state; ``write_out_after`` None: the long way only."""
    with monkeypatch.context() as patch:
        patch.setattr(state_module, "_WRITTEN", {})
        patch.setattr(written, "_SEEN", {})
        if write_out_after is None:
            patch.setattr(state_module, "_WRITABLE", frozenset())
        else:
            patch.setattr(written, "WRITE_OUT_AFTER", write_out_after)
        state = CallState(clock=lambda: 0.0, **kw)  # created_at alike both ways
        changes: list[list[Change]] = []
        kept: list[tuple[Channel, tuple[object, ...]]] = []
        for message in stream:
            out = state.apply(message)
            changes.append(out)
            kept += [(channel, field_values(channel)) for change in out for channel in handed_out(change)]
        assert all(field_values(channel) == values for channel, values in kept)
        if write_out_after is None:
            assert not state_module._WRITTEN
        check_invariants(state)
        return changes, state


def doubled(drawn: list[tuple[AmiMessage, bool]]) -> list[AmiMessage]:
    """An event drawn "twice" comes again at once: with the same layout, taken by the one written out."""
    return [message for message, twice in drawn for message in (message, message)[: 1 + twice]]


def same_both_ways(stream: list[AmiMessage], after: int) -> None:
    """``stream`` gives the same changes and tables the long way and written out after ``after``."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        long_changes, long_state = _run(stream, monkeypatch, write_out_after=None, max_variables=2)
        short_changes, short_state = _run(stream, monkeypatch, write_out_after=after, max_variables=2)
    assert short_changes == long_changes
    _same(short_state, long_state)


def _same(one: CallState, two: CallState) -> None:
    assert [field_values(c) for c in one] == [field_values(c) for c in two]
    assert one.stats == two.stats
    assert one.bridges() == two.bridges()
    assert one.linkedids() == two.linkedids()
    assert one._channels._blocks == two._channels._blocks


def test_the_bench_stream_gives_the_same_changes_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = AmiParser()
    stream = [m for m in parser.feed(b"".join(generate(6_000, 40))) if isinstance(m, AmiMessage)]
    long_changes, long_state = _run(stream, monkeypatch, write_out_after=None)
    short_changes, short_state = _run(stream, monkeypatch, write_out_after=written.WRITE_OUT_AFTER)
    assert short_changes == long_changes
    _same(short_state, long_state)


def test_a_layout_is_written_out_only_once_seen_often() -> None:
    state = CallState()
    state.apply(channel_event("Newchannel", "SIP/a-1", "1.1"))
    for n in range(written.WRITE_OUT_AFTER - 1):
        state.apply(channel_event("VarSet", "SIP/a-1", "1.1", Variable="X", Value=str(n)))
    assert "VarSet" not in state_module._WRITTEN
    state.apply(channel_event("VarSet", "SIP/a-1", "1.1", Variable="X", Value="last"))
    [written_out] = state_module._WRITTEN["VarSet"]
    assert written_out.names == [n for n, _ in channel_event("VarSet", "", "", Variable="", Value="").headers]
    [change] = state.apply(channel_event("VarSet", "SIP/a-1", "1.1", Variable="Y", Value="1"))
    assert isinstance(change, ChannelUpdated) and change.after.variables == (("X", "last"), ("Y", "1"))
    # a made-up layout of the same name takes the handler
    [change] = state.apply(channel_event("VarSet", "SIP/a-1", "1.1", Value="2", Variable="Y"))
    assert isinstance(change, ChannelUpdated) and change.after.variables == (("X", "last"), ("Y", "2"))


_KINDS = [
    ("Newchannel", {}),
    ("Newstate", {}),
    ("NewCallerid", {"CID-CallingPres": "0"}),
    ("Newexten", {"Extension": "100", "Application": "Dial", "AppData": "x"}),
    ("Newexten", {"Application": "Wait"}),
    ("VarSet", {"Variable": "A", "Value": "1"}),
    ("VarSet", {"Variable": "B", "Value": "2"}),
    ("VarSet", {"Variable": "A"}),
    ("VarSet", {"Value": "3"}),
    ("VarSet", {"Variable": "", "Value": "3"}),
    ("MusicOnHoldStart", {"Class": "default"}),
    ("MusicOnHoldStart", {}),
    ("MusicOnHoldStop", {}),
    ("MixMonitorStart", {}),
    ("MixMonitorStop", {}),
    ("HangupRequest", {"Cause": "16"}),
    ("HangupRequest", {}),
    ("SoftHangupRequest", {"Cause": "x"}),
    ("DTMFBegin", {"Digit": "1", "Direction": "Received"}),
    ("DTMFEnd", {"Digit": "1", "Direction": "Received", "DurationMS": "120"}),
    ("DTMFEnd", {"Digit": "2"}),
    ("Hangup", {"Cause": "16", "Cause-txt": "Normal Clearing"}),
    ("Hangup", {"Cause": "x"}),
    ("Hangup", {}),
]
_DROPPABLE = ["Linkedid", "ChannelStateDesc", "Language", "Priority", "Exten"]


@st.composite
def _events(draw: st.DrawFn) -> AmiMessage:
    kind, extra = draw(st.sampled_from(_KINDS))
    uniqueid = draw(st.sampled_from(["1.1", "1.2", "1.3", "none", ""]))
    name = draw(st.sampled_from([f"SIP/{uniqueid}", f"SIP/{uniqueid}<MASQ>"]))
    message = channel_event(kind, name, uniqueid, draw(st.sampled_from(["", "1.1", "1.9"])), **extra)
    state = draw(st.sampled_from(["4", "6", "x"]))
    prio = draw(st.sampled_from(["1", "2"]))
    drop = draw(st.sampled_from([None, *_DROPPABLE]))
    # any other value of the block may change from one event of a channel to the next (read
    # again by the written-out handler only where it differs from the block it last saw)
    changed = {k: draw(st.sampled_from(values)) for k, values in _CHANGEABLE.items() if draw(st.booleans())}
    headers = tuple(
        (k, state if k == "ChannelState" else prio if k == "Priority" else changed.get(k, v))
        for k, v in message.headers
        if k != drop
    )
    added = tuple((k, v) for k, v in changed.items() if k not in dict(message.headers))  # Language...
    return AmiMessage(headers + added)


_CHANGEABLE = {
    "CallerIDNum": ["1001", "<unknown>", ""],
    "CallerIDName": ["Alice", "<unknown>"],
    "ConnectedLineNum": ["<unknown>", "2002", ""],  # "": the same Party as "<unknown>"
    "ConnectedLineName": ["<unknown>", "Bob"],
    "ChannelStateDesc": ["Up", "Ring", ""],
    "Language": ["en", "fr"],
    "AccountCode": ["", "acct"],
    "Context": ["test", "other"],
    "Exten": ["100", "200", ""],
}


_OTHERS = [
    event("Rename", Channel="SIP/1.1", Newname="SIP/1.1<MASQ>", Uniqueid="1.1"),
    event("Rename", Channel="SIP/1.1<MASQ>", Newname="SIP/1.1", Uniqueid="1.1"),
    channel_event("CoreShowChannel", "SIP/1.2", "1.2", ActionID="r1"),
    event("CoreShowChannelsComplete", ActionID="r1"),
    event("VarSet", Channel="none", Variable="G", Value="1"),
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.one_of(_events(), st.sampled_from(_OTHERS)), st.booleans()), max_size=60),
    st.sampled_from([1, 3]),
)
def test_any_stream_gives_the_same_changes_both_ways(
    drawn: list[tuple[AmiMessage, bool]], after: int
) -> None:
    # an event drawn twice comes again at once: with the same layout, taken by the one written out
    same_both_ways(doubled(drawn), after)


def _variant(kind: str, extra: dict[str, str], uniqueid: str, drop: str | None, state: str) -> AmiMessage:
    message = channel_event(kind, f"SIP/{uniqueid}", uniqueid, **extra)
    return AmiMessage(
        tuple((k, state if k == "ChannelState" else v) for k, v in message.headers if k != drop)
    )


@pytest.mark.parametrize("after", [1, 2])
def test_every_kind_and_layout_twice_gives_the_same_changes_both_ways(
    monkeypatch: pytest.MonkeyPatch, after: int
) -> None:
    stream = [
        message
        for kind, extra in _KINDS
        for uniqueid in ("1.1", "1.2", "none", "")
        for drop in (None, *_DROPPABLE, "Uniqueid", "ChannelState")
        for state in ("6", "x", "4")
        for message in [_variant(kind, extra, uniqueid, drop, state)] * 3
    ]
    long_changes, long_state = _run(stream, monkeypatch, write_out_after=None, max_variables=2)
    short_changes, short_state = _run(stream, monkeypatch, write_out_after=after, max_variables=2)
    assert short_changes == long_changes
    _same(short_state, long_state)


@pytest.mark.parametrize(("kind", "extra"), [k for k in _KINDS if k[0] != "Hangup"])
def test_each_value_of_a_block_changing_alone_gives_the_same_changes_both_ways(
    monkeypatch: pytest.MonkeyPatch, kind: str, extra: dict[str, str]
) -> None:
    # the written-out handler reads a snapshot field again only where the block's values differ
    # from the last block's: each value changes alone, and back, on a channel it knows
    base = channel_event(kind, "SIP/a-1", "1.1", Language="en", AccountCode="", **extra)
    values = [(k, v) for k, vs in _CHANGEABLE.items() for v in vs]
    values += [
        ("ChannelState", "4"),
        ("Priority", "2"),
        ("Priority", "01"),
        ("Linkedid", "1.9"),
        ("Linkedid", ""),
    ]
    values += [
        ("Channel", "SIP/a-1<MASQ>")
    ]  # "01": another value, the same priority; "": linkedid = uniqueid
    stream = [base, base]
    for name, value in values:
        changed = AmiMessage(tuple((k, value if k == name else v) for k, v in base.headers))
        stream += [changed, changed, base]
    long_changes, long_state = _run(stream, monkeypatch, write_out_after=None)
    short_changes, short_state = _run(stream, monkeypatch, write_out_after=1)
    assert short_changes == long_changes
    _same(short_state, long_state)


def test_each_layout_of_one_event_name_is_written_out_and_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    # Asterisk writes NewCallerid with CID-CallingPres or without, DialBegin with a caller or
    # without...: layouts of one name taking turns each get their handler, up to LAYOUTS_PER_NAME
    extras = [{"CID-CallingPres": "0"}, {}, {"Extra": "1"}, {"Extra": "1", "More": "2"}, {"Last": "3"}]
    layouts = [channel_event("NewCallerid", "SIP/a-1", "1.1", **extra) for extra in extras]
    stream = [layouts[n % 4] for n in range(4 * 3 * written.WRITE_OUT_AFTER)] + layouts * 3
    long_changes, long_state = _run(stream, monkeypatch, write_out_after=None)
    short_changes, short_state = _run(stream, monkeypatch, write_out_after=written.WRITE_OUT_AFTER)
    assert short_changes == long_changes
    _same(short_state, long_state)

    handled: list[str] = []  # the events that took the long way
    handler_for = state_module._handler_for
    monkeypatch.setattr(state_module, "_handler_for", lambda name: handled.append(name) or handler_for(name))
    monkeypatch.setattr(written, "WRITE_OUT_AFTER", 1)  # written out at the first sighting
    state = CallState()
    for message in layouts[:4] * 3:
        state.apply(message)
    assert len(handled) == 4  # the first of each layout only
    state.apply(layouts[4])  # a fifth: the first one's handler is forgotten
    assert [w.names for w in state_module._WRITTEN["NewCallerid"]] == [
        [n for n, _ in m.headers] for m in layouts[1:]
    ]
    for message in layouts[1:]:
        state.apply(message)
    assert len(handled) == 5
