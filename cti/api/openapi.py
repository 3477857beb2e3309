"""The OpenAPI 3.1 document of the API, built from the route table (served at ``/api/openapi.json``).

Each guarded route documents its bearer security, its permission and the roles holding it
(``x-permission``, ``x-roles``), its request body schema (from :mod:`cti.desk.schemas`), its
path and query parameters, and the error answers every route may give.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from cti.access.roles import GRANTS
from cti.api.routes import PublicRoute, Route

__all__ = ["build_document"]

_REF = "#/components/schemas/{model}"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error_id", "message", "details"],
    "properties": {
        "error_id": {"type": "string", "description": "stable identifier of the kind of error"},
        "message": {"type": "string"},
        "details": {"type": "object"},
    },
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": _REF.format(model="Error")}}},
    }


def _operation(
    route: Route | PublicRoute, schemas: dict[str, Any], *, secured: bool
) -> tuple[str, str, dict[str, Any]]:
    op: dict[str, Any] = {
        "operationId": route.name,
        "summary": route.summary,
        "tags": [route.tag],
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
        },
    }
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", route.path)
    ]
    if isinstance(route, Route):
        params += [
            {"name": q, "in": "query", "required": False, "schema": {"type": "string"}} for q in route.query
        ]
    if params:
        op["parameters"] = params
    if route.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(route.body, schemas)}},
        }
        op["responses"]["400"] = _error("The body is not valid (request-invalid)")
    if secured and isinstance(route, Route):
        op["security"] = [{"bearer": []}]
        op["x-permission"] = route.permission.value
        op["x-roles"] = sorted(r.value for r in GRANTS[route.permission])
        op["responses"].update(
            {
                "401": _error("No token, or an invalid or expired one (auth-required, auth-token-*)"),
                "403": _error(
                    "Not for this role (auth-forbidden), or out of scope (auth-out-of-scope, call-not-yours)"
                ),
                "404": _error("Not found"),
                "409": _error("Not possible in the current state"),
                "503": _error("A service the route needs is not running (service-unavailable)"),
            }
        )
    return route.path, route.method.lower(), op


def _schema(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=_REF)
    for name, sub in schema.pop("$defs", {}).items():
        schemas[name] = sub
    schemas[model.__name__] = schema
    return {"$ref": _REF.format(model=model.__name__)}


def build_document(routes: Sequence[Route], public: Sequence[PublicRoute], *, version: str) -> dict[str, Any]:
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    documented: list[Route | PublicRoute] = [*routes, *(p for p in public if p.in_document)]
    for route in documented:
        path, method, op = _operation(route, schemas, secured=isinstance(route, Route))
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "hotline CTI API",
            "version": version,
            "description": "Agents' desk and call control, tickets, the supervisors' floor, QA monitoring. "
            "Sign in with POST /api/session, then send 'Authorization: Bearer <token>'. Live events: "
            'WebSocket /api/ws (first message {"type": "auth", "token": ...}).',
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
