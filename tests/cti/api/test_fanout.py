"""Issue 17, WebSocket fan-out: a busy feed costs one frame and one access check per client per
interval, not per message; the users' standing is re-read for everyone due at once."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSMsgType
from prometheus_client import CollectorRegistry, Counter
from sqlalchemy import select, update

from cti.access.auth import Authenticator, Session
from cti.access.login_throttle import LoginThrottle
from cti.access.roles import Principal
from cti.access.standing import StandingReads
from cti.access.tokens import TokenSigner
from cti.api.keys import AUTH, HUB
from cti.api.settings import ApiSettings
from cti.notifier import Hub
from storage.agents import AgentRecord
from storage.users import Role, User

from .conftest import ApiEnv, make_env


async def test_a_busy_feed_goes_out_one_frame_an_interval() -> None:
    hub = Hub(frame_interval_s=0.2)
    sub = hub.subscribe(["floor:lanzhou"])
    hub.publish("floor:lanzhou", "floor.agent", {"n": 0})
    started = time.monotonic()
    assert json.loads(await sub.next_batch())["data"] == {"n": 0}
    assert time.monotonic() - started < 0.1  # the first after a quiet spell: at once

    async def publish_later() -> None:
        for n in range(1, 6):
            await asyncio.sleep(0.01)
            hub.publish("floor:lanzhou", "floor.agent", {"n": n})

    publisher = asyncio.create_task(publish_later())
    frame = json.loads(await sub.next_batch())  # waits out the interval: all five in one frame
    waited = time.monotonic() - started
    await publisher
    assert [m["data"]["n"] for m in frame] == [1, 2, 3, 4, 5]
    assert 0.19 <= waited < 1.0
    assert sub.frames == 2 and sub.dropped == 0


async def test_a_paced_subscriber_still_loses_its_oldest_when_full() -> None:
    hub = Hub(queue_size=3, frame_interval_s=0.1)
    sub = hub.subscribe(["floor:lanzhou"])
    hub.publish("floor:lanzhou", "floor.agent", {"n": 0})
    await sub.next_batch()
    for n in range(1, 6):
        hub.publish("floor:lanzhou", "floor.agent", {"n": n})
    assert [m["data"]["n"] for m in json.loads(await sub.next_batch())] == [3, 4, 5]
    assert sub.dropped == 2 and hub.dropped == 2


async def test_the_standing_of_every_user_due_at_once_is_one_read(api: ApiEnv) -> None:
    async with api.sessions() as db:
        await db.execute(update(User).where(User.username == "sup.lanzhou").values(active=False))
        await db.execute(update(AgentRecord).where(AgentRecord.agent_id == "agent-1002").values(active=False))
        ids = {u.username: u.id for u in (await db.execute(User.__table__.select())).all()}
        await db.commit()
    reads = StandingReads(api.sessions, chunk=2)
    who = {
        "agent1001": Principal(ids["agent1001"], "agent1001", Role.AGENT_JUNIOR, "lanzhou", "agent-1001"),
        "retired": Principal(ids["agent1002"], "agent1002", Role.AGENT_JUNIOR, "lanzhou", "agent-1002"),
        "other agent": Principal(ids["agent1003"], "agent1003", Role.AGENT_SENIOR, "lanzhou", "agent-1001"),
        "disabled": Principal(ids["sup.lanzhou"], "sup.lanzhou", Role.SUPERVISOR, "lanzhou"),
        "provincial": Principal(ids["sup.province"], "sup.province", Role.SUPERVISOR, "province"),
        "nobody": Principal(99_999, "nobody", Role.SUPERVISOR, "province"),
    }
    checks = [reads.allowed(p) for p in who.values() for _ in range(20)]  # 120 checks, 6 users
    answers = await asyncio.gather(*checks)
    by_name = dict(zip(who, answers[::20], strict=True))
    assert by_name == {
        "agent1001": True,
        "retired": False,
        "other agent": False,
        "disabled": False,
        "provincial": True,
        "nobody": False,
    }
    assert reads.reads == 3  # 6 users in chunks of 2; the 20 checks of each user share theirs
    assert await reads.allowed(who["agent1001"]) and reads.reads == 4  # a later check: a new read


async def test_a_burst_to_a_socket_is_few_frames_each_checked_once(tmp_path: Path) -> None:
    async for api in make_env(tmp_path, api=ApiSettings(ws_frame_interval_s=0.05)):
        await _burst(api)


async def _burst(api: ApiEnv) -> None:
    app = api.client.server.app
    auth = app[AUTH]
    checks = 0
    still_valid = auth.still_valid

    async def counted(session: Any) -> bool:
        nonlocal checks
        checks += 1
        return bool(await still_valid(session))

    ws = await api.client.ws_connect("/api/ws")
    await ws.send_json({"type": "auth", "token": await api.token("sup.province")})
    assert (await ws.receive_json(timeout=5))["type"] == "hello"
    while True:  # the snapshot (the wallboard) first
        msg = await ws.receive(timeout=0.5 + app[HUB].frame_interval_s)
        if "wallboard" in msg.data:
            break
    auth.still_valid = counted  # type: ignore[method-assign]
    hub = app[HUB]
    for n in range(200):
        hub.publish("floor:province", "floor.agent", {"n": n})
        await asyncio.sleep(0)  # each message in its own turn of the event loop: the writer could send it
    got: list[int] = []
    frames = 0
    while len(got) < 200:
        msg = await ws.receive(timeout=5)
        assert msg.type is WSMsgType.TEXT
        data = json.loads(msg.data)
        frames += 1
        got += [
            m["data"]["n"] for m in (data if isinstance(data, list) else [data]) if m["type"] == "floor.agent"
        ]
    assert got == list(range(200))
    assert frames <= 10 and checks <= frames + 1  # per frame (and the watch's), not per message
    await ws.close()


async def test_open_sockets_are_rechecked_in_one_sweep_and_only_the_withdrawn_one_closes(
    tmp_path: Path,
) -> None:
    recheck_s = 0.2
    async for api in make_env(tmp_path, api=ApiSettings(access_recheck_s=recheck_s)):
        auth = api.client.server.app[AUTH]
        people = ["agent1001", "agent1002", "agent1003", "sup.lanzhou", "sup.province", "qa.lanzhou"]
        sockets = {}
        for username in people:
            ws = await api.client.ws_connect("/api/ws")
            await ws.send_json({"type": "auth", "token": await api.token(username)})
            assert (await ws.receive_json(timeout=5))["type"] == "hello"
            sockets[username] = ws
        reads = auth.standing_reads
        await asyncio.sleep(recheck_s * 5)
        # one read a sweep for the six (a socket each: about six times as many)
        assert auth.standing_reads - reads <= 5 + 2
        async with api.sessions() as db:
            await db.execute(update(User).where(User.username == "sup.lanzhou").values(active=False))
            await db.commit()
        ws = sockets.pop("sup.lanzhou")
        started = time.monotonic()
        while (await ws.receive(timeout=recheck_s * 10)).type is WSMsgType.TEXT:
            pass
        assert ws.close_code == 4401 and time.monotonic() - started < recheck_s * 10
        await asyncio.sleep(recheck_s * 2)
        assert not any(other.closed for other in sockets.values())
        for other in sockets.values():
            await other.close()


def _authenticator(api: ApiEnv, **options: Any) -> Authenticator:
    return Authenticator(
        api.sessions,
        TokenSigner("k" * 32, 3600),
        LoginThrottle(),
        Counter("logins", "sign-ins", ["result"], registry=CollectorRegistry()),
        time.time,
        **options,
    )


async def test_a_sweep_that_reads_longer_than_recheck_s_keeps_the_users_it_knew(api: ApiEnv) -> None:
    """The answers known when the sweep began stand, though they age past ``recheck_s`` while the
    others are read (a slow database must not close sockets of users in good standing)."""
    now = [0.0]
    auth = _authenticator(api, recheck_s=1.0, monotonic=lambda: now[0])
    async with api.sessions() as db:
        ids = {u.username: u.id for u in (await db.execute(User.__table__.select())).all()}
    first = Session(
        Principal(ids["sup.lanzhou"], "sup.lanzhou", Role.SUPERVISOR, "lanzhou"), "j1", time.time() + 60
    )
    second = Session(
        Principal(ids["sup.province"], "sup.province", Role.SUPERVISOR, "province"), "j2", time.time() + 60
    )
    assert await auth.still_valid(first)  # known from now on, for a second
    now[0] = 0.5
    real_read = StandingReads.read

    async def slow_read(self: StandingReads, who: Any) -> dict[tuple[int, str | None], bool]:
        now[0] = 5.0  # the read outlasts recheck_s
        return await real_read(self, who)

    StandingReads.read = slow_read  # type: ignore[method-assign]
    try:
        assert await auth.still_valid_all([first, second]) == [True, True]
    finally:
        StandingReads.read = real_read  # type: ignore[method-assign]


def _sweep_task() -> asyncio.Task[Any]:
    (task,) = [t for t in asyncio.all_tasks() if t.get_name() == "api access watch"]
    return task


async def _watched_sweep(
    api: ApiEnv, monkeypatch: pytest.MonkeyPatch
) -> tuple[Authenticator, Session, asyncio.Event, list[str]]:
    """An Authenticator watching one session whose sweep is held inside its database read until
    the returned event is set; the list says how that read ended."""
    auth = _authenticator(api, recheck_s=0.05)
    async with api.sessions() as db:
        user_id = (await db.execute(select(User.id).where(User.username == "sup.lanzhou"))).scalar_one()
    session = Session(Principal(user_id, "sup.lanzhou", Role.SUPERVISOR, "lanzhou"), "j1", time.time() + 60)
    real_read = StandingReads.read
    release, reading, ends = asyncio.Event(), asyncio.Event(), []

    async def held_read(self: StandingReads, who: Any) -> dict[tuple[int, str | None], bool]:
        reading.set()
        try:
            await release.wait()
            found = await real_read(self, who)
        except asyncio.CancelledError:
            ends.append("cancelled")
            raise
        ends.append("read")
        return found

    monkeypatch.setattr(StandingReads, "read", held_read)
    auth.watch(session)
    await asyncio.wait_for(reading.wait(), 5)
    return auth, session, release, ends


async def test_the_last_socket_closing_lets_the_sweep_finish_its_read(
    api: ApiEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancelled inside its database read, the sweep left its connection to be terminated later,
    which hung the event loop's close once the engine was disposed (seen in the suite)."""
    auth, session, release, ends = await _watched_sweep(api, monkeypatch)
    sweep = _sweep_task()
    auth.unwatch(session)  # the last socket closes while the sweep reads
    await asyncio.sleep(0.05)
    release.set()
    await asyncio.wait_for(sweep, 5)
    assert ends == ["read"] and not sweep.cancelled()


async def test_closing_the_authenticator_waits_for_its_sweep(
    api: ApiEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth, _, _, ends = await _watched_sweep(api, monkeypatch)
    sweep = _sweep_task()
    await asyncio.wait_for(auth.aclose(), 5)
    assert sweep.done() and ends == ["cancelled"]
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "api access watch"]


async def test_a_socket_the_client_closes_is_not_counted_as_a_server_error(api: ApiEnv) -> None:
    ws = await api.client.ws_connect("/api/ws")
    await ws.send_json({"type": "auth", "token": await api.token("agent1001")})
    assert (await ws.receive_json(timeout=5))["type"] == "hello"
    await ws.close()
    for _ in range(100):  # the handler's end is counted once it has run
        counted = {
            s.labels["status"]
            for m in api.registry.collect()
            if m.name == "hotline_api_requests"
            for s in m.samples
            if s.name.endswith("_total") and s.labels.get("route") == "websocket"
        }
        if counted:
            break
        await asyncio.sleep(0.02)
    assert counted and "500" not in counted
