"""Two-channel handlers written out per layout (:mod:`cti.ami.written_pairs`) give what the long way gives.

Dial* and LocalBridge events, with both blocks, one of them, odd or missing headers in either,
blocks that change value by value, fed to a :class:`CallState` that only takes the handlers and
to one that writes them out (see ``test_written``): the same changes and the same tables.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cti.ami import state as state_module
from cti.ami import written
from cti.ami.protocol import AmiMessage
from cti.ami.state import CallState
from tests.cti.ami.test_state import channel_event
from tests.cti.ami.test_written import _CHANGEABLE, _events, _run, _same, doubled, same_both_ways

_PREFIXES = {
    "DialBegin": ("", "Dest"),
    "DialState": ("", "Dest"),
    "DialEnd": ("", "Dest"),
    "LocalBridge": ("LocalOne", "LocalTwo"),
}
_EXTRAS: dict[str, list[dict[str, str]]] = {
    "DialBegin": [{"DialString": "300@test"}, {}],
    "DialState": [{"DialStatus": "RINGING"}],
    "DialEnd": [{"DialStatus": "ANSWER"}, {"DialStatus": "BUSY", "Forward": ""}, {}],
    "LocalBridge": [{"Context": "test", "Exten": "200", "LocalOptimization": "Yes"}],
}


pytestmark = pytest.mark.usefixtures("no_written_handlers")


def _block(
    prefix: str, uniqueid: str, drop: str | None, state: str, changed: dict[str, str]
) -> list[tuple[str, str]]:
    headers = channel_event("", f"Local/{uniqueid};1", uniqueid).headers[1:]
    return [
        (prefix + k, state if k == "ChannelState" else changed.get(k, v)) for k, v in headers if k != drop
    ]


def pair_event(
    kind: str,
    one: tuple[str | None, str | None, str],  # uniqueid (None: no block), header dropped, state
    two: tuple[str | None, str | None, str],
    extra: dict[str, str],
    changed: tuple[dict[str, str], dict[str, str]] = ({}, {}),
) -> AmiMessage:
    headers = [("Event", kind), ("Privilege", "call,all")]
    for prefix, (uniqueid, drop, state), values in zip(_PREFIXES[kind], (one, two), changed, strict=True):
        if uniqueid is not None:
            headers += _block(prefix, uniqueid, drop, state, values)
    return AmiMessage((*headers, *extra.items()))


_UNIQUEIDS = ["1.1", "1.2", "1.3", "none", ""]
_DROPS = [None, "Uniqueid", "ChannelState", "Channel", "Linkedid", "Priority", "Language"]


@st.composite
def _pairs(draw: st.DrawFn) -> AmiMessage:
    kind = draw(st.sampled_from(sorted(_PREFIXES)))
    ends = []
    for _ in range(2):
        uniqueid = draw(st.sampled_from([*_UNIQUEIDS, None]))
        ends.append((uniqueid, draw(st.sampled_from(_DROPS)), draw(st.sampled_from(["6", "4", "x"]))))
    changed = tuple(
        {k: draw(st.sampled_from(vs)) for k, vs in _CHANGEABLE.items() if draw(st.booleans())}
        for _ in range(2)
    )
    extra = draw(st.sampled_from(_EXTRAS[kind]))
    return pair_event(kind, ends[0], ends[1], extra, (changed[0], changed[1]))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.one_of(_pairs(), _events()), st.booleans()), max_size=60), st.sampled_from([1, 3])
)
def test_any_stream_of_pairs_gives_the_same_changes_both_ways(
    drawn: list[tuple[AmiMessage, bool]], after: int
) -> None:
    same_both_ways(doubled(drawn), after)


@pytest.mark.parametrize("kind", sorted(_PREFIXES))
def test_every_pair_layout_twice_gives_the_same_changes_both_ways(
    monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    stream = [
        message
        for extra in _EXTRAS[kind]
        for one in (None, "1.1", "1.2", "none", "")
        for two in (None, "1.2", "1.1", "")
        for drop in _DROPS
        for which in (0, 1)
        for state in ("6", "x")
        for message in [
            pair_event(
                kind, (one, drop if which == 0 else None, state), (two, drop if which else None, "6"), extra
            )
        ]
        * 3
    ]
    long_changes, long_state = _run(stream, monkeypatch, write_out_after=None, max_variables=2)
    short_changes, short_state = _run(stream, monkeypatch, write_out_after=1, max_variables=2)
    assert short_changes == long_changes
    _same(short_state, long_state)


@pytest.mark.parametrize("kind", sorted(_PREFIXES))
def test_each_value_of_either_block_changing_alone_gives_the_same_changes_both_ways(
    monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    extra = _EXTRAS[kind][0]
    base = pair_event(kind, ("1.1", None, "6"), ("1.2", None, "6"), extra)
    values = [(k, v) for k, vs in _CHANGEABLE.items() for v in vs]
    values += [("ChannelState", "4"), ("Priority", "2"), ("Linkedid", "1.9"), ("Channel", "Local/x;1<MASQ>")]
    stream = [base, base]
    for side in (0, 1):
        for name, value in values:
            changed = ({name: value}, {}) if side == 0 else ({}, {name: value})
            state = value if name == "ChannelState" else "6"
            one, two = ("1.1", None, state if side == 0 else "6"), ("1.2", None, state if side else "6")
            message = pair_event(kind, one, two, extra, changed)
            stream += [message, message, base]
    long_changes, long_state = _run(stream, monkeypatch, write_out_after=None)
    short_changes, short_state = _run(stream, monkeypatch, write_out_after=1)
    assert short_changes == long_changes
    _same(short_state, long_state)


@pytest.mark.parametrize("kind", sorted(_PREFIXES))
def test_a_pair_layout_is_written_out_and_taken(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    handled: list[str] = []  # the events that took the long way
    handler_for = state_module._handler_for
    monkeypatch.setattr(state_module, "_handler_for", lambda name: handled.append(name) or handler_for(name))
    monkeypatch.setattr(written, "WRITE_OUT_AFTER", 2)
    state = CallState()
    message = pair_event(kind, ("1.1", None, "6"), ("1.2", None, "6"), _EXTRAS[kind][0])
    for _ in range(5):
        state.apply(message)
    assert handled == [kind, kind]
    one, two = state.channel("1.1"), state.channel("1.2")
    assert one is not None and two is not None
    if kind == "LocalBridge":
        assert (one.local_peer, two.local_peer) == ("1.2", "1.1")
    else:
        assert two.dialed_by == "1.1" and one.dial_status == two.dial_status == extra_status(kind)


def extra_status(kind: str) -> str:
    return _EXTRAS[kind][0].get("DialStatus", "")
