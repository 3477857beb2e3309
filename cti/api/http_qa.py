"""QA scoring over HTTP (质检): forms, scores, an agent's own scores and disputes, decisions,
roll-ups and sampling.  The services are :mod:`qa.score_desk`, :mod:`qa.score_rollups` and
:mod:`qa.sample_desk`; the scope checks are theirs."""

from __future__ import annotations

from aiohttp import web

from cti.access.roles import Permission, Principal
from cti.api.keys import QA_SAMPLES, QA_SCORES
from cti.api.routes import Route, json_response, moment, read_body, whole_number
from qa.schemas import DecisionBody, DisputeBody, SamplingBody, ScoreBody
from qa.score_rollups import rollup_csv, rollups

__all__ = ["ROUTES"]


async def forms(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response({"forms": await request.app[QA_SCORES].forms(who)})


async def score(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, ScoreBody)
    return json_response(await request.app[QA_SCORES].score(who, body), status=201)


async def scores(request: web.Request, who: Principal) -> web.StreamResponse:
    q = request.query
    found = await request.app[QA_SCORES].scores(
        who,
        agent_id=q.get("agent_id") or None,
        status=q.get("status") or None,
        since=moment(request, "since"),
        until=moment(request, "until"),
        limit=whole_number(q.get("limit", "100"), "limit"),
    )
    return json_response({"scores": found})


async def one_score(request: web.Request, who: Principal) -> web.StreamResponse:
    return json_response(await request.app[QA_SCORES].one(who, request.match_info["score_id"]))


async def my_scores(request: web.Request, who: Principal) -> web.StreamResponse:
    desk = request.app[QA_SCORES]
    limit = whole_number(request.query.get("limit", "100"), "limit")
    return json_response({"scores": await desk.mine(who, limit), "forms": await desk.forms(who)})


async def dispute(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, DisputeBody)
    return json_response(
        await request.app[QA_SCORES].dispute(who, request.match_info["score_id"], body.reason)
    )


async def decide(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, DecisionBody)
    return json_response(await request.app[QA_SCORES].decide(who, request.match_info["score_id"], body))


async def score_rollups(request: web.Request, who: Principal) -> web.StreamResponse:
    result = await rollups(
        request.app[QA_SCORES],
        who,
        request.query.get("level", "agent"),
        moment(request, "since"),
        moment(request, "until"),
    )
    if request.query.get("format") == "csv":
        return web.Response(
            text=rollup_csv(result),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="qa-{result["level"]}.csv"'},
        )
    return json_response(result)


async def run_sampling(request: web.Request, who: Principal) -> web.StreamResponse:
    body = await read_body(request, SamplingBody)
    return json_response(await request.app[QA_SAMPLES].run(who, body.since, body.until), status=201)


async def to_score(request: web.Request, who: Principal) -> web.StreamResponse:
    found = await request.app[QA_SAMPLES].to_score(
        who,
        include_scored=request.query.get("all") == "1",
        limit=whole_number(request.query.get("limit", "100"), "limit"),
    )
    return json_response({"calls": found})


P = Permission
S = "/api/qa/scores"
ROUTES = [
    Route("GET", "/api/qa/forms", "qa.forms", forms, P.QA_READ, "Scoring forms, every version", "qa-scoring"),
    Route(
        "POST",
        S,
        "qa.score",
        score,
        P.QA_SCORE,
        "Score a recording or a call I listened in on",
        "qa-scoring",
        ScoreBody,
    ),
    Route(
        "GET",
        S,
        "qa.scores",
        scores,
        P.QA_READ,
        "Scores in my scope, newest first",
        "qa-scoring",
        query=("agent_id", "status", "since", "until", "limit"),
    ),
    Route("GET", S + "/{score_id}", "qa.score_get", one_score, P.QA_READ, "One score", "qa-scoring"),
    Route(
        "POST",
        S + "/{score_id}/decision",
        "qa.decide",
        decide,
        P.QA_DECIDE,
        "Uphold or revise a disputed score",
        "qa-scoring",
        DecisionBody,
    ),
    Route(
        "GET",
        "/api/qa/my-scores",
        "qa.my_scores",
        my_scores,
        P.QA_OWN,
        "My scores, and the forms",
        "qa-scoring",
        query=("limit",),
    ),
    Route(
        "POST",
        "/api/qa/my-scores/{score_id}/dispute",
        "qa.dispute",
        dispute,
        P.QA_OWN,
        "Dispute my score (once)",
        "qa-scoring",
        DisputeBody,
    ),
    Route(
        "GET",
        "/api/qa/rollups",
        "qa.rollups",
        score_rollups,
        P.QA_READ,
        "Scores and disputes per agent, team or prefecture (format=csv to export)",
        "qa-scoring",
        query=("level", "since", "until", "format"),
    ),
    Route(
        "POST",
        "/api/qa/sampling",
        "qa.sampling_run",
        run_sampling,
        P.QA_SCORE,
        "Run the sampling rules over a period",
        "qa-scoring",
        SamplingBody,
    ),
    Route(
        "GET",
        "/api/qa/sampling",
        "qa.sampling",
        to_score,
        P.QA_SCORE,
        "Picked calls still to score",
        "qa-scoring",
        query=("all", "limit"),
    ),
]
