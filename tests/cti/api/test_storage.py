"""The API's tables: users (argon2 passwords, validation), the monitoring log, the agent call log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.model import Agent, AgentLevel, Skill
from storage.agent_calls import (
    CallOutcome,
    Disposition,
    agent_stats,
    call_answered,
    call_left_agent,
    set_disposition,
)
from storage.agents import add_agent, retire_agent
from storage.departments import save_departments
from storage.monitoring import (
    MonitoringMode,
    close_monitoring,
    monitoring_log,
    open_monitoring,
    record_mode,
)
from storage.prefectures import PREFECTURES
from storage.users import (
    DEMO_PASSWORD,
    DEMO_USERS,
    NewUser,
    Role,
    UserError,
    check_password,
    create_user,
    hash_password,
    password_matches,
    seed_demo_users,
    user_by_username,
    user_department,
    users_by_agent,
)
from workflow.departments import load_departments
from workflow.node import department_specs

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)


def test_password_hashes_are_argon2id_and_verify() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("$argon2id$")
    assert password_matches(stored, "correct horse")
    assert not password_matches(stored, "correct horsf")
    assert not password_matches("not a hash", "correct horse")
    assert not password_matches(stored, "x" * 10_000)  # absurd lengths are refused, not hashed
    with pytest.raises(UserError):
        hash_password("short")


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"username": "bad name"}, "username"),
        ({"prefecture": "atlantis"}, "prefecture"),
        ({"role": Role.AGENT_JUNIOR, "agent_id": None}, "agent"),
        ({"role": Role.SUPERVISOR, "agent_id": "agent-1"}, "agent"),
        ({"role": Role.QA_PROVINCE, "prefecture": "lanzhou"}, "province"),
        ({"role": Role.QA_PREFECTURE, "prefecture": "province"}, "province"),
        ({"phone": "80 01"}, "phone"),
        ({"role": Role.DEPARTMENT, "phone": None}, "department"),
        ({"department": "lanzhou.billing"}, "department"),
    ],
)
def test_a_new_user_is_checked(fields: dict[str, object], problem: str) -> None:
    base: dict[str, object] = {
        "username": "qa.x",
        "display_name": "QA",
        "password": DEMO_PASSWORD,
        "role": Role.QA_PREFECTURE,
        "prefecture": "lanzhou",
        "phone": "8001",
    }
    base.update(fields)
    with pytest.raises(UserError, match=problem):
        NewUser(**base)  # type: ignore[arg-type]


async def test_users_are_stored_and_their_passwords_checked(db_sessions: Sessions) -> None:
    async with db_sessions() as db:
        new = NewUser("sup.x", "Sup", "s3cret-pass", Role.SUPERVISOR, "baiyin")
        await create_user(db, new, NOW)
        await db.commit()
    async with db_sessions() as db:
        user = await user_by_username(db, "sup.x")
        assert user is not None and user.role is Role.SUPERVISOR and user.prefecture == "baiyin"
        assert await check_password(user, "s3cret-pass")
        assert not await check_password(user, "wrong-pass")
        assert not await check_password(None, "s3cret-pass")
        user.active = False
        assert not await check_password(user, "s3cret-pass")


async def test_a_user_names_an_agent_or_department_that_exists(db_sessions: Sessions) -> None:
    async with db_sessions() as db:
        await save_departments(db, department_specs(load_departments([p.code for p in PREFECTURES])))
        agent = Agent("agent-2001", "2001", "baiyin", AgentLevel.JUNIOR, (Skill("general", 3),))
        await add_agent(db, agent, "新人")
        await add_agent(db, Agent("agent-2002", "2002", "baiyin", AgentLevel.JUNIOR, ()), "走了")
        await retire_agent(db, "agent-2002")
        await db.commit()
        base = {"display_name": "x", "password": "s3cret-pass", "prefecture": "baiyin"}
        refused = [
            (NewUser("a1", role=Role.AGENT_JUNIOR, agent_id="agent-9999", **base), "no agent 'agent-9999'"),
            (NewUser("a2", role=Role.AGENT_JUNIOR, agent_id="agent-2002", **base), "retired"),
            (NewUser("d1", role=Role.DEPARTMENT, department="baiyin.nothing", **base), "no department"),
            (NewUser("d2", role=Role.DEPARTMENT, department="lanzhou.billing", **base), "of lanzhou"),
        ]
        for new, problem in refused:
            with pytest.raises(UserError, match=problem):
                await create_user(db, new, NOW)
        agent_user = await create_user(
            db, NewUser("a3", role=Role.AGENT_JUNIOR, agent_id="agent-2001", **base), NOW
        )
        clerk = await create_user(
            db, NewUser("d3", role=Role.DEPARTMENT, department="baiyin.billing", **base), NOW
        )
        await db.commit()
        assert agent_user.agent_id == "agent-2001"
        assert await user_department(db, clerk) == "baiyin.billing"
        province = NewUser(
            "d4", "x", "s3cret-pass", Role.DEPARTMENT, "province", department="province.monitoring"
        )
        assert await user_department(db, await create_user(db, province, NOW)) == "province.monitoring"


async def test_demo_users_match_the_table(db_sessions: Sessions) -> None:
    async with db_sessions() as db:
        await save_departments(db, department_specs(load_departments([p.code for p in PREFECTURES])))
        assert await seed_demo_users(db, NOW) == len(DEMO_USERS)
        await db.commit()
    async with db_sessions() as db:
        agents = await users_by_agent(db)
        assert sorted(agents) == [f"agent-100{i}" for i in range(1, 7)]
        qa = await user_by_username(db, "qa.province")
        assert qa is not None and qa.role is Role.QA_PROVINCE and qa.phone == "8010"
        assert await check_password(qa, DEMO_PASSWORD)
        billing = await user_by_username(db, "dept.lanzhou")
        assert billing is not None and billing.role is Role.DEPARTMENT
        assert await user_department(db, billing) == "lanzhou.billing"
        assert await user_department(db, qa) is None


async def test_the_monitoring_log_keeps_who_whom_when_how_long_and_every_mode(db_sessions: Sessions) -> None:
    async with db_sessions() as db:
        row = await open_monitoring(
            db, qa_user_id=7, agent_id="agent-1001", prefecture="lanzhou", call_uniqueid="171.5",
            mode=MonitoringMode.LISTEN, now=NOW,
        )  # fmt: skip
        other = await open_monitoring(
            db, qa_user_id=8, agent_id="agent-1004", prefecture="tianshui", call_uniqueid="171.9",
            mode=MonitoringMode.BARGE, now=NOW + timedelta(seconds=5),
        )  # fmt: skip
        await record_mode(db, row.id, MonitoringMode.WHISPER)
        await record_mode(db, row.id, MonitoringMode.WHISPER)  # no change: not repeated
        closed = await close_monitoring(db, row.id, NOW + timedelta(seconds=42.5), "stopped")
        again = await close_monitoring(db, row.id, NOW + timedelta(seconds=99), "ended")
        await db.commit()
        assert closed is not None and closed.duration_s == 42.5 and closed.end_reason == "stopped"
        assert again is not None and again.duration_s == 42.5  # the first end stands
        assert await record_mode(db, row.id, MonitoringMode.BARGE) is None  # over
    async with db_sessions() as db:
        everything = await monitoring_log(db)
        assert [r.id for r in everything] == [other.id, row.id]  # newest first
        lanzhou = await monitoring_log(db, prefecture="lanzhou")
        assert [(r.qa_user_id, r.agent_id, r.modes) for r in lanzhou] == [(7, "agent-1001", "listen>whisper")]


async def test_an_agents_call_log_gives_their_statistics(db_sessions: Sessions) -> None:
    async with db_sessions() as db:
        for i, (talk, outcome) in enumerate([(60, CallOutcome.ENDED), (30, CallOutcome.ESCALATED)]):
            at = NOW + timedelta(minutes=10 * i)
            await call_answered(
                db, uniqueid=f"u{i}", agent_id="agent-1001", prefecture="lanzhou", skill="billing",
                waited_s=10.0 * (i + 1), now=at,
            )  # fmt: skip
            await call_left_agent(
                db, uniqueid=f"u{i}", agent_id="agent-1001", outcome=outcome, now=at + timedelta(seconds=talk)
            )
        await set_disposition(
            db, agent_id="agent-1001", disposition=Disposition.ESCALATED, ticket_number=None, note="", now=NOW
        )
        await set_disposition(
            db, agent_id="agent-1001", disposition=Disposition.RESOLVED, ticket_number=None, note="ok",
            now=NOW, uniqueid="u0",
        )  # fmt: skip
        await call_answered(
            db, uniqueid="old", agent_id="agent-1001", prefecture="lanzhou", skill="billing", waited_s=1,
            now=NOW - timedelta(days=1),
        )  # fmt: skip
        await db.commit()
        stats = await agent_stats(db, "agent-1001", NOW - timedelta(hours=1))
    assert stats.calls == 2
    assert stats.talk_s_total == 90 and stats.talk_s_mean == 45 and stats.wait_s_mean == 15
    assert stats.dispositions == {"resolved": 1, "escalated": 1}
    assert stats.outcomes == {"ended": 1, "escalated": 1}
