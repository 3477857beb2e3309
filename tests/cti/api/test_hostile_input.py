"""Security finding 5: input from anyone, signed in or not, never makes a 500.

The probe found tracebacks from a non-ASCII token, a NUL in a static file's name, a superscript
digit (``"²".isdigit()`` is true, ``int("²")`` fails) and ids beyond 2^63.  Here every route,
public or not, is walked with such values in each path parameter and each query parameter, as
an anonymous caller and as the administrator (who gets furthest into the handlers).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from aiohttp import WSMsgType
from yarl import URL

from cti.api.app import PUBLIC_ROUTES, ROUTES
from cti.api.routes import whole_number
from cti.errors import BadRequest

from .conftest import ApiEnv

HOSTILE = ["²", "١٢٣", "\x00", "a\x00b.js", str(2**63), "9" * 40, "-1", "é", "..%2F..%2Fetc", " "]


def _paths(template: str) -> list[str]:
    names = re.findall(r"{(\w+)}", template)
    return [re.sub(r"{\w+}", quote(value, safe=""), template) for value in HOSTILE] if names else []


async def _status(api: ApiEnv, method: str, path: str, token: str | None, body: object) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = await api.client.request(method, URL(path, encoded=True), json=body, headers=headers)
    await r.read()
    return r.status


async def test_no_route_answers_500_to_hostile_path_or_query_values(api: ApiEnv) -> None:
    admin = await api.token("admin")
    tried = 0
    for route in [*ROUTES, *PUBLIC_ROUTES]:
        if route.path == "/api/ws" or (route.method, route.path) == ("DELETE", "/api/session"):
            continue  # the socket has its own test; signing out would end the admin's token
        body = {} if route.body is not None else None
        targets = _paths(route.path)
        for name in getattr(route, "query", ()):
            targets += [f"{route.path}?{name}={quote(v, safe='')}" for v in HOSTILE if "{" not in route.path]
        for target in targets:
            for token in (None, admin):
                status = await _status(api, route.method, target, token, body)
                assert status < 500, (route.name, target, token is not None, status)
                tried += 1
    assert tried > 400


async def test_hostile_tokens_are_401_not_500(api: ApiEnv) -> None:
    for token in ["ä.b.c", "v1.é.x", "v1.\u00ff\u00ff.\u00ff", "v1..", "v1." + "a" * 3000 + ".b", "…"]:
        r = await api.client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status == 401, (token, r.status)
        assert (await r.json())["error_id"] == "auth-token-invalid"


async def test_a_hostile_websocket_token_closes_the_socket_without_a_traceback(api: ApiEnv) -> None:
    async with api.client.ws_connect("/api/ws") as ws:
        await ws.send_json({"type": "auth", "token": "v1.ü.ö"})
        msg = await ws.receive(timeout=5)
        assert msg.type is WSMsgType.TEXT and '"auth-token-invalid"' in msg.data
        assert (await ws.receive(timeout=5)).type in (WSMsgType.CLOSE, WSMsgType.CLOSED)


def test_whole_number_takes_ascii_digits_within_a_database_integer() -> None:
    assert whole_number("9223372036854775807", "id") == 2**63 - 1
    for text in ["²", "١", "9223372036854775808", "9" * 30, "", "+1", " 1"]:
        try:
            whole_number(text, "id")
        except BadRequest:
            continue
        raise AssertionError(f"{text!r} was taken")


async def test_what_held_in_the_probe_still_holds(api: ApiEnv) -> None:
    """The probe's good results, kept: oversized and deeply nested bodies, path traversal and a
    WebSocket that does not authenticate first are refused without a 500."""
    big = {"username": "x" * 70_000, "password": "y"}
    r = await api.client.post("/api/session", json=big)
    assert r.status in (400, 413)
    nested = "[" * 5000 + "]" * 5000
    r = await api.client.post("/api/session", data=nested, headers={"Content-Type": "application/json"})
    assert r.status == 400
    for path in [
        "/static/..%2F..%2Fpyproject.toml",
        "/static/vendor/..%2F..%2F..%2Fapp.py",
        "/static/%2e%2e",
    ]:
        r = await api.client.get(URL(path, encoded=True))
        assert r.status == 404, path
    async with api.client.ws_connect("/api/ws") as ws:
        await ws.send_json({"type": "subscribe", "topics": ["floor:province"]})  # no auth first
        msg = await ws.receive(timeout=5)
        if msg.type is WSMsgType.TEXT:
            assert "error" in msg.data
            msg = await ws.receive(timeout=5)
        assert msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED)
