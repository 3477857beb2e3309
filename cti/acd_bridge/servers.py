"""Several Asterisk servers on one ACD: each caller's channel is acted on by its own server's node.

All servers' nodes share the ACD in Redis, so any node may reserve an agent for a caller waiting
on another server — the node where the agent became available, or whose timer ran out.  Only
the caller's server can ``Redirect`` its channel into ``[acd-connect]`` (which ``Dial``\\ s the
agent's endpoint from there) or back to ``[acd-wait]``; another node's AMI does not know the
channel (and took the caller for gone: issue 17).  :class:`ServerTelephony` is the ACD's
telephony port on a node: a waiting call of this node's server (``WaitingCall.server``, the
``[acd] node_id`` it was queued through) goes to the local AMI telephony; one of another server
is asked of that server's node through Redis and its outcome waited for, if that server has a
node (its ACD presence, ``<prefix>:acd:node:<server>``, is alive):

* the request is pushed onto ``<prefix>:acd:telephony:<server>`` (a list: a node taking the
  server over finds the requests its predecessor left); the node holding the server pops it,
  acts through its AMI and pushes the outcome (done, caller gone, failed) onto the request's
  reply key, which expires;
* the asking node raises what the local telephony would have raised (``CallerGone``,
  ``TelephonyError``), so the ACD settles the offer the same way; no reply within
  ``timeout_s`` (no node serving that server) is a ``TelephonyError``, and the request is
  dropped unserved when it is popped after that;
* a server with no node alive (presence expired: the server and its nodes are gone) is not
  asked: the entry is acted on here, as on one server — a caller of that server is not found
  and counts as gone (instead of failing offer after offer, pausing agent after agent); a
  callback is dialled from here.

A callback request keeps its caller's server (``CallbackRequest.server``): that server
originates the agent's leg, hears it answer and end, and is the one to hang it up.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from acd.codec import agent_from_json, agent_to_json, entry_from_json, entry_to_json
from acd.errors import CallerGone, TelephonyError
from acd.model import Agent, CallbackRequest, WaitingCall, WaitingEntry
from acd.telephony import OfferEnd
from cti.acd_bridge.telephony import AmiTelephony

__all__ = ["ServerTelephony"]

log = structlog.get_logger(__name__)

POLL_S = 1.0  # a blocking pop's wait (below the client's command timeout)
REPLY_TTL_S = 60


class ServerTelephony:
    """The telephony port of a node serving ``server``: its own callers through ``local``, other
    servers' callers through their nodes (see the module docstring)."""

    def __init__(
        self,
        local: AmiTelephony,
        redis: Redis,
        prefix: str,
        server: str,
        *,
        timeout_s: float = 8.0,
    ) -> None:
        self.local = local
        self.redis = redis
        self._prefix = prefix
        self.server = server
        self._timeout_s = timeout_s
        self._working: set[asyncio.Task[None]] = set()

    # -- the Telephony port ---------------------------------------------------------------
    async def connect(self, call: WaitingCall, agent: Agent) -> None:
        owner = await self._owner(call)
        if owner is None:
            await self.local.connect(call, agent)
        else:
            await self._ask(owner, "connect", call, agent)

    async def call_back(self, request: CallbackRequest, agent: Agent) -> None:
        owner = await self._owner(request)
        if owner is None:
            await self.local.call_back(request, agent)
        else:
            await self._ask(owner, "call_back", request, agent)

    async def cancel_offer(self, entry: WaitingEntry, agent: Agent, why: OfferEnd) -> None:
        owner = await self._owner(entry)
        if owner is None:
            await self.local.cancel_offer(entry, agent, why)
        else:
            await self._ask(owner, "cancel_offer", entry, agent, why.value)

    async def return_to_queue(self, entry: WaitingEntry, agent: Agent) -> None:
        owner = await self._owner(entry)
        if owner is None:
            await self.local.return_to_queue(entry, agent)
        else:
            await self._ask(owner, "return_to_queue", entry, agent)

    # -- serving the other nodes ------------------------------------------------------------
    async def serve(self) -> None:
        """Until cancelled: carry out the other servers' requests for this server's callers."""
        queue = self._queue(self.server)
        while True:
            try:
                popped = await self.redis.blpop([queue], timeout=POLL_S)
            except RedisError as exc:
                log.warning("acd server requests: Redis away", error=str(exc))
                await asyncio.sleep(POLL_S)
                continue
            if popped is None:
                continue
            task = asyncio.create_task(self._carry_out(str(popped[1])), name="acd server request")
            self._working.add(task)
            task.add_done_callback(self._working.discard)

    async def close(self) -> None:
        for task in list(self._working):
            task.cancel()
        if self._working:
            await asyncio.wait(self._working)

    async def _carry_out(self, text: str) -> None:
        try:
            request = json.loads(text)
            reply_key, op, deadline = request["reply"], request["op"], float(request["deadline"])
            entry, agent = entry_from_json(request["entry"]), agent_from_json(request["agent"])
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("acd server request malformed", error=str(exc))
            return
        if time.time() > deadline:
            log.warning("acd server request too late; dropped", op=op, uniqueid=entry.uniqueid)
            return
        outcome: dict[str, Any] = {"outcome": "done"}
        try:
            if op == "connect" and isinstance(entry, WaitingCall):
                await self.local.connect(entry, agent)
            elif op == "call_back" and isinstance(entry, CallbackRequest):
                await self.local.call_back(entry, agent)
            elif op == "cancel_offer":
                await self.local.cancel_offer(entry, agent, OfferEnd(request["why"]))
            elif op == "return_to_queue":
                await self.local.return_to_queue(entry, agent)
            else:
                outcome = {"outcome": "failed", "error": f"unknown request {op!r}"}
        except CallerGone as exc:
            outcome = {"outcome": "caller-gone", "error": str(exc)}
        except Exception as exc:
            outcome = {"outcome": "failed", "error": repr(exc)}
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.rpush(reply_key, json.dumps(outcome))
                pipe.expire(reply_key, REPLY_TTL_S)
                await pipe.execute()
        except RedisError as exc:
            log.warning("acd server request: reply lost", op=op, uniqueid=entry.uniqueid, error=str(exc))

    # -- inside ---------------------------------------------------------------------------
    async def _owner(self, entry: WaitingEntry) -> str | None:
        """The other server holding the caller, if a node of it is alive; None: act here."""
        if not entry.server or entry.server == self.server:
            return None
        try:  # the key of the server's presence (acd.store_redis.RedisStore.heartbeat)
            alive = bool(await self.redis.exists(f"{self._prefix}:node:{entry.server}"))
        except RedisError as exc:
            raise TelephonyError(f"server {entry.server}'s presence unknown: Redis: {exc}") from exc
        if not alive:
            log.info("acd server has no node; acting here", server=entry.server, uniqueid=entry.uniqueid)
            return None
        return entry.server

    def _queue(self, server: str) -> str:
        return f"{self._prefix}:telephony:{server}"

    async def _ask(self, owner: str, op: str, entry: WaitingEntry, agent: Agent, why: str = "") -> None:
        reply_key = f"{self._prefix}:telephony-reply:{uuid.uuid4().hex}"
        request = {
            "op": op,
            "entry": entry_to_json(entry),
            "agent": agent_to_json(agent),
            "why": why,
            "reply": reply_key,
            "deadline": time.time() + self._timeout_s,
            "from": self.server,
        }
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout_s
        try:
            await self.redis.rpush(self._queue(owner), json.dumps(request))
            while (left := deadline - loop.time()) > 0:
                popped = await self.redis.blpop([reply_key], timeout=min(POLL_S, max(left, 0.01)))
                if popped is not None:
                    break
            else:
                raise TelephonyError(f"{op} of {entry.uniqueid}: no node of server {owner} answered")
        except RedisError as exc:
            raise TelephonyError(f"{op} of {entry.uniqueid} on server {owner}: Redis: {exc}") from exc
        outcome = json.loads(popped[1])
        log.info("acd asked server", server=owner, op=op, uniqueid=entry.uniqueid, outcome=outcome["outcome"])
        if outcome["outcome"] == "caller-gone":
            raise CallerGone(outcome["error"])
        if outcome["outcome"] != "done":
            raise TelephonyError(f"{op} of {entry.uniqueid} on server {owner}: {outcome['error']}")
