"""The OpenAPI document describes every route with its permission, and the metrics are served."""

from __future__ import annotations

from cti.access.roles import GRANTS
from cti.api.app import PUBLIC_ROUTES, ROUTES

from .conftest import ApiEnv


async def test_the_document_lists_every_route_with_its_rights(api: ApiEnv) -> None:
    status, doc = await api.call("GET", "/api/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.1")
    for route in ROUTES:
        op = doc["paths"][route.path][route.method.lower()]
        assert op["operationId"] == route.name
        assert op["security"] == [{"bearer": []}]
        assert op["x-permission"] == route.permission.value
        assert set(op["x-roles"]) == {r.value for r in GRANTS[route.permission]}
        if route.body is not None:
            ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert ref.split("/")[-1] in doc["components"]["schemas"]
        for name in [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]:
            assert "{" + name + "}" in route.path
    documented = sum(len(methods) for methods in doc["paths"].values())
    assert documented == len(ROUTES) + sum(1 for p in PUBLIC_ROUTES if p.in_document)
    login = doc["paths"]["/api/session"]["post"]
    assert "security" not in login
    schema = doc["components"]["schemas"]["TransferBody"]
    assert set(schema["properties"]["target"]["enum"]) == {"skill", "agent", "senior", "manager"}


async def test_metrics_count_requests_by_route_name(api: ApiEnv) -> None:
    await api.call("GET", "/api/me", "admin")
    r = await api.client.get("/metrics")
    text = await r.text()
    assert r.status == 200
    assert 'hotline_api_requests_total{method="GET",route="session.me",status="200"} 1.0' in text
    assert "hotline_api_logins_total" in text


async def test_pages_are_served_with_a_strict_policy(api: ApiEnv) -> None:
    for page in ("agent", "wallboard", "qa", "floor"):
        r = await api.client.get(f"/{page}")
        assert r.status == 200 and "text/html" in r.headers["Content-Type"]
        html = await r.text()
        assert '<form id="login" hidden>' in html and "<!--#include" not in html  # the shared part is in
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        assert "media-src 'self' blob:" in r.headers["Content-Security-Policy"]  # recordings play
        assert r.headers["X-Frame-Options"] == "DENY"
    r = await api.client.get("/static/../app.py")
    assert r.status == 404
    r = await api.client.get("/", allow_redirects=False)
    assert r.status == 302 and r.headers["Location"] == "/agent"
