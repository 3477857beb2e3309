"""Signing in and out, and who am I."""

from __future__ import annotations

from aiohttp import web

from cti.access.client_address import client_address
from cti.access.roles import Permission, Principal
from cti.api.keys import AUTH, PROXIES, SESSION
from cti.api.routes import PublicRoute, Route, json_response, read_body
from cti.desk.schemas import LoginBody

__all__ = ["PUBLIC_ROUTES", "ROUTES"]


def principal_view(who: Principal) -> dict[str, object]:
    return {
        "user_id": who.user_id,
        "username": who.username,
        "role": who.role.value,
        "prefecture": who.prefecture,
        "agent_id": who.agent_id,
        "department": who.department,
        "permissions": sorted(p.value for p in Permission if who.may(p)),
    }


async def login(request: web.Request) -> web.StreamResponse:
    body = await read_body(request, LoginBody)
    remote = client_address(
        request.remote, request.headers.getall("X-Forwarded-For", []), request.app[PROXIES]
    )
    issued, who = await request.app[AUTH].login(body.username, body.password, remote)
    return json_response(
        {
            "token": issued.token,
            "token_type": "Bearer",
            "expires_at": issued.expires_at,
            "user": principal_view(who),
        }
    )


async def logout(request: web.Request, who: Principal) -> web.StreamResponse:
    await request.app[AUTH].logout(request[SESSION])
    return json_response({"signed_out": True})


async def me(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response({**principal_view(who), "expires_at": request[SESSION].expires_at})


PUBLIC_ROUTES = [
    PublicRoute(
        "POST",
        "/api/session",
        "session.login",
        login,
        "Sign in; returns a bearer token",
        "session",
        LoginBody,
    ),
]

ROUTES = [
    Route(
        "DELETE",
        "/api/session",
        "session.logout",
        logout,
        Permission.SESSION,
        "Sign out (the token is revoked)",
        "session",
    ),
    Route(
        "GET",
        "/api/me",
        "session.me",
        me,
        Permission.SESSION,
        "Who the token belongs to, and what they may do",
        "session",
    ),
]
