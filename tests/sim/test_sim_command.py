"""``hotline sim`` as a user runs it: a raw TCP client logs in and originates, and panoramisk,
unchanged, connects to it like to an Asterisk."""

from __future__ import annotations

import asyncio

import panoramisk

from cti.ami.protocol import AmiMessage, AmiParser
from tests.support.sim_process import sim_process


async def test_a_raw_tcp_client_logs_in_and_originates() -> None:
    with sim_process() as sim:
        reader, writer = await asyncio.open_connection(sim.host, sim.ami_port)
        assert await reader.readline() == b"Asterisk Call Manager/11.0.0\r\n"
        writer.write(f"Action: Login\r\nUsername: {sim.username}\r\nSecret: {sim.secret}\r\n\r\n".encode())
        writer.write(
            b"Action: Originate\r\nChannel: Local/100@test\r\nApplication: Wait\r\nData: 1\r\n"
            b"Async: true\r\nActionID: o-1\r\n\r\n"
        )
        parser = AmiParser()
        seen: list[AmiMessage] = []
        async with asyncio.timeout(10):
            while not any(m.event == "OriginateResponse" for m in seen):
                seen += [m for m in parser.feed(await reader.read(65536)) if isinstance(m, AmiMessage)]
        assert seen[0].get("Message") == "Authentication accepted"
        queued = next(m for m in seen if m.action_id == "o-1" and m.response)
        assert queued.get("Message") == "Originate successfully queued"
        response = next(m for m in seen if m.event == "OriginateResponse")
        assert (response.get("Response"), response.get("Reason")) == ("Success", "4")
        writer.close()


async def test_panoramisk_connects_unchanged() -> None:
    with sim_process() as sim:
        manager = panoramisk.Manager(
            host=sim.host, port=sim.ami_port, username=sim.username, secret=sim.secret, ping_delay=60
        )
        hangups: list[str] = []
        both_gone = asyncio.Event()
        logged_in = asyncio.Event()

        def on_hangup(_manager: object, event: panoramisk.Message) -> None:
            hangups.append(event.channel)
            if len(hangups) == 2:
                both_gone.set()

        manager.register_event("Hangup", on_hangup)
        manager.register_event("FullyBooted", lambda _m, _e: logged_in.set())
        await manager.connect()
        try:
            async with asyncio.timeout(10):
                await logged_in.wait()  # FullyBooted follows a successful Login
                pong = await manager.send_action({"Action": "Ping"})
                assert pong.ping == "Pong"
                reply = await manager.send_action(
                    {
                        "Action": "Originate",
                        "Channel": "Local/100@test",
                        "Application": "Wait",
                        "Data": "1",
                        "Async": "false",
                    },
                )
                assert reply.success and reply.message == "Originate successfully queued"
                await both_gone.wait()
        finally:
            manager.close()
        assert sorted(h[-2:] for h in hangups) == [";1", ";2"]
