"""QA scoring over the API: a score round-trips with its form version, a red line zeroes it, scope,
an agent's own scores, a dispute once and its decision, roll-ups per agent, team and prefecture."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from qa.form_file import DEFAULT_FORM_PATH
from qa.schemas import ScoreBody
from qa.score_desk import ScoreDesk
from qa.settings import QaSettings
from storage.qa_scores import QaForm, QaScore
from storage.recordings import Recording, RecordingStatus

from .conftest import ApiEnv

T0 = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)
CRITERIA = [
    "greeting",
    "identity-check",
    "listening",
    "confirms-need",
    "courtesy",
    "hold-etiquette",
    "answer-accuracy",
    "ticket-registered",
    "dispatch-correct",
    "next-step",
    "ticket-number-and-limit",
    "farewell",
    "no-abuse",
    "no-disclosure",
    "no-hang-up",
    "no-false-promise",
]


def answers(**overrides: dict[str, Any]) -> list[dict[str, Any]]:
    """Every criterion of the shipped form met, except ``overrides`` (criterion with '-' as '_')."""
    out = []
    for c in CRITERIA:
        given = overrides.get(c.replace("-", "_"), {})
        out.append({"criterion": c, "outcome": "met", **given})
    return out


async def recordings(api: ApiEnv) -> None:
    """Recordings of agent-1001 and agent-1002 (Lanzhou) and agent-1004 (Tianshui), by extension."""
    async with api.sessions() as db:
        for n, extension, prefecture in (
            (1, "1001", "lanzhou"),
            (2, "1002", "lanzhou"),
            (3, "1004", "tianshui"),
            (4, "1001", "lanzhou"),
        ):
            db.add(
                Recording(
                    uniqueid=f"1718000000.{n}",
                    linkedid=f"1718000000.{n}",
                    agent=extension,
                    caller_number="13800000001",
                    prefecture=prefecture,
                    source=f"/spool/{n}.wav",
                    path=f"{prefecture}/x/{n}.wav",
                    format="wav",
                    started_at=T0 + timedelta(minutes=n),
                    status=RecordingStatus.ARCHIVED,
                )
            )
        await db.commit()


async def test_a_score_round_trips_with_its_form_version_and_a_red_line_zeroes_it(api: ApiEnv) -> None:
    await recordings(api)
    body = {
        "recording_id": 1,
        "answers": answers(listening={"outcome": "partly", "points": 6}, ticket_registered={"outcome": "na"}),
        "comment": "good call",
    }
    status, made = await api.call("POST", "/api/qa/scores", "qa.lanzhou", body)
    assert status == 201, made
    # 100 points less 15 N/A = 85 applicable; 85 - 4 (listening 6 of 10) = 81 earned;
    # 100 × 81 / 85 = 95.29… → 95.3
    assert made["total"] == 95.3 and made["critical_failed"] is False
    assert made["form"]["id"] == "hotline-call" and made["form"]["version"] == 1
    assert (made["agent_id"], made["prefecture"], made["team"]) == ("agent-1001", "lanzhou", "lanzhou-junior")
    assert made["call_uniqueid"] == "1718000000.1" and made["source"] == "recording"
    status, read = await api.call("GET", f"/api/qa/scores/{made['score_id']}", "qa.province")
    assert status == 200 and read == made
    [listening] = [a for a in read["answers"] if a["criterion"] == "listening"]
    assert listening == {"criterion": "listening", "outcome": "partly", "points": 6, "remark": ""}

    async with api.sessions() as db:
        row = (await db.execute(select(QaScore))).scalar_one()
        form_row = (await db.execute(select(QaForm))).scalar_one()
    assert row.total == Decimal("95.3") and row.counts and not row.critical_failed
    assert (row.form_id, row.form_version, row.form_fingerprint) == ("hotline-call", 1, form_row.fingerprint)

    zeroed = {
        "recording_id": 2,
        "answers": answers(no_abuse={"outcome": "missed", "remark": "argued with the caller"}),
    }
    status, bad = await api.call("POST", "/api/qa/scores", "qa.lanzhou", zeroed)
    assert status == 201, bad
    assert bad["total"] == 0.0 and bad["critical_failed"] is True and bad["critical_failures"] == ["no-abuse"]

    no_remark = {"recording_id": 4, "answers": answers(no_abuse={"outcome": "missed"})}
    status, error = await api.call("POST", "/api/qa/scores", "qa.lanzhou", no_remark)
    assert (status, error["error_id"]) == (400, "qa-invalid")
    assert error["details"]["problems"] == [
        "criterion 'no-abuse': a missed red line needs a remark saying what happened"
    ]
    status, error = await api.call("POST", "/api/qa/scores", "qa.province", body)
    assert (status, error["error_id"], error["details"]["score_id"]) == (409, "qa-refused", made["score_id"])


async def test_a_new_form_version_leaves_old_scores_on_theirs(api: ApiEnv, tmp_path: Path) -> None:
    await recordings(api)
    status, made = await api.call(
        "POST", "/api/qa/scores", "qa.lanzhou", {"recording_id": 1, "answers": answers()}
    )
    assert status == 201 and made["total"] == 100.0
    data = yaml.safe_load(DEFAULT_FORM_PATH.read_text(encoding="utf-8"))
    data["version"] = 2
    data["sections"][0]["criteria"][0]["points"] = 10  # greeting now 10 …
    data["sections"][3]["criteria"][1]["points"] = 0  # … and farewell a red line of 0 points
    data["sections"][3]["criteria"][1]["critical"] = True
    v2 = tmp_path / "hotline_call_v2.yaml"
    v2.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    desk = ScoreDesk(api.sessions, QaSettings(form_files=[v2]), lambda: T0.timestamp())
    versions = {(f["version"], f["current"]) for f in await desk.forms(None)}  # type: ignore[arg-type]
    assert versions == {(1, False), (2, True)}
    old = await desk.one(_qa_province(), made["score_id"])
    assert old["form"]["version"] == 1 and old["total"] == 100.0
    body = ScoreBody(recording_id=2, answers=answers(greeting={"outcome": "missed"}))  # type: ignore[arg-type]
    new = await desk.score(_qa_province(), body)
    # v2: greeting 10 of 100 missed → 90.0 (v1 would have said 95.0)
    assert new["form"]["version"] == 2 and new["total"] == 90.0


def _qa_province() -> Any:
    from cti.access.roles import Principal
    from storage.users import Role

    return Principal(user_id=99, username="qa.x", role=Role.QA_PROVINCE, prefecture="province")


async def test_scope_and_agents_see_only_their_own_scores(api: ApiEnv) -> None:
    await recordings(api)
    status, error = await api.call(
        "POST", "/api/qa/scores", "qa.tianshui", {"recording_id": 1, "answers": answers()}
    )
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    for rid in (1, 2):
        status, _ = await api.call(
            "POST", "/api/qa/scores", "qa.lanzhou", {"recording_id": rid, "answers": answers()}
        )
        assert status == 201
    status, _ = await api.call(
        "POST", "/api/qa/scores", "qa.tianshui", {"recording_id": 3, "answers": answers()}
    )
    assert status == 201
    _, mine = await api.call("GET", "/api/qa/my-scores", "agent1001")
    assert [s["agent_id"] for s in mine["scores"]] == ["agent-1001"]
    assert mine["forms"][0]["form_id"] == "hotline-call"
    _, lanzhou = await api.call("GET", "/api/qa/scores", "sup.lanzhou")
    assert sorted(s["agent_id"] for s in lanzhou["scores"]) == ["agent-1001", "agent-1002"]
    _, province = await api.call("GET", "/api/qa/scores", "qa.province")
    assert len(province["scores"]) == 3
    for user in ("agent1001", "agent1003", "manager1006"):
        status, error = await api.call("GET", "/api/qa/scores", user)
        assert (status, error["error_id"]) == (403, "auth-forbidden")
    score_of_1002 = next(s["score_id"] for s in lanzhou["scores"] if s["agent_id"] == "agent-1002")
    status, error = await api.call(
        "POST", f"/api/qa/my-scores/{score_of_1002}/dispute", "agent1001", {"reason": "not mine"}
    )
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    status, error = await api.call("GET", f"/api/qa/scores/{score_of_1002}", "qa.tianshui")
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")


async def test_a_live_monitored_call_is_scored_by_who_listened(api: ApiEnv) -> None:
    from storage.monitoring import MonitoringMode, open_monitoring
    from storage.users import user_by_username

    async with api.sessions() as db:
        user = await user_by_username(db, "qa.lanzhou")
        assert user is not None
        qa_lanzhou = user.id
        session = await open_monitoring(
            db,
            qa_user_id=qa_lanzhou,
            agent_id="agent-1002",
            prefecture="lanzhou",
            call_uniqueid="1718000099.1",
            mode=MonitoringMode.LISTEN,
            now=T0,
        )
        await db.commit()
    body = {"monitoring_session_id": session.id, "answers": answers()}
    status, error = await api.call("POST", "/api/qa/scores", "qa.province", body)
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")  # someone else listened
    status, made = await api.call("POST", "/api/qa/scores", "qa.lanzhou", body)
    assert status == 201, made
    assert (made["source"], made["call_uniqueid"], made["agent_id"]) == ("live", "1718000099.1", "agent-1002")
    status, error = await api.call("POST", "/api/qa/scores", "qa.lanzhou", {"answers": answers()})
    assert status == 400  # neither a recording nor a session


async def test_a_dispute_once_then_a_decision_and_the_rollups(api: ApiEnv) -> None:
    await recordings(api)
    made = {}
    for rid, extra in (
        (1, {}),
        (2, {"no_hang_up": {"outcome": "missed", "remark": "hung up"}}),
        (4, {"farewell": {"outcome": "missed"}}),
    ):
        status, made[rid] = await api.call(
            "POST", "/api/qa/scores", "qa.lanzhou", {"recording_id": rid, "answers": answers(**extra)}
        )
        assert status == 201, made[rid]
    status, _ = await api.call(
        "POST",
        "/api/qa/scores",
        "qa.tianshui",
        {"recording_id": 3, "answers": answers(courtesy={"outcome": "partly", "points": 3})},
    )
    assert status == 201
    zeroed = made[2]["score_id"]  # agent-1002's
    path = f"/api/qa/my-scores/{zeroed}/dispute"
    status, disputed = await api.call("POST", path, "agent1002", {"reason": "the caller hung up, not me"})
    assert status == 200 and disputed["status"] == "disputed"
    assert disputed["dispute"]["reason"] == "the caller hung up, not me"
    status, error = await api.call("POST", path, "agent1002", {"reason": "again"})
    assert (status, error["error_id"]) == (409, "qa-refused") and "disputed once" in error["message"]

    decision = f"/api/qa/scores/{zeroed}/decision"
    status, error = await api.call("POST", decision, "qa.lanzhou", {"decision": "uphold", "note": "x"})
    assert (status, error["error_id"]) == (409, "qa-refused") and "original scorer" in error["message"]
    status, error = await api.call("POST", decision, "qa.tianshui", {"decision": "uphold", "note": "x"})
    assert (status, error["error_id"]) == (403, "auth-out-of-scope")
    status, error = await api.call("POST", decision, "sup.lanzhou", {"decision": "revise", "note": "x"})
    assert (status, error["error_id"]) == (400, "qa-invalid")
    revise = {"decision": "revise", "note": "the recording shows the caller hung up", "answers": answers()}
    status, revised = await api.call("POST", decision, "sup.lanzhou", revise)
    assert status == 200, revised
    assert revised["revision_of"] == zeroed and revised["total"] == 100.0 and revised["counts"] is True
    assert revised["form"] == made[2]["form"]
    _, original = await api.call("GET", f"/api/qa/scores/{zeroed}", "qa.province")
    assert original["status"] == "revised" and original["counts"] is False
    assert original["dispute"]["revised_score_id"] == revised["score_id"]
    status, error = await api.call(
        "POST", f"/api/qa/my-scores/{revised['score_id']}/dispute", "agent1002", {"reason": "y"}
    )
    assert (status, error["error_id"]) == (409, "qa-refused")  # a decided dispute is the end

    # agent-1001: 100.0 and 95.0 (farewell missed); agent-1002: 0 revised to 100.0; agent-1004: 98.0
    # (courtesy 3 of 5); the province: 393 / 4 = 98.25 → 98.3
    _, by_agent = await api.call("GET", "/api/qa/rollups?level=agent", "qa.province")
    rows = {
        r["key"]: (r["scores"], r["mean"], r["critical_failures"], r["disputed"], r["revised"])
        for r in by_agent["rows"]
    }
    assert rows == {
        "agent-1001": (2, 97.5, 0, 0, 0),
        "agent-1002": (1, 100.0, 0, 1, 1),
        "agent-1004": (1, 98.0, 0, 0, 0),
    }
    assert (by_agent["total"]["key"], by_agent["total"]["scores"], by_agent["total"]["mean"]) == (
        "province",
        4,
        98.3,
    )
    _, by_team = await api.call("GET", "/api/qa/rollups?level=team", "qa.province")
    assert {r["key"]: r["scores"] for r in by_team["rows"]} == {"lanzhou-junior": 3, "tianshui-junior": 1}
    _, mine = await api.call("GET", "/api/qa/rollups?level=prefecture", "sup.lanzhou")
    assert [r["key"] for r in mine["rows"]] == ["lanzhou"] and mine["total"]["key"] == "lanzhou"
    assert mine["total"]["mean"] == 98.3  # (100 + 95 + 100) / 3 = 98.33…
    r = await api.client.get(
        "/api/qa/rollups?level=prefecture&format=csv",
        headers={"Authorization": f"Bearer {await api.token('qa.province')}"},
    )
    text = (await r.read()).decode("utf-8-sig")
    assert r.status == 200 and r.content_type == "text/csv"
    assert text.splitlines() == [
        "prefecture,scores,mean,lowest,highest,critical_failures,disputed,pending,upheld,revised",
        "lanzhou,3,98.3,95.0,100.0,0,1,0,0,1",
        "tianshui,1,98.0,98.0,98.0,0,0,0,0,0",
        "province,4,98.3,95.0,100.0,0,1,0,0,1",
    ]
    status, error = await api.call("GET", "/api/qa/rollups?level=shift", "qa.province")
    assert (status, error["error_id"]) == (400, "qa-invalid")
