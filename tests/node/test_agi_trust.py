"""Security finding 1: a fake "Asterisk" on the FastAGI port.  It wrote the whole environment
and answered GET VARIABLE itself, so it could register callbacks to any number, jump the queue as
VIP and inflate the abandoned-call count.  Now a peer outside ``allowed_peers`` is closed unread,
and a session runs only for a channel the AMI state knows with the same uniqueid, caller ID and
context (looked for again with back-off while AMI catches up)."""

from __future__ import annotations

import asyncio
import time

from cti.agi.environment import AgiEnvironment, parse_environment
from cti.agi.server import FastAgiServer
from cti.agi.session import AgiSession
from cti.ami.channels import Channel
from cti.ami.events import Party
from node.agi_trust import ChannelVouch, describes


def _channel(
    uniqueid: str = "1700000000.1", number: str = "13800000001", context: str = "acd-wait"
) -> Channel:
    return Channel(
        name="PJSIP/pstn-00000001", uniqueid=uniqueid, linkedid=uniqueid, state=6, state_desc="Up",
        caller=Party(number, ""), connected=Party(), context=context, exten="s", priority=1,
    )  # fmt: skip


def _env_block(uniqueid: str, callerid: str, context: str = "acd-wait") -> bytes:
    lines = {
        "agi_network": "yes", "agi_network_script": "acd-wait", "agi_request": "agi://127.0.0.1/acd-wait",
        "agi_channel": "PJSIP/pstn-00000001", "agi_language": "en", "agi_type": "PJSIP",
        "agi_uniqueid": uniqueid, "agi_version": "22.0.0", "agi_callerid": callerid,
        "agi_calleridname": "x", "agi_callingpres": "0", "agi_callingani2": "0", "agi_callington": "0",
        "agi_callingtns": "0", "agi_dnid": "10000", "agi_rdnis": "unknown", "agi_context": context,
        "agi_extension": "s", "agi_priority": "1", "agi_enhanced": "0.0", "agi_accountcode": "",
        "agi_threadid": "1",
    }  # fmt: skip
    return "".join(f"{k}: {v}\n" for k, v in lines.items()).encode() + b"\n"


def _env(uniqueid: str, callerid: str) -> AgiEnvironment:
    return parse_environment(_env_block(uniqueid, callerid).decode().splitlines())


async def _fake_peer(port: int, block: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(block)
    await writer.drain()
    received = b""
    try:
        async with asyncio.timeout(10):
            while chunk := await reader.read(4096):
                received += chunk
                if b"FAILURE" in received:
                    break
                if b"VERBOSE" in received or b"SET VARIABLE" in received or b"GET" in received:
                    writer.write(b"200 result=1\n")  # answer whatever it asks, as the fake did
                    await writer.drain()
    except (ConnectionResetError, BrokenPipeError):
        pass  # the server closed first: what it sent is in received
    finally:
        writer.close()
    return received


async def test_a_fake_peer_with_an_unknown_channel_reaches_no_handler() -> None:
    known = {"1700000000.1": _channel()}
    ran: list[str] = []

    async def handler(session: AgiSession) -> None:
        ran.append(session.env.uniqueid)

    vouch = ChannelVouch(known.get, wait_s=0.3)
    async with FastAgiServer({"acd-wait": handler}, port=0, vouch=vouch) as server:
        # 200 fake sessions at once, as the probe sent: none runs, none is counted anywhere
        started = time.monotonic()
        replies = await asyncio.gather(
            *(_fake_peer(server.port, _env_block(f"999.{n}", "0090012345678")) for n in range(200))
        )
        assert all(b"FAILURE" in r for r in replies)
        assert time.monotonic() - started < 10
        # the real call's uniqueid with someone else's caller ID, or in another context: refused
        assert b"FAILURE" in await _fake_peer(server.port, _env_block("1700000000.1", "0090012345678"))
        assert b"FAILURE" in await _fake_peer(
            server.port, _env_block("1700000000.1", "13800000001", "hotline")
        )
        assert ran == []
        await _fake_peer(server.port, _env_block("1700000000.1", "13800000001"))
        assert ran == ["1700000000.1"]


async def test_a_peer_outside_the_allowed_list_is_closed_unread() -> None:
    ran: list[str] = []

    async def handler(session: AgiSession) -> None:
        ran.append(session.env.uniqueid)

    async with FastAgiServer({"acd-wait": handler}, port=0, allowed_peers=["192.0.2.10"]) as server:
        reply = await _fake_peer(server.port, _env_block("1700000000.1", "13800000001"))
    assert reply == b"" and ran == []


async def test_a_channel_that_appears_late_is_waited_for_with_back_off() -> None:
    known: dict[str, Channel] = {}
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 3:
            known["1700000000.1"] = _channel()  # AMI's Newchannel arrives

    env = _env("1700000000.1", "13800000001")
    assert await ChannelVouch(known.get, wait_s=3.0, sleep=sleep)(env)
    assert sleeps == [0.05, 0.1, 0.2]
    sleeps.clear()
    env = _env("1.2", "13800000001")
    assert not await ChannelVouch(known.get, wait_s=1.0, sleep=sleep)(env)
    assert sum(sleeps) == 1.0 and len(sleeps) <= 6  # bounded: never more than wait_s in all


def test_unknown_caller_ids_compare_as_empty() -> None:
    env = _env("1700000000.1", "unknown")
    assert describes(env, _channel(number=""))
    assert not describes(env, _channel())
    assert not describes(env, None)


async def test_without_an_ami_session_an_allowed_peer_is_served_unverified() -> None:
    """Asterisk restarting or the manager connection cut: no channel can be known, and refusing
    would turn away every caller of the outage (the allow-list still keeps other peers out)."""
    known: dict[str, Channel] = {}
    seeing = False
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        nonlocal seeing
        sleeps.append(seconds)

    env = _env("1.3", "13800000001")
    assert await ChannelVouch(known.get, wait_s=3.0, seeing=lambda: seeing, sleep=sleep)(env)
    assert sleeps == []  # at once: there is nothing to wait for
    seeing = True
    assert not await ChannelVouch(known.get, wait_s=0.2, seeing=lambda: seeing, sleep=sleep)(env)
