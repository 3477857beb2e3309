"""Sampling over the API picks exactly what the rules say, in scope, never twice; circulars go from
the province to the prefectures, who acknowledge them, and show on their bulletin board."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from qa.sampling import CallFacts, parse_rules, select_calls
from qa.settings import QaSettings
from storage.agent_calls import AgentCall
from storage.tickets import Ticket

from .conftest import ApiEnv

MONDAY = datetime(2024, 6, 10, 1, 0, tzinfo=UTC)  # 09:00 in the centres' time zone, ISO week 24


def _call(
    n: int, agent: str, prefecture: str, ended: datetime, skill: str = "billing", ticket: str | None = None
) -> AgentCall:
    return AgentCall(
        uniqueid=f"1718000000.{n}",
        agent_id=agent,
        prefecture=prefecture,
        skill=skill,
        waited_s=1.0,
        answered_at=ended - timedelta(minutes=3),
        ended_at=ended,
        talk_s=180.0,
        ticket_number=ticket,
        note="",
    )


async def _calls(api: ApiEnv) -> list[AgentCall]:
    """agent-1001: 7 calls in week 24, one of them a complaint (queued for that skill), and one call
    of week 25; agent-1002: 3 calls, one of them transferred to agent-1003 who finished it;
    agent-1004 (Tianshui): 6 calls, one with a complaint ticket registered on it."""
    rows = [
        _call(i, "agent-1001", "lanzhou", MONDAY + timedelta(hours=i), "complaint" if i == 3 else "billing")
        for i in range(1, 8)
    ]
    rows.append(_call(8, "agent-1001", "lanzhou", MONDAY + timedelta(days=7, hours=1)))
    rows += [_call(i, "agent-1002", "lanzhou", MONDAY + timedelta(days=1, hours=i)) for i in (10, 11, 12)]
    rows.append(_call(12, "agent-1003", "lanzhou", MONDAY + timedelta(days=1, hours=13)))  # took over .12
    async with api.sessions() as db:
        complaint = (
            await db.execute(Ticket.__table__.select().where(Ticket.kind == "complaint").limit(1))
        ).first()
        assert complaint is not None
        rows += [
            _call(
                i,
                "agent-1004",
                "tianshui",
                MONDAY + timedelta(days=2, hours=i - 19),
                ticket=complaint.number if i == 22 else None,
            )
            for i in range(20, 26)
        ]
        db.add_all(rows)
        await db.commit()
    return rows


def _expected(rows: list[AgentCall], prefectures: set[str]) -> set[str]:
    """What the core picks from the same facts: ``select_calls`` with the configured rules and seed."""
    settings = QaSettings()
    last = {}
    for r in sorted(rows, key=lambda r: (r.answered_at, r.id or 0)):
        if r.ended_at < MONDAY + timedelta(days=7) and r.prefecture in prefectures:
            last[r.uniqueid] = CallFacts(
                r.uniqueid,
                r.agent_id,
                r.prefecture,
                r.ended_at,
                complaint=r.skill == "complaint" or r.ticket_number is not None,
            )
    picked = select_calls(last.values(), parse_rules(settings.sampling), seed=settings.sampling_seed)
    return {p.call.call_id for p in picked}


async def test_sampling_picks_exactly_what_the_rules_say(api: ApiEnv) -> None:
    rows = await _calls(api)
    week = {"since": "2024-06-09T16:00:00+00:00", "until": "2024-06-16T16:00:00+00:00"}  # Mon–Sun, UTC+8
    status, run = await api.call("POST", "/api/qa/sampling", "qa.lanzhou", week)
    assert status == 201, run
    picked = {p["call_uniqueid"]: p for p in run["picked"]}
    # the default rules: every complaint, every low rating (none stored), 5 calls per agent per week
    assert run["rules"] == ["complaint", "low-rating", "quota"]
    assert run["candidates"] == 10  # 7 of agent-1001's, 3 calls of agent-1002/1003; not week 25, not Tianshui
    by_agent = {
        a: sorted(u for u, p in picked.items() if p["agent_id"] == a)
        for a in ("agent-1001", "agent-1002", "agent-1003")
    }
    assert len(by_agent["agent-1001"]) == 5 and "1718000000.3" in by_agent["agent-1001"]
    assert picked["1718000000.3"]["reasons"] == ["complaint"]
    assert by_agent["agent-1002"] == ["1718000000.10", "1718000000.11"]  # fewer than 5: all of them
    assert by_agent["agent-1003"] == ["1718000000.12"]  # the transferred call counts for who finished it
    assert set(picked) == _expected(rows, {"lanzhou"})

    status, again = await api.call("POST", "/api/qa/sampling", "qa.province", week)
    assert status == 201 and again["already_picked"] == 8
    tianshui = {p["call_uniqueid"] for p in again["picked"]}
    assert {p["agent_id"] for p in again["picked"]} == {"agent-1004"} and len(tianshui) == 5
    assert "1718000000.22" in tianshui  # the complaint ticket
    assert tianshui | set(picked) == _expected(rows, {"lanzhou", "tianshui"})

    _, listed = await api.call("GET", "/api/qa/sampling", "qa.lanzhou")
    assert {c["call_uniqueid"] for c in listed["calls"]} == set(picked)
    assert all(c["scored"] is False and c["recording_id"] is None for c in listed["calls"])
    _, everything = await api.call("GET", "/api/qa/sampling", "qa.province")
    assert len(everything["calls"]) == 13
    status, error = await api.call(
        "POST", "/api/qa/sampling", "qa.lanzhou", {"since": week["until"], "until": week["since"]}
    )
    assert (status, error["error_id"]) == (400, "qa-invalid")
    status, error = await api.call("GET", "/api/qa/sampling", "sup.lanzhou")
    assert (status, error["error_id"]) == (403, "auth-forbidden")


async def test_a_circular_goes_to_its_prefectures_who_acknowledge_it(api: ApiEnv) -> None:
    body = {"title": "关于服务用语的通报", "body": "近期抽检发现……", "recipients": ["lanzhou", "tianshui"]}
    status, error = await api.call("POST", "/api/circulars", "qa.lanzhou", body)
    assert (status, error["error_id"]) == (403, "auth-forbidden")
    status, made = await api.call("POST", "/api/circulars", "qa.province", body)
    assert status == 201 and made["state"] == "published", made
    status, other = await api.call(
        "POST", "/api/circulars", "qa.province", {**body, "title": "to Jiuquan", "recipients": ["jiuquan"]}
    )
    assert status == 201
    status, draft = await api.call(
        "POST", "/api/circulars", "qa.province", {**body, "title": "draft", "publish": False}
    )
    assert status == 201 and draft["state"] == "draft"
    status, error = await api.call(
        "POST", "/api/circulars", "qa.province", {**body, "recipients": ["atlantis"]}
    )
    assert status == 400

    _, board = await api.call("GET", "/api/circulars", "agent1001")
    assert [c["title"] for c in board["circulars"]] == ["关于服务用语的通报"]  # not Jiuquan's, not the draft
    assert board["circulars"][0]["mine_acknowledged"] is False
    _, board = await api.call("GET", "/api/circulars", "agent1004")
    assert [c["circular_id"] for c in board["circulars"]] == [made["circular_id"]]
    _, everything = await api.call("GET", "/api/circulars", "qa.province")
    assert len(everything["circulars"]) == 3
    _, supervisor = await api.call("GET", "/api/circulars", "sup.province")
    assert len(supervisor["circulars"]) == 2  # drafts only to those who publish

    ack = f"/api/circulars/{made['circular_id']}/ack"
    status, error = await api.call("POST", ack, "qa.province", {})
    assert status == 403  # the province does not acknowledge its own circular
    status, error = await api.call("POST", f"/api/circulars/{other['circular_id']}/ack", "qa.lanzhou", {})
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    status, acked = await api.call("POST", ack, "qa.lanzhou", {"note": "已组织学习"})
    assert status == 200 and acked["state"] == "published"
    assert [(r["prefecture"], r["note"]) for r in acked["recipients"] if r["acknowledged_at"]] == [
        ("lanzhou", "已组织学习")
    ]
    status, error = await api.call("POST", ack, "sup.lanzhou", {})
    assert (status, error["error_id"]) == (409, "qa-refused") and "already acknowledged" in error["message"]
    status, done = await api.call("POST", ack, "qa.tianshui", {})
    assert status == 200 and done["state"] == "acknowledged"
    _, board = await api.call("GET", "/api/circulars", "agent1001")
    assert (
        board["circulars"][0]["state"] == "acknowledged"
        and board["circulars"][0]["mine_acknowledged"] is True
    )

    status, withdrawn = await api.call(
        "POST", f"/api/circulars/{other['circular_id']}/withdraw", "qa.province"
    )
    assert status == 200 and withdrawn["state"] == "withdrawn"
    status, published = await api.call(
        "POST", f"/api/circulars/{draft['circular_id']}/publish", "qa.province"
    )
    assert status == 200 and published["state"] == "published"
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    status, error = await api.call("POST", "/api/circulars", "qa.province", {**body, "ack_due": past})
    assert (status, error["error_id"]) == (400, "qa-invalid")
