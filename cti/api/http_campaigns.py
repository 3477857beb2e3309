"""Outbound campaigns: ``/api/campaigns`` (list, create), ``/api/campaigns/{campaign_id}`` (progress),
``…/contacts`` (import a CSV text), ``…/start|pause|resume|finish``, ``…/results?format=csv|xlsx``."""

from __future__ import annotations

from aiohttp import web

from cti.access.roles import Permission, Principal
from cti.api.keys import CAMPAIGNS
from cti.api.routes import Handler, Route, json_response, read_body
from cti.desk.campaign_desk import ContactsBody, CreateCampaignBody
from outbound.campaign import CampaignEvent

__all__ = ["ROUTES"]


async def campaigns(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response({"campaigns": await request.app[CAMPAIGNS].list(who)})


async def create(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, CreateCampaignBody)
    return json_response(await request.app[CAMPAIGNS].create(who, body), status=201)


async def progress(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[CAMPAIGNS].progress(who, request.match_info["campaign_id"]))


async def contacts(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, ContactsBody)
    found = await request.app[CAMPAIGNS].import_contacts(who, request.match_info["campaign_id"], body)
    return json_response(found)


def _mover(event: CampaignEvent) -> Handler:
    async def move(request: web.Request, who: Principal) -> web.StreamResponse:
        return json_response(await request.app[CAMPAIGNS].move(who, request.match_info["campaign_id"], event))

    return move


async def results(request: web.Request, who: Principal) -> web.StreamResponse:
    campaign_id = request.match_info["campaign_id"]
    form = request.query.get("format", "csv")
    data, media_type = await request.app[CAMPAIGNS].results(who, campaign_id, form)
    return web.Response(
        body=data,
        headers={
            "Content-Type": media_type,
            "Content-Disposition": f'attachment; filename="{campaign_id}.{form}"',
        },
    )


READ, MANAGE = Permission.CAMPAIGNS, Permission.CAMPAIGNS_MANAGE
_ONE = "/api/campaigns/{campaign_id}"
_TAG = "campaigns"
ROUTES = [
    Route("GET", "/api/campaigns", "campaigns.list", campaigns, READ, "Campaigns in my scope", _TAG),
    Route(
        "POST", "/api/campaigns", "campaigns.create", create, MANAGE, "Create a campaign (draft)", _TAG,
        body=CreateCampaignBody,
    ),
    Route(
        "GET", _ONE, "campaigns.get", progress, READ,
        "A campaign's progress: attempted, answered, completed, remaining, pace, abandon rate", _TAG,
    ),
    Route(
        "POST", f"{_ONE}/contacts", "campaigns.contacts", contacts, MANAGE,
        "Import contacts from a CSV text: all or nothing, each bad line named", _TAG, body=ContactsBody,
    ),
    *[
        Route(
            "POST", f"{_ONE}/{event.value}", f"campaigns.{event.value}", _mover(event), MANAGE,
            f"{event.value.capitalize()} the campaign", _TAG,
        )
        for event in CampaignEvent
    ],
    Route(
        "GET", f"{_ONE}/results", "campaigns.results", results, READ,
        "Every attempt as CSV or XLSX (format=csv|xlsx)", _TAG, query=("format",),
    ),
]  # fmt: skip
