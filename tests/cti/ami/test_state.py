"""The call state model, fed with the event streams the real Asterisk 22 sent (captures)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cti.ami.channel_table import _replaced
from cti.ami.channels import (
    BridgeAdded,
    BridgeRemoved,
    CdrRecorded,
    Change,
    Channel,
    ChannelAdded,
    ChannelRemoved,
    ChannelUpdated,
    DtmfDigit,
    OriginateFinished,
    Resynced,
)
from cti.ami.events import Party
from cti.ami.protocol import AmiMessage
from cti.ami.state import CallState
from tests.cti.ami.captures import events


def feed(state: CallState, stream: Iterable[AmiMessage]) -> list[Change]:
    out: list[Change] = []
    for event in stream:
        out.extend(state.apply(event))
    return out


def check_invariants(state: CallState) -> None:
    """The indexes agree with the channel table."""
    for channel in state:
        assert state.channel(channel.uniqueid) == channel
        assert state.channel_by_name(channel.name) is not None
        assert channel in state.call(channel.linkedid)
        if channel.bridge_id is not None and state.bridge(channel.bridge_id) is not None:
            assert channel.uniqueid in state.bridge(channel.bridge_id).channels  # type: ignore[union-attr]
    total = sum(len(state.call(linkedid)) for linkedid in state.linkedids())
    assert total == len(state)
    for bridge in state.bridges():
        assert len(set(bridge.channels)) == len(bridge.channels)


def event(name: str, **headers: str) -> AmiMessage:
    return AmiMessage.build(("Event", name), *headers.items())


def channel_event(name: str, channel: str, uniqueid: str, linkedid: str = "", **extra: str) -> AmiMessage:
    return event(
        name,
        Channel=channel,
        ChannelState="6",
        ChannelStateDesc="Up",
        CallerIDNum="1001",
        CallerIDName="Alice",
        ConnectedLineNum="<unknown>",
        ConnectedLineName="<unknown>",
        Context="test",
        Exten="100",
        Priority="1",
        Uniqueid=uniqueid,
        Linkedid=linkedid or uniqueid,
        **extra,
    )


# -- ami_09: Originate Local/300@test, which Dials Local/200@test -------------------------------
CALLER_1, CALLER_2 = "1795673901.54", "1795673901.55"  # Local/300@test-0000001b;1 and ;2
CALLEE_1, CALLEE_2 = "1795673901.56", "1795673901.57"  # Local/200@test-0000001c;1 and ;2


def test_dial_and_bridge_from_newchannel_to_hangup() -> None:
    stream = events("ami_09_originate_dial_bridge")
    state = CallState()
    seen: list[Change] = []
    peak_call = 0
    both_bridged = False
    for ev in stream:
        seen.extend(state.apply(ev))
        check_invariants(state)
        peak_call = max(peak_call, len(state.call(CALLER_1)))
        if ev.event == "BridgeEnter" and ev["BridgeNumChannels"] == "2":
            both_bridged = True
            caller, callee = state.channel(CALLER_2), state.channel(CALLEE_1)
            assert caller is not None and callee is not None
            assert caller.bridge_id == callee.bridge_id == "664effbf-0110-4ae3-9306-55c91e353f26"
            assert [c.uniqueid for c in state.bridge_peers(CALLER_2)] == [CALLEE_1]
            assert [c.uniqueid for c in state.bridge_peers(CALLEE_1)] == [CALLER_2]
            bridge = state.bridge(caller.bridge_id)
            assert bridge is not None and bridge.type == "basic" and bridge.technology == "simple_bridge"
            assert bridge.channels == (CALLEE_1, CALLER_2)  # order of entry
            # Linkedid propagates from the originated channel to every leg of the call
            assert {c.uniqueid for c in state.call(CALLER_1)} == {CALLER_1, CALLER_2, CALLEE_1, CALLEE_2}
            assert callee.dialed_by == CALLER_2 and callee.dial_status == "ANSWER"
            assert state.channel(CALLER_1).local_peer == CALLER_2  # type: ignore[union-attr]
            assert state.channel(CALLEE_2).local_peer == CALLEE_1  # type: ignore[union-attr]
            assert caller.variable("DIALEDPEERNAME") == "Local/200@test-0000001c;1"
            assert callee.caller.number == "300" and callee.connected.number == "2002"
    assert both_bridged and peak_call == 4
    # after the hang-up nothing is left
    assert len(state) == 0 and state.bridges() == [] and state.linkedids() == []
    added = [c.channel.name for c in seen if isinstance(c, ChannelAdded)]
    assert added == [
        "Local/300@test-0000001b;1",
        "Local/300@test-0000001b;2",
        "Local/200@test-0000001c;1",
        "Local/200@test-0000001c;2",
    ]
    removed = {c.channel.uniqueid: (c.cause, c.cause_txt) for c in seen if isinstance(c, ChannelRemoved)}
    assert removed == {
        CALLER_1: (0, "Unknown"),
        CALLER_2: (16, "Normal Clearing"),
        CALLEE_1: (16, "Normal Clearing"),
        CALLEE_2: (16, "Normal Clearing"),
    }
    assert sum(isinstance(c, BridgeAdded) for c in seen) == 1
    assert sum(isinstance(c, BridgeRemoved) for c in seen) == 1
    [finished] = [c for c in seen if isinstance(c, OriginateFinished)]
    assert finished.outcome.success and finished.outcome.reason == 4 and finished.outcome.uniqueid == CALLER_1
    assert sum(isinstance(c, CdrRecorded) for c in seen) == 3
    assert state.stats.adopted == 0 and state.stats.unknown_channel == 0
    assert state.stats.ignored > 0  # DeviceStateChange, FullyBooted, SoftHangupRequest... counted


def test_channel_values_follow_the_events() -> None:
    state = CallState()
    stream = events("ami_08_originate_local_async")
    first_up: dict[str, str] = {}
    for ev in stream:
        for change in state.apply(ev):
            if isinstance(change, ChannelUpdated) and change.after.is_up and not change.before.is_up:
                first_up[change.after.name] = change.event
    assert set(first_up.values()) == {"Newstate"}
    assert len(state) == 0 and state.stats.unknown_channel == 0


def test_newexten_tracks_dialplan_position_and_application() -> None:
    state = CallState()
    stream = events("ami_11_active_call_status_vars_redirect_hangup")
    redirect = next(i for i, e in enumerate(stream) if e.event == "Newexten" and e.get("Exten") == "500")
    feed(state, stream[: redirect + 1])
    leg2 = state.channel_by_name("Local/100@test-00000013;2")
    assert leg2 is not None
    assert (leg2.context, leg2.exten, leg2.priority) == ("test", "500", 1)
    assert leg2.application == "NoOp" and leg2.app_data.startswith("redirected here")
    assert leg2.variable("FOO") == "bar" and leg2.variable("BAR") == "baz"  # Set() and the Setvar action
    assert state.channel_by_name("Local/100@test-00000013;1").variable("BAR") is None  # type: ignore[union-attr]
    feed(state, stream[redirect + 1 :])
    assert len(state) == 0


def test_global_varset_is_not_a_channel() -> None:
    state = CallState()
    changes = state.apply(event("VarSet", Channel="none", Uniqueid="none", Variable="GLOBALX", Value="1"))
    assert changes == [] and len(state) == 0


# -- resynchronisation from CoreShowChannels ------------------------------------------------
def test_listing_replaces_the_channel_table() -> None:
    stream = events("ami_11_active_call_status_vars_redirect_hangup")
    listing_start = next(i for i, e in enumerate(stream) if e.event == "CoreShowChannel")
    before = stream[:listing_start]
    state = CallState()
    # we missed the ;1 leg's events (connected late) and kept a channel that has gone meanwhile
    feed(state, [e for e in before if "Local/100@test-00000013;1" not in dict(e.headers).values()])
    feed(state, [channel_event("Newchannel", "Local/gone-00000001;1", "1795600000.1")])
    assert state.channel("1795600000.1") is not None and state.channel("1795673744.38") is None
    leg2_before = state.channel("1795673744.39")
    assert leg2_before is not None

    complete = next(i for i, e in enumerate(stream) if e.event == "CoreShowChannelsComplete")
    changes = feed(state, stream[listing_start : complete + 1])
    assert [type(c) for c in changes if isinstance(c, ChannelAdded | ChannelRemoved)] == [
        ChannelRemoved,
        ChannelAdded,
    ]
    assert state.channel("1795600000.1") is None
    leg1 = state.channel("1795673744.38")
    assert leg1 is not None and leg1.application == "Wait" and leg1.app_data == "30" and leg1.is_up
    assert leg1.linkedid == "1795673744.38" and leg1.caller.number == "1001"
    leg2 = state.channel("1795673744.39")
    assert leg2 is not None and leg2.variable("FOO") == "bar"  # what the listing does not say is kept
    assert leg2.created_at == leg2_before.created_at
    assert isinstance(changes[-1], Resynced) and changes[-1].channels == 2
    assert changes[-1].added == 1 and changes[-1].removed == 1
    check_invariants(state)
    feed(state, stream[complete + 1 :])  # the rest of the call, then an empty listing
    assert len(state) == 0 and state.stats.resyncs == 3


def test_listing_rebuilds_bridges() -> None:
    state = CallState()
    feed(state, events("ami_09_originate_dial_bridge")[:60])  # both legs bridged by now
    bridge_id = "664effbf-0110-4ae3-9306-55c91e353f26"
    assert state.bridge(bridge_id) is not None
    listed = [
        channel_event("CoreShowChannel", "Local/200@test-0000001c;1", CALLEE_1, CALLER_1, ActionID="r1")
        .with_header("BridgeId", bridge_id)
        .with_header("Application", "AppDial")
        .with_header("ApplicationData", "(Outgoing Line)"),
        channel_event("CoreShowChannel", "SIP/new-1", "1795999999.1", ActionID="r1").with_header(
            "BridgeId", "b-new"
        ),
        event("CoreShowChannelsComplete", ActionID="r1", EventList="Complete", ListItems="2"),
    ]
    changes = feed(state, listed)
    assert {c.uniqueid for c in state} == {CALLEE_1, "1795999999.1"}
    assert state.bridge(bridge_id).channels == (CALLEE_1,)  # type: ignore[union-attr]
    assert state.bridge(bridge_id).type == "basic"  # type: ignore[union-attr]  # known before: kept
    assert state.bridge("b-new").channels == ("1795999999.1",)  # type: ignore[union-attr]
    assert any(isinstance(c, BridgeAdded) and c.bridge.id == "b-new" for c in changes)
    check_invariants(state)


def test_listing_items_of_two_actions_do_not_mix() -> None:
    state = CallState()
    feed(state, [channel_event("CoreShowChannel", "A/1", "1.1", ActionID="x")])
    feed(state, [channel_event("CoreShowChannel", "B/1", "2.1", ActionID="y")])
    feed(state, [event("CoreShowChannelsComplete", ActionID="y")])
    assert [c.name for c in state] == ["B/1"]


# -- flags: recording, DTMF, hold, spying ------------------------------------------------------
def test_mixmonitor_and_dtmf() -> None:
    state = CallState()
    recording: list[bool] = []
    digits: list[str] = []
    for ev in events("ami_15_mixmonitor_senddtmf"):
        for change in state.apply(ev):
            if isinstance(change, ChannelUpdated) and change.before.recording != change.after.recording:
                recording.append(change.after.recording)
            if isinstance(change, DtmfDigit) and change.end:
                digits.append(change.digit)
                assert change.direction == "Received" and change.duration_ms == 100
    assert recording == [True, False]
    assert "".join(digits) == "123#"


def test_music_on_hold_and_dial_states_in_a_queue_call() -> None:
    state = CallState()
    hold: list[tuple[bool, str]] = []
    dial: list[tuple[str, str]] = []
    for ev in events("ami_21_queue_ringall_two_members"):
        for change in state.apply(ev):
            if isinstance(change, ChannelUpdated):
                if change.before.on_hold != change.after.on_hold:
                    hold.append((change.after.on_hold, change.after.moh_class))
                if change.before.dial_status != change.after.dial_status and change.after.dial_status:
                    dial.append((change.after.name.split("@")[0], change.after.dial_status))
        check_invariants(state)
    assert hold == [(True, "default"), (False, "default")]
    assert ("Local/agent3", "RINGING") in dial and ("Local/agent3", "CANCEL") in dial
    assert ("Local/agent2", "ANSWER") in dial
    assert len(state) == 0


def test_chanspy_start_and_stop() -> None:
    state = CallState()
    spyee, spyer = "1795676188.1", "1795676189.3"
    spying_seen = False
    for ev in events("chanspy_dial"):
        state.apply(ev)
        if ev.event == "ChanSpyStart":
            assert state.channel(spyee).spied_by == (spyer,)  # type: ignore[union-attr]
            assert state.channel(spyer).spying_on == spyee  # type: ignore[union-attr]
            spying_seen = True
        if ev.event == "ChanSpyStop":
            assert state.channel(spyee).spied_by == ()  # type: ignore[union-attr]
            assert state.channel(spyer).spying_on is None  # type: ignore[union-attr]
        check_invariants(state)
    assert spying_seen


def test_spyer_hanging_up_clears_the_spyee() -> None:
    state = CallState()
    spy = event(
        "ChanSpyStart",
        SpyerChannel="Local/900-1;2",
        SpyerChannelState="6",
        SpyerUniqueid="9.1",
        SpyeeChannel="SIP/agent-1",
        SpyeeChannelState="6",
        SpyeeUniqueid="5.1",
    )
    feed(state, [spy])
    assert state.channel("5.1").spied_by == ("9.1",)  # type: ignore[union-attr]
    feed(state, [channel_event("Hangup", "Local/900-1;2", "9.1", Cause="16")])
    assert state.channel("5.1").spied_by == ()  # type: ignore[union-attr]


# -- odd input: unknown channels, unknown events, renames, bounds ------------------------------
def test_events_about_unknown_channels() -> None:
    state = CallState()
    assert feed(state, [channel_event("Hangup", "SIP/x-1", "7.7", Cause="16")]) == []
    assert state.stats.unknown_channel == 1
    assert feed(state, [event("Rename", Channel="SIP/x-1", Newname="SIP/y-1", Uniqueid="7.7")]) == []
    assert state.stats.unknown_channel == 2
    # a channel first seen mid-call (e.g. connected after it started) is adopted
    [added] = feed(state, [channel_event("Newstate", "SIP/z-1", "8.8")])
    assert isinstance(added, ChannelAdded) and added.channel.name == "SIP/z-1"
    assert state.stats.adopted == 1


def test_unknown_events_are_counted_and_ignored() -> None:
    state = CallState()
    assert state.apply(event("FullyBooted", Status="Fully Booted")) == []
    assert state.apply(event("SomethingNew", Uniqueid="1.1", Channel="X/1", ChannelState="6")) == []
    assert state.apply(AmiMessage.build(("Response", "Success"))) == []
    assert state.stats.ignored == 2 and len(state) == 0


def test_rename_moves_the_name_index() -> None:
    state = CallState()
    feed(state, [channel_event("Newchannel", "SIP/old-1", "3.3")])
    [change] = feed(state, [event("Rename", Channel="SIP/old-1", Newname="SIP/new-1", Uniqueid="3.3")])
    assert isinstance(change, ChannelUpdated) and change.after.name == "SIP/new-1"
    assert state.channel_by_name("SIP/old-1") is None
    assert state.channel_by_name("SIP/new-1").uniqueid == "3.3"  # type: ignore[union-attr]


def test_linkedid_change_moves_the_channel_between_calls() -> None:
    state = CallState()
    feed(
        state, [channel_event("Newchannel", "SIP/a-1", "1.1"), channel_event("Newchannel", "SIP/b-1", "2.1")]
    )
    feed(state, [channel_event("Newstate", "SIP/b-1", "2.1", linkedid="1.1")])
    assert [c.uniqueid for c in state.call("1.1")] == ["1.1", "2.1"]
    assert state.call("2.1") == []


def test_bad_numbers_do_not_break_the_model() -> None:
    state = CallState()
    ev = channel_event("Newchannel", "SIP/a-1", "1.1").with_header("Cause", "x")
    bad = AmiMessage(
        tuple((k, "abc") if k in ("ChannelState", "Priority") else (k, v) for k, v in ev.headers)
    )
    [added] = feed(state, [bad])
    assert isinstance(added, ChannelAdded) and added.channel.state == -1 and added.channel.priority == 0


def test_channel_table_is_bounded() -> None:
    state = CallState(max_channels=3)
    changes = feed(state, [channel_event("Newchannel", f"SIP/{i}", f"{i}.0") for i in range(5)])
    assert [c.uniqueid for c in state] == ["2.0", "3.0", "4.0"]
    assert state.stats.evicted == 2
    assert [c.channel.uniqueid for c in changes if isinstance(c, ChannelRemoved)] == ["0.0", "1.0"]
    check_invariants(state)


def test_variables_are_bounded() -> None:
    state = CallState(max_variables=3)
    feed(state, [channel_event("VarSet", "SIP/a", "1.1", Variable=f"V{i}", Value=str(i)) for i in range(5)])
    feed(state, [channel_event("VarSet", "SIP/a", "1.1", Variable="V3", Value="again")])
    channel = state.channel("1.1")
    assert channel is not None and channel.variables == (("V2", "2"), ("V4", "4"), ("V3", "again"))
    assert state.stats.variables_dropped == 2


# -- property: any order, any subset of real events keeps the tables consistent ------------------
_POOL = None


def _pool() -> list[AmiMessage]:
    global _POOL
    if _POOL is None:
        _POOL = [
            *events("ami_09_originate_dial_bridge"),
            *events("ami_11_active_call_status_vars_redirect_hangup"),
            *events("ami_21_queue_ringall_two_members"),
            *events("chanspy_dial"),
        ]
    return _POOL


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_sequence_of_real_events_keeps_the_model_consistent(data: st.DataObject) -> None:
    pool = _pool()
    picks = data.draw(st.lists(st.integers(0, len(pool) - 1), max_size=120))
    state = CallState(max_channels=6, max_variables=4)
    for i in picks:
        state.apply(pool[i])
    check_invariants(state)
    assert len(state) <= 6


def test_a_channel_is_replaced_field_for_field_as_dataclasses_replace_does() -> None:
    channel = Channel("PJSIP/a-1", "1.1", "1.1", 4, "Ring", Party("1", "a"), Party(), "c", "s", 1)
    fields = {"state": 6, "bridge_id": "b1", "variables": (("X", "1"),), "created_at": 3.5}
    assert _replaced(channel, fields) == dataclasses.replace(channel, **fields)
    with pytest.raises(TypeError):
        _replaced(channel, {"no_such_field": 1})
