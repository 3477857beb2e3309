"""Circulars (通报) over HTTP: the bulletin board of my prefecture, publishing, acknowledging."""

from __future__ import annotations

from aiohttp import web

from cti.access.roles import Permission, Principal
from cti.api.keys import CIRCULARS
from cti.api.routes import Route, json_response, read_body, whole_number
from qa.schemas import AckBody, CircularBody

__all__ = ["ROUTES"]


async def board(request: web.Request, who: Principal) -> web.StreamResponse:
    limit = whole_number(request.query.get("limit", "50"), "limit")
    return json_response({"circulars": await request.app[CIRCULARS].list(who, limit=limit)})


async def create(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, CircularBody)
    return json_response(await request.app[CIRCULARS].create(who, body), status=201)


async def publish(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[CIRCULARS].publish(who, request.match_info["circular_id"]))


async def withdraw(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[CIRCULARS].withdraw(who, request.match_info["circular_id"]))


async def acknowledge(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, AckBody)
    found = await request.app[CIRCULARS].acknowledge(who, request.match_info["circular_id"], body.note)
    return json_response(found)


P = Permission
C = "/api/circulars"
ROUTES = [
    Route(
        "GET",
        C,
        "circulars.list",
        board,
        P.CIRCULAR_READ,
        "Circulars sent to my prefecture",
        "circulars",
        query=("limit",),
    ),
    Route(
        "POST",
        C,
        "circulars.create",
        create,
        P.CIRCULAR_PUBLISH,
        "Draft or publish a circular",
        "circulars",
        CircularBody,
    ),
    Route(
        "POST",
        C + "/{circular_id}/publish",
        "circulars.publish",
        publish,
        P.CIRCULAR_PUBLISH,
        "Publish a draft",
        "circulars",
    ),
    Route(
        "POST",
        C + "/{circular_id}/withdraw",
        "circulars.withdraw",
        withdraw,
        P.CIRCULAR_PUBLISH,
        "Withdraw a circular",
        "circulars",
    ),
    Route(
        "POST",
        C + "/{circular_id}/ack",
        "circulars.ack",
        acknowledge,
        P.CIRCULAR_ACK,
        "Acknowledge a circular for my prefecture",
        "circulars",
        AckBody,
    ),
]
