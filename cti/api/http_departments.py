"""Departments: the directory the desk dispatches to (``/api/departments``), and a department's own
side of what was dispatched to it (``/api/department/...``: its queue, take, answer, return)."""

from __future__ import annotations

from aiohttp import web

from cti.access.roles import Permission, Principal
from cti.api.keys import DEPARTMENTS, SUPERVISION
from cti.api.routes import Route, json_response, read_body
from cti.desk.schemas import AnswerBody, ReturnBody

__all__ = ["ROUTES"]


async def directory(request: web.Request, who: Principal) -> web.StreamResponse:
    prefecture = request.query.get("prefecture") or None
    return json_response(await request.app[SUPERVISION].departments(who, prefecture))


async def queue(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[DEPARTMENTS].queue(who))


async def ticket(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[DEPARTMENTS].ticket(who, request.match_info["number"]))


async def take(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[DEPARTMENTS].take(who, request.match_info["number"]))


async def answer(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, AnswerBody)
    return json_response(await request.app[DEPARTMENTS].answer(who, request.match_info["number"], body.text))


async def return_(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, ReturnBody)
    desk = request.app[DEPARTMENTS]
    return json_response(await desk.return_(who, request.match_info["number"], body.reason))


D = "/api/department/tickets/{number}"
WORK = Permission.DEPARTMENT_WORK
ROUTES = [
    Route(
        "GET",
        "/api/departments",
        "departments.list",
        directory,
        Permission.TICKET_READ,
        "Departments a ticket of a prefecture may be dispatched to (default: mine)",
        "departments",
        query=("prefecture",),
    ),
    Route(
        "GET",
        "/api/department/queue",
        "department.queue",
        queue,
        WORK,
        "My department's queue",
        "departments",
    ),
    Route("GET", D, "department.ticket", ticket, WORK, "A ticket dispatched to my department", "departments"),
    Route(
        "POST", D + "/take", "department.take", take, WORK, "Take a dispatched ticket (处理中)", "departments"
    ),
    Route(
        "POST",
        D + "/answer",
        "department.answer",
        answer,
        WORK,
        "Answer a dispatched ticket (处理结果)",
        "departments",
        AnswerBody,
    ),
    Route(
        "POST",
        D + "/return",
        "department.returned",
        return_,
        WORK,
        "Return a dispatched ticket to the desk (退单)",
        "departments",
        ReturnBody,
    ),
]
