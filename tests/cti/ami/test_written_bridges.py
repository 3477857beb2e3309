"""BridgeEnter/BridgeLeave written out per layout (:mod:`cti.ami.written_bridges`) as the long way.

Bridge events (several bridges, a channel moving between them, odd or missing bridge and
channel headers) mixed with the one-channel events of ``test_written``, fed to a
:class:`CallState` that only takes the handlers and to one that writes them out.
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

pytestmark = pytest.mark.usefixtures("no_written_handlers")


_BRIDGE = {
    "BridgeUniqueid": "b1",
    "BridgeType": "basic",
    "BridgeTechnology": "simple_bridge",
    "BridgeCreator": "<unknown>",
    "BridgeName": "<unknown>",
    "BridgeNumChannels": "1",
}


def bridge_event(
    kind: str, bridge: dict[str, str], uniqueid: str | None, drop: str | None = None, state: str = "6"
) -> AmiMessage:
    headers = [("Event", kind), ("Privilege", "call,all"), *bridge.items()]
    if uniqueid is not None:
        block = channel_event("", f"SIP/{uniqueid}", uniqueid).headers[1:]
        headers += [(k, state if k == "ChannelState" else v) for k, v in block if k != drop]
    return AmiMessage(tuple(headers))


_DROPS = [None, "Uniqueid", "ChannelState", "Channel", "Linkedid", "Priority"]


@st.composite
def _bridges(draw: st.DrawFn) -> AmiMessage:
    kind = draw(
        st.sampled_from(
            ["BridgeEnter", "BridgeLeave", "BridgeEnter", "BridgeLeave", "BridgeCreate", "BridgeDestroy"]
        )
    )
    bridge = dict(_BRIDGE, BridgeUniqueid=draw(st.sampled_from(["b1", "b2", ""])))
    for name, values in [
        ("BridgeType", ["basic", "holding"]),
        ("BridgeName", ["<unknown>", "conf"]),
        ("BridgeTechnology", ["simple_bridge", "softmix"]),
    ]:
        if draw(st.booleans()):
            bridge[name] = draw(st.sampled_from(values))
    drop = draw(st.sampled_from([None, None, "BridgeUniqueid", "BridgeType", "BridgeCreator"]))
    bridge = {k: v for k, v in bridge.items() if k != drop}
    uniqueid = (
        None
        if kind in ("BridgeCreate", "BridgeDestroy")
        else draw(st.sampled_from(["1.1", "1.2", "none", ""]))
    )
    message = bridge_event(
        kind, bridge, uniqueid, draw(st.sampled_from(_DROPS)), draw(st.sampled_from(["6", "x"]))
    )
    changed = {k: draw(st.sampled_from(vs)) for k, vs in _CHANGEABLE.items() if draw(st.booleans())}
    return AmiMessage(tuple((k, changed.get(k, v)) for k, v in message.headers))


_HANGUPS = [channel_event("Hangup", f"SIP/{u}", u, Cause="16") for u in ("1.1", "1.2")]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.one_of(_bridges(), _events(), st.sampled_from(_HANGUPS)), st.booleans()), max_size=60
    ),
    st.sampled_from([1, 3]),
)
def test_any_stream_of_bridge_events_gives_the_same_changes_both_ways(
    drawn: list[tuple[AmiMessage, bool]], after: int
) -> None:
    same_both_ways(doubled(drawn), after)


def test_a_channel_moving_between_bridges_gives_the_same_changes_both_ways(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    one, two = dict(_BRIDGE), dict(_BRIDGE, BridgeUniqueid="b2", BridgeName="conf")
    stream = [
        bridge_event("BridgeEnter", one, "1.1"),
        bridge_event("BridgeEnter", one, "1.2"),
        bridge_event("BridgeEnter", two, "1.1", state="4"),  # leaves b1 without a BridgeLeave
        bridge_event("BridgeLeave", one, "1.1"),  # no longer in b1: bridge_id kept
        bridge_event("BridgeLeave", two, "1.1"),
        bridge_event("BridgeEnter", dict(one, BridgeType="holding"), "1.1"),
        bridge_event("BridgeLeave", one, "1.2", drop="ChannelState"),
        bridge_event("BridgeLeave", one, "1.2"),
        bridge_event("BridgeEnter", one, "none"),
        bridge_event("BridgeLeave", one, "1.3"),  # a channel never seen: adopted
    ] * 3
    # a change of another channel after each event: what each event gives is compared, not only
    # the changes of the whole stream in order
    stream = [m for n, message in enumerate(stream) for m in (message, _marker(n))]
    long_changes, long_state = _run(stream, monkeypatch, write_out_after=None)
    short_changes, short_state = _run(stream, monkeypatch, write_out_after=1)
    assert short_changes == long_changes
    _same(short_state, long_state)


def _marker(n: int) -> AmiMessage:
    return channel_event("VarSet", "SIP/9.9", "9.9", Variable="N", Value=str(n))


def test_bridge_enter_and_leave_layouts_are_written_out_and_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    handled: list[str] = []  # the events that took the long way
    handler_for = state_module._handler_for
    monkeypatch.setattr(state_module, "_handler_for", lambda name: handled.append(name) or handler_for(name))
    monkeypatch.setattr(written, "WRITE_OUT_AFTER", 1)
    state = CallState()
    for _ in range(3):
        state.apply(bridge_event("BridgeEnter", _BRIDGE, "1.1"))
        state.apply(bridge_event("BridgeLeave", _BRIDGE, "1.1"))
    assert handled == ["BridgeEnter", "BridgeLeave"]
    channel, bridge = state.channel("1.1"), state.bridge("b1")
    assert channel is not None and channel.bridge_id is None and bridge is not None and bridge.channels == ()
