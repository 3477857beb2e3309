"""The knowledge base (统一口径): ``/api/knowledge`` — search (agents, from ``/agent``), the list and
an entry with its versions, and saving a new version (records staff, from ``/knowledge``)."""

from __future__ import annotations

from aiohttp import web

from cti.access.roles import Permission, Principal
from cti.api.keys import KNOWLEDGE
from cti.api.routes import Route, json_response, read_body, whole_number
from cti.desk.self_service_schemas import KnowledgeBody, Topic
from cti.errors import BadRequest
from prompts.language import Language

__all__ = ["ROUTES"]

READ = Permission.KNOWLEDGE_READ
WRITE = Permission.KNOWLEDGE_WRITE


def _language(request: web.Request) -> Language | None:
    value = request.query.get("language")
    if not value:
        return None
    if value not in {lang.value for lang in Language}:
        raise BadRequest("language is zh or en")
    return Language(value)


def _topic(request: web.Request) -> Topic | None:
    value = request.query.get("topic")
    if not value:
        return None
    if value not in {t.value for t in Topic}:
        raise BadRequest(f"unknown topic {value!r}", topics=[t.value for t in Topic])
    return Topic(value)


async def search(request: web.Request, who: Principal) -> web.StreamResponse:
    query = request.query.get("q", "")
    if len(query) > 200:
        raise BadRequest("a search is at most 200 characters")
    limit = whole_number(request.query.get("limit", "20"), "limit")
    hits = await request.app[KNOWLEDGE].search(who, query, _language(request), _topic(request), limit)
    return json_response({"query": query, "entries": hits})


async def listing(request: web.Request, who: Principal) -> web.StreamResponse:
    limit = whole_number(request.query.get("limit", "50"), "limit")
    offset = whole_number(request.query.get("offset", "0"), "offset")
    desk = request.app[KNOWLEDGE]
    return json_response(await desk.listing(who, _topic(request), _language(request), limit, offset))


async def entry(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[KNOWLEDGE].entry(who, request.match_info["key"]))


async def save(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, KnowledgeBody)
    return json_response(await request.app[KNOWLEDGE].save(who, body), status=201)


ROUTES = [
    Route(
        "GET",
        "/api/knowledge/search",
        "knowledge.search",
        search,
        READ,
        "Search the standard answers in force (Chinese or English words)",
        "knowledge",
        query=("q", "language", "topic", "limit"),
    ),
    Route(
        "GET",
        "/api/knowledge",
        "knowledge.list",
        listing,
        READ,
        "The current version of every entry in scope",
        "knowledge",
        query=("topic", "language", "limit", "offset"),
    ),
    Route(
        "GET", "/api/knowledge/{key}", "knowledge.get", entry, READ, "An entry and its versions", "knowledge"
    ),
    Route(
        "POST",
        "/api/knowledge",
        "knowledge.save",
        save,
        WRITE,
        "Add an entry or a new version of one; its audio is rendered from the text",
        "knowledge",
        KnowledgeBody,
    ),
]
