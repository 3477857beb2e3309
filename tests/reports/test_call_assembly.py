"""Who ended a call, and why, when the node did not see it end: its channels dropped at a resync."""

from __future__ import annotations

import pytest

from cti.ami.channels import NETWORK_OUT_OF_ORDER, Channel, ChannelAdded, ChannelRemoved
from cti.ami.events import Party as Number
from reports.call_assembly import CallAssembly
from reports.records import CallOutcome, Party

LISTED = "CoreShowChannelsComplete"


def caller_channel() -> Channel:
    number = Number("13800000001", "")
    return Channel(
        "Local/100@acd-callers-00000001;2", "1.1", "1.1", 6, "Up", number, number, "acd-wait", "s", 2
    )


@pytest.mark.parametrize(
    ("restarted", "by", "cause"),
    [(True, Party.SYSTEM, NETWORK_OUT_OF_ORDER), (False, Party.CALLER, 16)],
    ids=["asterisk-restarted", "ami-reconnected"],
)
def test_a_call_gone_with_a_restarted_asterisk_was_cut_by_the_system(
    restarted: bool, by: Party, cause: int
) -> None:
    assembly = CallAssembly(default_prefecture="lanzhou", cdr_grace_s=0.0, settle_s=0.0)
    channel = caller_channel()
    assembly.on_change(ChannelAdded(channel, "Newchannel"), 100.0)
    removed = (
        ChannelRemoved(channel, LISTED, NETWORK_OUT_OF_ORDER, "Asterisk restarted", pbx_restarted=True)
        if restarted
        else ChannelRemoved(channel, LISTED)
    )
    assembly.on_change(removed, 130.0)
    (finished,) = assembly.finished(131.0)
    record = finished.record
    assert (record.hung_up_by, record.cause, record.outcome) == (by, cause, CallOutcome.ABANDONED_IN_IVR)
