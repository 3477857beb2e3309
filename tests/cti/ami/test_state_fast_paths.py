"""The call state model's shortcuts give what the long way gives.

A channel event whose snapshot block is the one its channel was last refreshed from is not read
again (:meth:`cti.ami.channel_table.ChannelTable.touch`); whatever changed the channel since by
other means (a rename, a resync listing, a hang-up's last snapshot) must make the same block count
as new; a Hangup with that block again is not read again either.  Channels and the other values
of an event are built without their frozen ``__init__`` (:mod:`cti.ami.frozen`), and a channel
handed out stays as it was whatever events follow.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cti.ami.channels import Change, Channel, ChannelAdded, ChannelRemoved, ChannelUpdated, DtmfDigit
from cti.ami.events import CdrRecord, ChannelSnapshot, Party, header_map
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


@pytest.mark.parametrize(
    ("kind", "extra", "fields"),
    [
        ("Newchannel", {}, {}),
        ("VarSet", {"Variable": "X", "Value": "1"}, {"variables": (("X", "1"),)}),  # adopted, with more
        ("MusicOnHoldStart", {"Class": "jazz"}, {"on_hold": True, "moh_class": "jazz"}),
    ],
)
def test_a_new_channel_has_its_snapshot_and_every_other_field_its_default(
    kind: str, extra: dict[str, str], fields: dict[str, object]
) -> None:
    # built field by field from its snapshot and the defaults of Channel's other fields
    message = channel_event(kind, "PJSIP/a-1", "1.1", "1.0", Language="fr", AccountCode="acct", **extra)
    [added] = CallState(clock=lambda: 12.5).apply(message)
    snap = ChannelSnapshot.read(header_map(message))
    assert snap is not None
    expected = Channel(**{f: getattr(snap, f) for f in _SNAPSHOT_FIELDS}, created_at=12.5, **fields)  # type: ignore[arg-type]
    assert isinstance(added, ChannelAdded) and type(added.channel) is Channel
    assert field_values(added.channel) == field_values(expected) and added.channel == expected


def handed_out(change: Change) -> list[Channel]:
    if isinstance(change, ChannelUpdated):
        return [change.before, change.after]
    if isinstance(change, ChannelAdded | ChannelRemoved | DtmfDigit):
        return [change.channel]
    return []


def field_values(channel: Channel) -> tuple[object, ...]:
    return tuple(getattr(channel, f.name) for f in dataclasses.fields(Channel))


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_a_channel_handed_out_stays_as_it_was_whatever_comes_after(data: st.DataObject) -> None:
    """Changes and queries hand out snapshots: later events make new channels, never touch them."""
    pool = [
        *events("ami_09_originate_dial_bridge"),
        *events("ami_11_active_call_status_vars_redirect_hangup"),
        *events("chanspy_dial"),
        event("Rename", Channel="Local/300@test-0000001b;2", Newname="X/1", Uniqueid="1795673901.55"),
    ]
    picks = data.draw(st.lists(st.integers(0, len(pool) - 1), max_size=60))
    state = CallState(max_channels=5)
    seen: list[tuple[Channel, tuple[object, ...]]] = []
    for i in picks:
        for change in state.apply(pool[i]):
            seen += [(channel, field_values(channel)) for channel in handed_out(change)]
        seen += [(channel, field_values(channel)) for channel in state]
    for channel, values in seen:
        assert field_values(channel) == values


def test_a_hangup_with_the_block_its_channel_last_had_carries_the_channel_as_it_is() -> None:
    state = CallState()
    feed(state, [channel_event("Newchannel", "SIP/a-1", "1.1")])
    [update] = feed(state, [channel_event("VarSet", "SIP/a-1", "1.1", Variable="X", Value="1")])
    assert isinstance(update, ChannelUpdated)
    [removed] = feed(state, [channel_event("Hangup", "SIP/a-1", "1.1", Cause="16")])
    assert isinstance(removed, ChannelRemoved) and removed.channel == update.after
    assert removed.channel is update.after  # the same block: nothing read again, nothing copied


def test_a_hangup_with_a_new_block_carries_its_last_snapshot() -> None:
    state = CallState()
    feed(state, [channel_event("Newchannel", "SIP/a-1", "1.1")])
    hangup = channel_event("Hangup", "SIP/a-1", "1.1", Cause="16")
    hangup = AmiMessage(tuple((k, "Elsewhere") if k == "Context" else (k, v) for k, v in hangup.headers))
    [removed] = feed(state, [hangup])
    assert isinstance(removed, ChannelRemoved) and removed.channel.context == "Elsewhere"
    assert (removed.cause, removed.event) == (16, "Hangup")


def test_setting_what_a_channel_already_has_changes_nothing() -> None:
    state = CallState()
    feed(state, [channel_event("Newchannel", "SIP/a-1", "1.1")])
    before = state.channel("1.1")
    assert feed(state, [event("Rename", Channel="SIP/a-1", Newname="SIP/a-1", Uniqueid="1.1")]) == []
    assert state.channel("1.1") is before


def test_a_cdr_built_without_its_init_has_each_header_in_its_own_field() -> None:
    headers = {
        "UniqueID": "1.1", "Channel": "PJSIP/a-1", "DestinationChannel": "PJSIP/b-2", "Source": "1001",
        "Destination": "200", "DestinationContext": "test", "CallerID": '"A" <1001>',
        "LastApplication": "Dial", "LastData": "PJSIP/b", "StartTime": "2026-12-06 10:00:00",
        "AnswerTime": "2026-12-06 10:00:05", "EndTime": "2026-12-06 10:01:00", "Duration": "60",
        "BillableSeconds": "55", "Disposition": "ANSWERED", "AccountCode": "acct", "UserField": "u",
    }  # fmt: skip
    read = CdrRecord.read(header_map(AmiMessage.build(("Event", "Cdr"), *headers.items())))
    assert type(read) is CdrRecord
    assert read == CdrRecord(
        uniqueid="1.1", channel="PJSIP/a-1", destination_channel="PJSIP/b-2", source="1001",
        destination="200", destination_context="test", caller_id='"A" <1001>', last_application="Dial",
        last_data="PJSIP/b", start_time="2026-12-06 10:00:00", answer_time="2026-12-06 10:00:05",
        end_time="2026-12-06 10:01:00", duration_s=60, billable_s=55, disposition="ANSWERED",
        account_code="acct", user_field="u",
    )  # fmt: skip
