"""``GET /api/ws``: the browser's live feed.

The client's first message authenticates (``{"type": "auth", "token": "..."}``, within
``AUTH_TIMEOUT_S``), so tokens never appear in URLs or access logs.  Topics follow the role:
agents get their own agent topic; supervisors and QA their floor and wallboard (their
prefecture's, or the province's); the manager hotline the escalations of their prefecture (a
provincial manager: every prefecture's); a department user their department's; everyone their
own user topic (a ticket's owner gets its alerts there).  The server answers
``hello`` with the topics, then a first snapshot (the agent's state, the wallboard), then
events as they happen: a frame holds one message, or a JSON array of messages when several were
waiting (a busy floor); a client gets at most one frame every ``[api] ws_frame_interval_s``
(the first after a quiet spell at once), so a busy floor costs a send and an access check per
interval, not per message.  The socket is closed (code 4401) when the token expires, is revoked
(signed out, on any node) or its user is disabled: checked before every frame sent and every
message read, and watched in between: every open socket of the node in one sweep a
``recheck_s``, at once when access changes on this node (:meth:`cti.access.auth.Authenticator.watch`).

Each connection has a bounded queue (:mod:`cti.notifier`); its writer sends from it, its
reader only watches for the close.  A client that reads too slowly loses old messages, never
holds anyone else up.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import structlog
from aiohttp import WSMsgType, web

from cti.access.auth import Authenticator, Session
from cti.access.roles import Permission, Principal
from cti.api.keys import AUTH, DESK, HUB, METRICS, WALLBOARD
from cti.errors import ApiError
from cti.notifier import Subscriber, agent_topic, department_topic, dumps, user_topic, wallboard_topics

__all__ = ["topics_for", "websocket"]

log = structlog.get_logger(__name__)

AUTH_TIMEOUT_S = 10.0
HEARTBEAT_S = 20.0


def topics_for(who: Principal) -> list[str]:
    topics = [user_topic(who.user_id)]
    if who.agent_id is not None and who.may(Permission.AGENT_DESK):
        topics.append(agent_topic(who.agent_id))
    if who.may(Permission.FLOOR_READ):
        scope = who.scope
        topics.append(f"floor:{scope or 'province'}")
        topics.append(wallboard_topics(scope))
    if who.manager_hotline:
        topics.append(f"managers:{who.prefecture}")  # escalations to the manager hotline
    if who.department is not None and who.may(Permission.DEPARTMENT_WORK):
        topics.append(department_topic(who.department))
    return topics


async def websocket(request: web.Request) -> web.StreamResponse:
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT_S, max_msg_size=16 * 1024)
    await ws.prepare(request)
    session = await _authenticate(request, ws)
    if session is None:
        return ws
    who = session.principal
    app = request.app
    hub, metrics = app[HUB], app[METRICS]
    topics = topics_for(who)
    sub = hub.subscribe(topics)
    metrics.ws_clients.inc()
    log.info("api websocket open", user_id=who.user_id)
    try:
        await ws.send_str(dumps({"type": "hello", "data": {"topics": topics, "user_id": who.user_id}}))
        for kind, data in await _snapshot(app, who):
            sub.offer(dumps({"type": kind, "ts": 0, "data": data}))
        auth = app[AUTH]
        writer = asyncio.create_task(_write(ws, sub, metrics.ws_sent.inc, auth, session), name="ws writer")
        reader = asyncio.create_task(_read(ws, auth, session), name="ws reader")
        ended = auth.watch(session)  # one sweep for every open socket of the node
        tasks = [writer, reader]
        waiting: list[asyncio.Future[Any]] = [writer, reader, ended]
        try:
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            withdrawn = ended.done() and not ended.cancelled()
            withdrawn = withdrawn or any(t.done() and t.exception() is None and t.result() for t in tasks)
        finally:
            auth.unwatch(session)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if withdrawn and not ws.closed:
            log.info("api websocket access withdrawn", user_id=who.user_id)
            await ws.close(code=4401, message=b"signed out, disabled or expired")
    finally:
        hub.unsubscribe(sub)
        metrics.ws_clients.dec()
        if not ws.closed:
            await ws.close()
        log.info("api websocket closed", user_id=who.user_id, dropped=sub.dropped)
    return ws


async def _authenticate(request: web.Request, ws: web.WebSocketResponse) -> Session | None:
    try:
        async with asyncio.timeout(AUTH_TIMEOUT_S):
            msg = await ws.receive()
    except TimeoutError:
        await ws.close(code=4401, message=b"authenticate first")
        return None
    if msg.type is not WSMsgType.TEXT:
        await ws.close(code=4401, message=b"authenticate first")
        return None
    try:
        data = json.loads(msg.data)
        token = data.get("token") if isinstance(data, dict) and data.get("type") == "auth" else None
        return await request.app[AUTH].session(token if isinstance(token, str) else None)
    except (ValueError, ApiError) as exc:
        error_id = exc.error_id if isinstance(exc, ApiError) else "request-invalid"
        await ws.send_str(dumps({"type": "error", "data": {"error_id": error_id}}))
        await ws.close(code=4401, message=b"not authenticated")
        return None


async def _snapshot(app: web.Application, who: Principal) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    try:
        if who.agent_id is not None and who.may(Permission.AGENT_DESK):
            out.append(("agent.state", await app[DESK].state(who)))
        if who.may(Permission.FLOOR_READ):
            out.append(("wallboard", await app[WALLBOARD].snapshot(who.scope)))
    except ApiError:
        pass  # no ACD on this node, or no such agent: the events will tell
    return out


async def _write(
    ws: web.WebSocketResponse, sub: Subscriber, sent: Any, auth: Authenticator, session: Session
) -> bool:
    """Send as events come, a frame per interval at most; True when access was withdrawn (checked
    before every frame)."""
    while not ws.closed:
        batch = await sub.next_batch()
        if not await auth.still_valid(session):
            return True
        await ws.send_str(batch)
        sent()
    return False


async def _read(ws: web.WebSocketResponse, auth: Authenticator, session: Session) -> bool:
    """Until the client closes; True when a message came after access was withdrawn."""
    async for msg in ws:
        if msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
            return False
        if not await auth.still_valid(session):
            return True
    return False
