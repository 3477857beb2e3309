"""A customer on the desk: ``/api/customers/{number}`` (the agent's customer view), orders
(``/api/orders``: the catalogue, place, look up, resume a lost line) and the callback requests
left in the VIP menu (``/api/callbacks``). Scope is checked by the desk services."""

from __future__ import annotations

from aiohttp import web

from cti.access.roles import Permission, Principal
from cti.api.keys import CUSTOMERS, ORDERS
from cti.api.routes import Route, json_response, read_body, whole_number
from cti.desk.self_service_schemas import CallbackDoneBody, PlaceOrderBody, ResumeLineBody, SuspendLineBody

__all__ = ["ROUTES"]

READ = Permission.CUSTOMER_READ
SERVE = Permission.CUSTOMER_SERVICE


async def customer(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[CUSTOMERS].view(who, request.match_info["number"]))


async def catalogue(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(request.app[ORDERS].catalogue())


async def place(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, PlaceOrderBody)
    return json_response(await request.app[ORDERS].place(who, body), status=201)


async def order(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[ORDERS].get(who, request.match_info["number"]))


async def resume(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, ResumeLineBody)
    return json_response(await request.app[ORDERS].resume(who, body), status=201)


async def suspend(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, SuspendLineBody)
    return json_response(await request.app[ORDERS].suspend(who, body), status=201)


async def callbacks(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response({"callbacks": await request.app[ORDERS].callbacks(who)})


async def callback_done(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, CallbackDoneBody)
    callback_id = whole_number(request.match_info["callback_id"], "callback id")
    return json_response(await request.app[ORDERS].callback_done(who, callback_id, body.note))


ROUTES = [
    Route(
        "GET",
        "/api/customers/{number}",
        "customers.view",
        customer,
        READ,
        "A customer by any of their numbers: master data, lines and services, account and itemised "
        "charges, orders, tickets, callback requests, recent calls",
        "customers",
    ),
    Route(
        "GET", "/api/orders/catalogue", "orders.catalogue", catalogue, READ, "The service catalogue", "orders"
    ),
    Route(
        "POST",
        "/api/orders",
        "orders.place",
        place,
        SERVE,
        "Order or cancel a catalogue item on a customer's line (业务受理)",
        "orders",
        PlaceOrderBody,
    ),
    Route(
        "POST",
        "/api/orders/resume",
        "orders.resume",
        resume,
        SERVE,
        "Resume a line suspended as lost, after checking the caller's PIN or ID document (复机)",
        "orders",
        ResumeLineBody,
    ),
    Route(
        "POST",
        "/api/orders/suspend",
        "orders.suspend",
        suspend,
        SERVE,
        "Suspend a lost phone at once, after checking who is calling (挂失停机)",
        "orders",
        SuspendLineBody,
    ),
    Route("GET", "/api/orders/{number}", "orders.get", order, READ, "An order and its history", "orders"),
    Route(
        "GET",
        "/api/callbacks",
        "callbacks.list",
        callbacks,
        READ,
        "Open callback requests of the VIP menu, oldest first",
        "customers",
    ),
    Route(
        "POST",
        "/api/callbacks/{callback_id}/done",
        "callbacks.done",
        callback_done,
        SERVE,
        "Mark a callback request done",
        "customers",
        CallbackDoneBody,
    ),
]
