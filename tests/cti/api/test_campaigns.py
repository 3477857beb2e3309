"""Campaigns over the API: a prefecture supervisor creates one in their prefecture, imports contacts
(a bad file is refused whole, each bad line named), starts and pauses it, reads its progress and
exports its results; another prefecture's supervisor cannot see it; QA may read, not manage."""

from __future__ import annotations

from .conftest import ApiEnv

GOOD = "number,name,prefecture,reference\n13800000001,张三,lanzhou,T1\n13800000002,李四,lanzhou,T2\n"
BAD = "number,name,prefecture,reference\n13800000001,张三,lanzhou,T1\n999,李四,lanzhou,T2\n"
SETTINGS = {"pacing": {"mode": "progressive"}, "skill": "billing", "windows": [["09:00", "12:00"]]}


async def test_a_campaign_through_the_api(api: ApiEnv) -> None:
    status, made = await api.call(
        "POST", "/api/campaigns", "sup.lanzhou",
        {"id": "lz-callbacks", "name": "兰州回访", "kind": "generic", "settings": SETTINGS},
    )  # fmt: skip
    assert status == 201, made
    assert (made["prefecture"], made["state"], made["mode"]) == ("lanzhou", "draft", "progressive")
    status, error = await api.call(
        "POST", "/api/campaigns/lz-callbacks/contacts", "sup.lanzhou", {"csv": BAD}
    )
    assert status == 400 and error["details"]["problems"][0]["line"] == 3
    status, view = await api.call("GET", "/api/campaigns/lz-callbacks", "sup.lanzhou")
    assert view["contacts"] == 0  # nothing of the bad file
    status, done = await api.call(
        "POST", "/api/campaigns/lz-callbacks/contacts", "sup.lanzhou", {"csv": GOOD}
    )
    assert (status, done) == (200, {"imported": 2})
    status, started = await api.call("POST", "/api/campaigns/lz-callbacks/start", "sup.lanzhou")
    assert (status, started["state"]) == (200, "running")
    status, paused = await api.call("POST", "/api/campaigns/lz-callbacks/pause", "sup.lanzhou")
    assert (status, paused["state"], paused["remaining"]) == (200, "paused", 2)
    status, error = await api.call("POST", "/api/campaigns/lz-callbacks/pause", "sup.lanzhou")
    assert status == 409
    status, view = await api.call("GET", "/api/campaigns/lz-callbacks", "qa.lanzhou")
    assert status == 200 and view["settings"]["skill"] == "billing"
    status, _ = await api.call("POST", "/api/campaigns/lz-callbacks/resume", "qa.lanzhou")
    assert status == 403
    status, listed = await api.call("GET", "/api/campaigns", "sup.province")
    assert [c["campaign"] for c in listed["campaigns"]] == ["lz-callbacks"]
    r = await api.client.get(
        "/api/campaigns/lz-callbacks/results?format=csv",
        headers={"Authorization": f"Bearer {await api.token('sup.lanzhou')}"},
    )
    assert r.status == 200 and (await r.read()).startswith("\ufeffcampaign,".encode())


async def test_another_prefecture_is_out_of_scope(api: ApiEnv) -> None:
    status, _ = await api.call(
        "POST", "/api/campaigns", "sup.province",
        {"id": "tianshui", "name": "天水", "kind": "generic", "settings": SETTINGS, "prefecture": "tianshui"},
    )  # fmt: skip
    assert status == 201
    status, error = await api.call("GET", "/api/campaigns/tianshui", "sup.lanzhou")
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    status, listed = await api.call("GET", "/api/campaigns", "sup.lanzhou")
    assert listed["campaigns"] == []
    status, error = await api.call(
        "POST", "/api/campaigns", "sup.lanzhou",
        {"id": "x", "name": "x", "kind": "generic", "settings": SETTINGS, "prefecture": "tianshui"},
    )  # fmt: skip
    assert status == 403
    status, error = await api.call(
        "POST", "/api/campaigns", "sup.lanzhou", {"id": "y", "name": "y", "kind": "generic", "settings": {}}
    )
    assert status == 400 and "skill" in error["message"]
