"""Connecting a caller whose channel the AMI state does not know: looked for a moment (another node
may have heard of the caller first), then the caller is gone -- unless the AMI session was lost
meanwhile: then nothing is known of the caller, and the connect fails without dropping them."""

from __future__ import annotations

import asyncio

import pytest

from acd.errors import CallerGone, TelephonyError
from acd.model import Segment, SkillRequirement, WaitingCall
from cti.acd_bridge import telephony
from cti.acd_bridge.telephony import AmiTelephony
from cti.ami.state import CallState
from tests.acd.support import agent
from tests.cti.acd_bridge.test_signals import event, snapshot

CALLER = ("PJSIP/pstn-00000001", "1.1")


class Ami:
    def __init__(self) -> None:
        self.state = CallState()
        self.connected = asyncio.Event()
        self.connected.set()
        self.redirects: list[tuple[str, str, str]] = []

    async def redirect(self, channel: str, context: str, exten: str, priority: int) -> None:
        self.redirects.append((channel, context, exten))


def waiting(uniqueid: str = CALLER[1]) -> WaitingCall:
    return WaitingCall(uniqueid, SkillRequirement("billing"), Segment.NORMAL, "chengdu", 0.0, "ordinary")


@pytest.fixture(autouse=True)
def short_settle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(telephony, "CHANNEL_SETTLE_S", 0.3)


async def test_a_caller_whose_channel_shows_up_late_is_connected() -> None:
    ami = Ami()
    line = AmiTelephony(ami, ring_timeout_s=15.0)  # type: ignore[arg-type]
    asyncio.get_running_loop().call_later(
        0.1, ami.state.apply, event("Newchannel", snapshot(CALLER, "acd-wait", "s"))
    )
    await line.connect(waiting(), agent("a1"))
    assert ami.redirects == [(CALLER[0], "acd-connect", "ext-a1")]


async def test_a_caller_the_ami_state_never_shows_is_gone() -> None:
    ami = Ami()
    with pytest.raises(CallerGone):
        await AmiTelephony(ami, ring_timeout_s=15.0).connect(waiting(), agent("a1"))  # type: ignore[arg-type]
    assert ami.redirects == []


async def test_a_session_lost_while_looking_is_no_proof_the_caller_left() -> None:
    ami = Ami()
    asyncio.get_running_loop().call_later(0.1, ami.connected.clear)
    with pytest.raises(TelephonyError) as failed:
        await AmiTelephony(ami, ring_timeout_s=15.0).connect(waiting(), agent("a1"))  # type: ignore[arg-type]
    assert not isinstance(failed.value, CallerGone) and ami.redirects == []
