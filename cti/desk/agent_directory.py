"""Agents as data: list, create, edit and retire the agents of the directory — and keep the running
ACD in step.

The directory (:mod:`storage.agents`) is written first; then the running ACD is told (through
:class:`~cti.acd_bridge.link.AcdLink`): a new or changed agent is put in it, a retired one taken
out (signed out first; refused while they are on a call).  A supervisor acts on the agents of their
prefecture (a provincial one: all), and moves an agent only between prefectures they cover.  A
retired agent keeps their rows (calls, tickets, QA) and cannot sign in any more.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.agent_state import AgentStatus
from acd.errors import ModelError
from acd.model import Agent, AgentLevel, Skill
from cti.access.roles import Principal
from cti.acd_bridge.link import AcdLink
from cti.desk.schemas import AgentBody, AgentEditBody, SkillEntry
from cti.errors import BadRequest, Conflict, NotFound, OutOfScope
from storage.agents import (
    AgentDirectoryError,
    AgentRecord,
    add_agent,
    agent_record,
    agent_records,
    change_agent,
    retire_agent,
)
from storage.prefectures import is_prefecture_code

__all__ = ["AgentDirectory", "record_view"]

log = structlog.get_logger(__name__)


def record_view(row: AgentRecord, status: AgentStatus | None = None) -> dict[str, Any]:
    return {
        "agent_id": row.agent_id,
        "name": row.name,
        "extension": row.extension,
        "prefecture": row.prefecture,
        "level": row.level,
        "skills": [{"name": s.name, "proficiency": s.proficiency} for s in _skills_of(row)],
        "languages": [lang for lang in row.languages.split(",") if lang],
        "retired": not row.active,
        "state": status.state.value if status is not None else "logged_out",
    }


def _skills_of(row: AgentRecord) -> tuple[Skill, ...]:
    try:
        return row.to_agent().skills
    except ModelError:  # a row the directory cannot read is shown without skills, never hidden
        return ()


def _skills(entries: list[SkillEntry]) -> tuple[Skill, ...]:
    names = [s.name for s in entries]
    if len(set(names)) != len(names):
        raise BadRequest("a skill is listed twice")
    return tuple(Skill(s.name, s.proficiency) for s in entries)


class AgentDirectory:
    def __init__(self, acd: AcdLink, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._acd = acd
        self._sessions = sessions

    async def list(self, who: Principal, *, include_retired: bool) -> list[dict[str, Any]]:
        async with self._sessions() as db:
            rows = await agent_records(db, prefecture=who.scope, include_retired=include_retired)
        statuses = await self._acd.service.statuses() if self._acd.present else {}
        return [record_view(r, statuses.get(r.agent_id)) for r in rows]

    async def create(self, who: Principal, body: AgentBody) -> dict[str, Any]:
        self._check_prefecture(who, body.prefecture)
        agent = Agent(
            id=body.agent_id,
            extension=body.extension,
            prefecture=body.prefecture,
            level=AgentLevel.parse(body.level),
            skills=_skills(body.skills),
            languages=tuple(body.languages),
        )
        async with self._sessions() as db:
            try:
                row = await add_agent(db, agent, body.name)
            except AgentDirectoryError as exc:
                raise Conflict(str(exc)) from None
            await db.commit()
        if self._acd.present:
            await self._acd.put_in_acd(agent, body.name)
        log.info("agent created", agent=agent.id, prefecture=agent.prefecture, by=who.user_id)
        return record_view(row)

    async def edit(self, who: Principal, agent_id: str, body: AgentEditBody) -> dict[str, Any]:
        async with self._sessions() as db:
            row = await self._in_scope(db, who, agent_id)
            if body.prefecture is not None:
                self._check_prefecture(who, body.prefecture)
            current = row.to_agent()
            agent = Agent(
                id=agent_id,
                extension=body.extension or current.extension,
                prefecture=body.prefecture or current.prefecture,
                level=AgentLevel.parse(body.level) if body.level else current.level,
                skills=_skills(body.skills) if body.skills is not None else current.skills,
                languages=tuple(body.languages) if body.languages is not None else current.languages,
            )
            name = body.name or row.name
            try:
                row = await change_agent(db, agent, name)
            except AgentDirectoryError as exc:
                raise Conflict(str(exc)) from None
            await db.commit()
        status = None
        if self._acd.present:
            await self._acd.put_in_acd(agent, name)
            status = await self._acd.service.status(agent_id)
        log.info("agent changed", agent=agent_id, by=who.user_id)
        return record_view(row, status)

    async def retire(self, who: Principal, agent_id: str) -> dict[str, Any]:
        async with self._sessions() as db:
            row = await self._in_scope(db, who, agent_id)
            if not row.active:
                raise Conflict(f"agent {agent_id} is retired already")
        if self._acd.present:  # out of the ACD first: a busy agent is refused before anything changes
            await self._acd.retire(agent_id, by=f"user-{who.user_id}")
        async with self._sessions() as db:
            try:
                row = await retire_agent(db, agent_id)
            except AgentDirectoryError as exc:
                raise Conflict(str(exc)) from None
            await db.commit()
        log.info("agent retired", agent=agent_id, by=who.user_id)
        return record_view(row)

    @staticmethod
    def _check_prefecture(who: Principal, prefecture: str) -> None:
        if not is_prefecture_code(prefecture):
            raise BadRequest(f"unknown prefecture {prefecture!r}")
        if not who.covers(prefecture):
            raise OutOfScope(f"prefecture {prefecture} is not yours")

    @staticmethod
    async def _in_scope(db: AsyncSession, who: Principal, agent_id: str) -> AgentRecord:
        row = await agent_record(db, agent_id)
        if row is None:
            raise NotFound(f"there is no agent {agent_id}")
        if not who.covers(row.prefecture):
            raise OutOfScope(f"agent {agent_id} is not in your prefecture")
        return row
