"""The AMI events the ACD acts on, read off the call-state changes (pure: events in, signals out)."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from cti.acd_bridge.signals import (
    CallbackAnswered,
    CallbackEnded,
    CallerGone,
    DialEnded,
    Resync,
    Signal,
    SignalReader,
)
from cti.ami.protocol import AmiMessage
from cti.ami.state import CallState

CALLER = ("PJSIP/pstn-00000001", "1700000000.1")
AGENT_LEG = ("PJSIP/1001-00000002", "1700000000.2")


def snapshot(
    channel: tuple[str, str], context: str, exten: str, state: int = 6, prefix: str = ""
) -> list[tuple[str, str]]:
    name, uid = channel
    return [
        (f"{prefix}Channel", name),
        (f"{prefix}ChannelState", str(state)),
        (f"{prefix}ChannelStateDesc", "Up" if state == 6 else "Ringing"),
        (f"{prefix}CallerIDNum", "13800000001"),
        (f"{prefix}CallerIDName", "<unknown>"),
        (f"{prefix}ConnectedLineNum", "<unknown>"),
        (f"{prefix}ConnectedLineName", "<unknown>"),
        (f"{prefix}Language", "zh"),
        (f"{prefix}AccountCode", ""),
        (f"{prefix}Context", context),
        (f"{prefix}Exten", exten),
        (f"{prefix}Priority", "1"),
        (f"{prefix}Uniqueid", uid),
        (f"{prefix}Linkedid", CALLER[1]),
    ]


def event(
    name: str, *headers: Sequence[tuple[str, str]], extra: Sequence[tuple[str, str]] = ()
) -> AmiMessage:
    fields: list[tuple[str, str]] = [("Event", name)]
    for block in headers:
        fields += block
    return AmiMessage((*fields, *extra))


def read(events: Sequence[AmiMessage]) -> list[Signal]:
    state, reader = CallState(), SignalReader()
    return [signal for e in events for change in state.apply(e) for signal in reader.feed(change)]


def dial(status: str, context: str = "acd-connect", exten: str = "1001") -> list[AmiMessage]:
    caller = snapshot(CALLER, context, exten)
    dest = snapshot(AGENT_LEG, context, exten, 5, prefix="Dest")
    return [
        event("Newchannel", snapshot(CALLER, "acd-wait", "s")),
        event("Newexten", caller, extra=[("Application", "Dial"), ("AppData", "PJSIP/1001,15")]),
        event("DialBegin", caller, dest, extra=[("DialString", "1001")]),
        event("DialState", caller, dest, extra=[("DialStatus", "RINGING")]),
        event("DialEnd", caller, dest, extra=[("DialStatus", status)]),
    ]


def test_the_dial_end_of_the_caller_names_the_agents_extension_and_the_status() -> None:
    assert read(dial("ANSWER")) == [DialEnded(CALLER[1], "1001", "ANSWER")]
    assert read(dial("NOANSWER")) == [DialEnded(CALLER[1], "1001", "NOANSWER")]


def test_dials_outside_acd_connect_are_not_the_acds() -> None:
    assert read(dial("ANSWER", context="qa-spy", exten="s")) == []


def test_a_caller_hanging_up_in_the_acds_contexts_is_gone_elsewhere_it_is_not() -> None:
    for context, expected in (
        ("acd-wait", True),
        ("acd-connect", True),
        ("hotline", False),
        ("qa-spy", False),
    ):
        events = [
            event("Newchannel", snapshot(CALLER, context, "s")),
            event("Hangup", snapshot(CALLER, context, "s"), extra=[("Cause", "16"), ("Cause-txt", "Normal")]),
        ]
        assert read(events) == ([CallerGone(CALLER[1], context)] if expected else [])


def test_the_agents_leg_hanging_up_is_not_the_caller_leaving() -> None:
    events = [
        *dial("ANSWER"),
        event("Hangup", snapshot(AGENT_LEG, "acd-connect", "1001"), extra=[("Cause", "16")]),
    ]
    assert read(events) == [DialEnded(CALLER[1], "1001", "ANSWER")]


def callback_leg(up: bool) -> list[AmiMessage]:
    leg = ("PJSIP/1001-00000009", "1700000000.9")
    ringing = snapshot(leg, "acd-callback", "13800000009", 5)
    events = [
        event("Newchannel", ringing),
        event(
            "VarSet", ringing, extra=[("Variable", "HOTLINE_CALLBACK"), ("Value", "callback-1700000000.1")]
        ),
        event("VarSet", ringing, extra=[("Variable", "HOTLINE_CALLBACK_AGENT"), ("Value", "agent-1001")]),
    ]
    if up:
        events.append(event("Newstate", snapshot(leg, "acd-callback", "13800000009", 6)))
    events.append(event("Hangup", snapshot(leg, "acd-callback", "13800000009", 6 if up else 5)))
    return events


def test_a_callbacks_agent_leg_answered_then_gone() -> None:
    assert read(callback_leg(up=True)) == [
        CallbackAnswered("callback-1700000000.1", "agent-1001", "1700000000.9"),
        CallbackEnded("callback-1700000000.1", "agent-1001", answered=True),
    ]


def test_a_callbacks_agent_leg_that_never_came_up() -> None:
    assert read(callback_leg(up=False)) == [
        CallbackEnded("callback-1700000000.1", "agent-1001", answered=False)
    ]


def test_a_resync_after_a_reconnect_reports_callers_that_left_meanwhile() -> None:
    events = [
        event("Newchannel", snapshot(CALLER, "acd-wait", "s")),
        event("CoreShowChannelsComplete", extra=[("ActionID", "r1"), ("ListItems", "0")]),
    ]
    assert read(events) == [CallerGone(CALLER[1], "acd-wait"), Resync(0)]


@given(
    st.lists(
        st.sampled_from(["DialEnd", "Hangup", "Newexten", "VarSet", "Newstate", "BridgeEnter"]), max_size=30
    )
)
def test_any_sequence_of_events_is_read_without_error(names: list[str]) -> None:
    events = [
        event(n, snapshot(CALLER, "acd-connect", "1001"), extra=[("DialStatus", "ANSWER")]) for n in names
    ]
    for signal in read(events):
        assert isinstance(signal, DialEnded | CallerGone)
