"""The route table: every API route with the permission it needs, in one place.

Each feature module (``http_*.py``) lists its routes as :class:`Route` values.  :func:`install`
adds them to the aiohttp router, each wrapped by :func:`guarded`, which resolves the bearer
token and checks the route's :class:`~cti.access.roles.Permission` before the handler runs; the
handler then checks the *scope* (prefecture, own call) of what it is asked to touch.  The
OpenAPI document (:mod:`cti.api.openapi`) and the test that walks every route with every role
read the same table, so no route can be added without a permission.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from cti.access.auth import Session, bearer
from cti.access.roles import Permission, Principal
from cti.api.keys import AUTH, ROUTE_NAME, SESSION
from cti.errors import BadRequest, Forbidden
from cti.notifier import dumps

__all__ = ["PublicRoute", "Route", "install", "json_response", "moment", "read_body", "whole_number"]

Handler = Callable[[web.Request, Principal], Awaitable[web.StreamResponse]]
PublicHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
M = TypeVar("M", bound=BaseModel)

MAX_BODY = 64 * 1024


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    name: str
    handler: Handler
    permission: Permission
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    query: tuple[str, ...] = field(default=())  # optional query parameters, for the document


@dataclass(frozen=True, slots=True)
class PublicRoute:
    """A route anyone may call: sign-in, the pages, the OpenAPI document, metrics, the WebSocket
    (which authenticates with its first message)."""

    method: str
    path: str
    name: str
    handler: PublicHandler
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    in_document: bool = True


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps)


async def read_body(request: web.Request, model: type[M]) -> M:
    """The request's JSON body as ``model``; :class:`BadRequest` naming the fields otherwise."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise BadRequest("request body too large", max_bytes=MAX_BODY)
    raw = await request.read()
    if len(raw) > MAX_BODY:
        raise BadRequest("request body too large", max_bytes=MAX_BODY)
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(p) for p in err["loc"]) or "(body)", "problem": err["msg"]}
            for err in exc.errors(include_url=False, include_input=False)
        ]
        raise BadRequest("the request body is not valid", problems=problems) from None


MAX_WHOLE_NUMBER = 2**63 - 1  # a database BIGINT


def whole_number(text: str, what: str) -> int:
    """A path or query parameter that must be ASCII digits (an id, a limit) and fit a database
    integer; :class:`BadRequest` otherwise (``"²".isdigit()`` is true, but ``int("²")`` fails)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > MAX_WHOLE_NUMBER:
        raise BadRequest(f"{what} is a number from 0 to {MAX_WHOLE_NUMBER}")
    return int(text)


def moment(request: web.Request, name: str) -> datetime | None:
    """An ISO 8601 date or date-time query parameter (UTC unless it says otherwise)."""
    text = request.query.get(name)
    if not text:
        return None
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{name} is an ISO 8601 date or date-time, e.g. 2024-06-10T09:00") from None
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def guarded(route: Route) -> PublicHandler:
    async def handle(request: web.Request) -> web.StreamResponse:
        request[ROUTE_NAME] = route.name
        session = await authenticated(request)
        who = session.principal
        if not who.may(route.permission):
            raise Forbidden(f"role {who.role.value} may not do this", permission=route.permission.value)
        return await route.handler(request, who)

    return handle


async def authenticated(request: web.Request) -> Session:
    session = await request.app[AUTH].session(bearer(request.headers.get("Authorization")))
    request[SESSION] = session
    return session


def public(route: PublicRoute) -> PublicHandler:
    async def handle(request: web.Request) -> web.StreamResponse:
        request[ROUTE_NAME] = route.name
        return await route.handler(request)

    return handle


def install(app: web.Application, routes: Sequence[Route], public_routes: Sequence[PublicRoute]) -> None:
    for r in routes:
        app.router.add_route(r.method, r.path, guarded(r), name=r.name)
    for p in public_routes:
        app.router.add_route(p.method, p.path, public(p), name=p.name)
