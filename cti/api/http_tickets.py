"""Tickets: ``/api/tickets/...`` (scope checked by :class:`cti.desk.ticket_desk.TicketDesk`)."""

from __future__ import annotations

from aiohttp import web

from cti.access.roles import Permission, Principal
from cti.api.keys import TICKETS
from cti.api.routes import Route, json_response, read_body, whole_number
from cti.desk.schemas import (
    CloseTicketBody,
    CreateTicketBody,
    DispatchBody,
    NoteBody,
    ReplyBody,
    UpdateTicketBody,
)

__all__ = ["ROUTES"]

READ = Permission.TICKET_READ
WRITE = Permission.TICKET_WRITE


async def search(request: web.Request, who: Principal) -> web.StreamResponse:
    limit = whole_number(request.query.get("limit", "50"), "limit")
    tickets = await request.app[TICKETS].search(
        who, status=request.query.get("status"), caller=request.query.get("caller"), limit=limit
    )
    return json_response({"tickets": tickets})


async def get(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[TICKETS].get(who, request.match_info["number"]))


async def create(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, CreateTicketBody)
    return json_response(await request.app[TICKETS].create(who, body), status=201)


async def update(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, UpdateTicketBody)
    return json_response(await request.app[TICKETS].update(who, request.match_info["number"], body))


async def dispatch(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, DispatchBody)
    desk = request.app[TICKETS]
    return json_response(await desk.dispatch(who, request.match_info["number"], body.department, body.note))


async def chase(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, NoteBody)
    return json_response(await request.app[TICKETS].chase(who, request.match_info["number"], body.note))


async def return_(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, NoteBody)
    return json_response(await request.app[TICKETS].return_(who, request.match_info["number"], body.note))


async def reply(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, ReplyBody)
    return json_response(await request.app[TICKETS].reply(who, request.match_info["number"], body))


async def close(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, CloseTicketBody)
    return json_response(await request.app[TICKETS].close(who, request.match_info["number"], body.resolution))


T = "/api/tickets/{number}"
ROUTES = [
    Route(
        "GET",
        "/api/tickets",
        "tickets.search",
        search,
        READ,
        "Tickets in my scope (newest first)",
        "tickets",
        query=("status", "caller", "limit"),
    ),
    Route(
        "POST",
        "/api/tickets",
        "tickets.create",
        create,
        WRITE,
        "Open a ticket (default caller: my current call's)",
        "tickets",
        CreateTicketBody,
    ),
    Route("GET", T, "tickets.get", get, READ, "A ticket and its history", "tickets"),
    Route(
        "PATCH",
        T,
        "tickets.update",
        update,
        WRITE,
        "Change a ticket's description, severity or category, or add a note",
        "tickets",
        UpdateTicketBody,
    ),
    Route(
        "POST",
        T + "/dispatch",
        "tickets.dispatch",
        dispatch,
        WRITE,
        "Dispatch to a department of the directory (派单)",
        "tickets",
        DispatchBody,
    ),
    Route(
        "POST",
        T + "/chase",
        "tickets.chase",
        chase,
        WRITE,
        "Chase the department (追单)",
        "tickets",
        NoteBody,
    ),
    Route(
        "POST",
        T + "/return",
        "tickets.returned",
        return_,
        WRITE,
        "Record the department's return (退单)",
        "tickets",
        NoteBody,
    ),
    Route(
        "POST",
        T + "/reply",
        "tickets.reply",
        reply,
        WRITE,
        "Record a reply to the customer (回复): channel, what they were told, reached or not",
        "tickets",
        ReplyBody,
    ),
    Route(
        "POST",
        T + "/close",
        "tickets.close",
        close,
        WRITE,
        "Close with a resolution (after dispatch: a senior's review)",
        "tickets",
        CloseTicketBody,
    ),
]
