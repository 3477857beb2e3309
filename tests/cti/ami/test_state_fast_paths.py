"""The call state model's shortcuts give what the long way gives.

A channel event whose snapshot block is the one its channel was last refreshed from is not read
again (:meth:`cti.ami.channel_table.ChannelTable.touch`); whatever changed the channel since by
other means (a rename, a resync listing, a hang-up's last snapshot) must make the same block count
as new.  Channels are built without their frozen ``__init__`` (:mod:`cti.ami.frozen`).
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cti.ami.channels import Channel, ChannelUpdated
from cti.ami.events import ChannelSnapshot, Party
from cti.ami.frozen import builder
from cti.ami.protocol import AmiMessage
from cti.ami.state import CallState
from tests.cti.ami.captures import events
from tests.cti.ami.test_state import channel_event, check_invariants, event, feed

_SNAPSHOT_FIELDS = (
    "name",
    "uniqueid",
    "linkedid",
    "state",
    "state_desc",
    "caller",
    "connected",
    "language",
    "account_code",
    "context",
    "exten",
    "priority",
)


def check_blocks(state: CallState) -> None:
    """Every remembered block still says what its channel's snapshot fields are."""
    table = state._channels
    for uniqueid, block in table._blocks.items():
        channel = table.get(uniqueid)
        assert channel is not None, "a block outlived its channel"
        shown = ChannelSnapshot.from_values(block)
        assert {f: getattr(channel, f) for f in _SNAPSHOT_FIELDS} == {
            f: getattr(shown, f) for f in _SNAPSHOT_FIELDS
        }


def test_the_same_block_after_a_rename_renames_the_channel_back() -> None:
    state = CallState()
    feed(state, [channel_event("Newchannel", "SIP/a-1", "1.1")])
    feed(state, [event("Rename", Channel="SIP/a-1", Newname="SIP/a-1<MASQ>", Uniqueid="1.1")])
    [change] = feed(state, [channel_event("Newstate", "SIP/a-1", "1.1")])  # Newchannel's block again
    assert isinstance(change, ChannelUpdated) and change.after.name == "SIP/a-1"
    assert state.channel_by_name("SIP/a-1") is not None and state.channel_by_name("SIP/a-1<MASQ>") is None
    check_blocks(state)


def test_the_same_block_after_a_listing_changed_the_channel_puts_it_back() -> None:
    state = CallState()
    feed(state, [channel_event("Newchannel", "SIP/a-1", "1.1")])
    listed = channel_event("CoreShowChannel", "SIP/a-1", "1.1", ActionID="r1")
    listed = AmiMessage(tuple((k, "Elsewhere") if k == "Context" else (k, v) for k, v in listed.headers))
    feed(state, [listed, event("CoreShowChannelsComplete", ActionID="r1")])
    assert state.channel("1.1").context == "Elsewhere"  # type: ignore[union-attr]
    check_blocks(state)
    [change] = feed(state, [channel_event("Newstate", "SIP/a-1", "1.1")])
    assert isinstance(change, ChannelUpdated) and change.after.context == "test"


def test_a_block_unchanged_still_carries_the_other_fields_of_its_event() -> None:
    state = CallState()
    feed(state, [channel_event("Newchannel", "SIP/a-1", "1.1")])
    [change] = feed(state, [channel_event("VarSet", "SIP/a-1", "1.1", Variable="X", Value="1")])
    assert isinstance(change, ChannelUpdated) and change.after.variable("X") == "1"
    assert change.before.variable("X") is None  # the change's before is not the live channel
    assert feed(state, [channel_event("Newstate", "SIP/a-1", "1.1")]) == []  # nothing changed


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_any_sequence_of_real_events_keeps_every_block_true(data: st.DataObject) -> None:
    pool = [
        *events("ami_09_originate_dial_bridge"),
        *events("ami_11_active_call_status_vars_redirect_hangup"),
        *events("chanspy_dial"),
        event("Rename", Channel="Local/300@test-0000001b;2", Newname="X/1", Uniqueid="1795673901.55"),
        channel_event("Newstate", "Local/300@test-0000001b;2", "1795673901.55"),
    ]
    picks = data.draw(st.lists(st.integers(0, len(pool) - 1), max_size=80))
    state = CallState(max_channels=5)
    for i in picks:
        state.apply(pool[i])
        check_blocks(state)
    check_invariants(state)


def test_a_channel_built_without_its_init_is_a_frozen_channel() -> None:
    channel = Channel("PJSIP/a-1", "1.1", "1.1", 4, "Ring", Party("1", "a"), Party(), "c", "s", 1)
    built = builder(Channel)(*(getattr(channel, f.name) for f in dataclasses.fields(Channel)))
    assert type(built) is Channel and built == channel and hash(built) == hash(channel)
    assert repr(built) == repr(channel)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.name = "other"  # type: ignore[misc]
    assert dataclasses.replace(built, state=6) == dataclasses.replace(channel, state=6)
