"""End to end against a PBX that speaks real AMI (fixture ``pbx``: today the real Asterisk 22).

The dialplan is ``conf/extensions.sample.conf`` of ../shared/asterisk: ``100@test`` answers and
waits; the originated ``;1`` leg runs ``Wait(N)`` and hangs up, which ends the call.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from cti.ami.channels import Change, ChannelAdded, ChannelRemoved, ChannelUpdated
from cti.ami.client import AmiClient
from cti.ami.errors import AmiActionError
from cti.ami.settings import AmiSettings
from tests.cti.ami.conftest import Pbx
from tests.cti.ami.tcp_proxy import TcpProxy

pytestmark = pytest.mark.conformance


@asynccontextmanager
async def client_of(settings: AmiSettings) -> AsyncIterator[AmiClient]:
    client = AmiClient(settings)
    async with client:
        await client.wait_connected(timeout_s=10)
        yield client


async def until(predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not predicate():  # noqa: ASYNC110  # the state has no event of its own to wait on
            await asyncio.sleep(0.02)


async def test_login_actions_and_variables(pbx: Pbx) -> None:
    async with client_of(pbx.settings()) as client:
        assert client.version  # "11.0.0" on Asterisk 22
        assert await client.ping() < 1
        await client.setvar("HOTLINE_CONFORMANCE", "42")
        assert await client.getvar("HOTLINE_CONFORMANCE") == "42"
        assert await client.getvar("HOTLINE_NO_SUCH_VAR") == ""
        assert await client.command("core show version")
        with pytest.raises(AmiActionError, match="No such channel"):
            await client.hangup("Local/nope-00000000;1")
        with pytest.raises(AmiActionError):
            await client.action("HotlineNoSuchAction")
        await client.ping()  # the errors did not hurt the session


async def test_md5_login(pbx: Pbx) -> None:
    async with client_of(pbx.settings(auth="md5")) as client:
        await client.ping()


async def test_originated_call_in_the_state_from_newchannel_to_hangup(pbx: Pbx) -> None:
    async with client_of(pbx.settings()) as client:
        changes = client.changes()
        call = await client.originate(
            "Local/100@test", application="Wait", data="1", caller_id='"Hotline" <1001>'
        )
        outcome = await call.outcome(timeout_s=10)
        assert outcome.success and outcome.reason == 4
        linkedid = outcome.uniqueid
        assert linkedid is not None
        seen: list[Change] = []
        async with asyncio.timeout(10):
            while not (seen and client.state.call(linkedid) == [] and _removed(seen, linkedid) == 2):
                seen.append(await changes.get())
        added = [c.channel for c in seen if isinstance(c, ChannelAdded) and c.channel.linkedid == linkedid]
        assert [c.name.rsplit(";", 1)[1] for c in added] == ["1", "2"]
        leg1, leg2 = added
        assert leg1.uniqueid == linkedid and leg1.name.startswith("Local/100@test-")
        assert leg2.linkedid == linkedid and leg2.uniqueid != linkedid
        ups = [
            c.after.uniqueid
            for c in seen
            if isinstance(c, ChannelUpdated) and c.after.is_up and not c.before.is_up
        ]
        assert set(ups) == {leg1.uniqueid, leg2.uniqueid}
        last_leg1 = [
            c.after for c in seen if isinstance(c, ChannelUpdated) and c.after.uniqueid == leg1.uniqueid
        ][-1]
        assert last_leg1.local_peer == leg2.uniqueid and last_leg1.caller.number == "1001"
        assert client.state.channel(leg1.uniqueid) is None and client.state.channel(leg2.uniqueid) is None


def _removed(seen: list[Change], linkedid: str) -> int:
    return sum(isinstance(c, ChannelRemoved) and c.channel.linkedid == linkedid for c in seen)


async def test_resync_after_a_forced_reconnect_while_calls_are_up(pbx: Pbx) -> None:
    proxy = TcpProxy(pbx.host, pbx.port)
    await proxy.start()
    try:
        async with (
            client_of(pbx.settings(host=proxy.host, port=proxy.port)) as client,
            client_of(pbx.settings()) as other,
        ):
            first = await (await client.originate("Local/100@test", application="Wait", data="3")).outcome(10)
            assert first.uniqueid is not None
            await until(lambda: len(client.state.call(first.uniqueid)) == 2)  # type: ignore[arg-type]

            # cut the connection under the client and keep it out while the world moves on
            proxy.refuse = True
            proxy.kill_all()
            await until(lambda: not client.connected.is_set())
            stale = _stale_channel()
            client.state.apply(stale)
            second = await (await other.originate("Local/100@test", application="Wait", data="2")).outcome(10)
            assert second.uniqueid is not None
            await until(lambda: len(other.state.call(second.uniqueid)) == 2)  # type: ignore[arg-type]
            assert client.state.call(second.uniqueid) == []
            await until(lambda: proxy.refused >= 2)  # the client kept trying meanwhile

            proxy.refuse = False
            await client.wait_connected(timeout_s=10)
            assert proxy.accepted >= 2
            # rebuilt from CoreShowChannels: the call it missed is there, the stale channel is gone
            assert client.state.channel("1700000000.999") is None
            for linkedid in (first.uniqueid, second.uniqueid):
                mine = {(c.uniqueid, c.name, c.linkedid, c.is_up) for c in client.state.call(linkedid)}
                theirs = {(c.uniqueid, c.name, c.linkedid, c.is_up) for c in other.state.call(linkedid)}
                assert mine == theirs and len(mine) == 2
            # and the events keep it current: both calls end
            await until(
                lambda: not client.state.call(first.uniqueid) and not client.state.call(second.uniqueid)
            )  # type: ignore[arg-type]
    finally:
        await proxy.stop()


def _stale_channel() -> Any:
    from cti.ami.protocol import AmiMessage

    return AmiMessage.build(
        ("Event", "Newchannel"),
        ("Channel", "Local/gone@test-00000999;1"),
        ("ChannelState", "6"),
        ("Uniqueid", "1700000000.999"),
        ("Linkedid", "1700000000.999"),
    )
