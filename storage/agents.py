"""The agent directory: who the agents are, what they can take, which phone is theirs.

One :class:`AgentRecord` per agent: id (``agent-1001``), name, the extension their softphone
registers as (the ACD dials ``${AGENT_TECH}/<extension>``), prefecture, level (junior, senior,
manager — the manager hotline), skills with a proficiency of 1 to 5, languages, and whether
the agent is active.  A CTI node loads the active agents into the ACD when it starts
(:func:`load_agents`); their live state (logged in, paused, on a call) lives in the ACD's store,
not here.

Skills and languages are kept as text (``complaint:4,billing:3`` and ``zh,en``) so the table is
the same on SQLite and PostgreSQL; :meth:`AgentRecord.to_agent` checks them and builds the
ACD's :class:`acd.model.Agent`.

Agents are data: :func:`add_agent`, :func:`change_agent` and :func:`retire_agent` (the API, ``hotline
agents``, the floor page).  A retired agent is never deleted — their calls and tickets keep naming
them — but is no longer loaded into the ACD, and their user cannot sign in.  Their extension stays
theirs in the table (it is unique): a new agent at the same desk gets a new extension.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import structlog
from sqlalchemy import Boolean, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from acd.errors import ModelError
from acd.model import Agent, AgentLevel, Skill
from storage.db import Base

__all__ = [
    "AgentDirectoryError",
    "AgentRecord",
    "add_agent",
    "agent_record",
    "agent_records",
    "agents_active",
    "change_agent",
    "format_skills",
    "load_agents",
    "parse_skills",
    "retire_agent",
    "upsert_agent",
]

log = structlog.get_logger(__name__)


class AgentRecord(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(100))
    extension: Mapped[str] = mapped_column(String(32), unique=True)
    prefecture: Mapped[str] = mapped_column(String(20), index=True)
    level: Mapped[str] = mapped_column(String(10))  # junior | senior | manager
    skills: Mapped[str] = mapped_column(String(400))  # "complaint:4,billing:3"
    languages: Mapped[str] = mapped_column(String(40), default="zh")  # "zh,en"
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def to_agent(self) -> Agent:
        """The ACD's view of this agent; raises :class:`ModelError` naming what is wrong."""
        return Agent(
            id=self.agent_id,
            extension=self.extension,
            prefecture=self.prefecture,
            level=AgentLevel.parse(self.level),
            skills=parse_skills(self.skills),
            languages=tuple(lang.strip() for lang in self.languages.split(",") if lang.strip()),
        )


def parse_skills(text: str) -> tuple[Skill, ...]:
    """``"complaint:4, billing"`` -> skills (proficiency 3 where none is given)."""
    skills: list[Skill] = []
    for item in text.split(","):
        name, _, level = item.strip().partition(":")
        if not name:
            continue
        try:
            proficiency = int(level) if level.strip() else 3
        except ValueError:
            raise ModelError(f"skill {name!r}: proficiency {level!r} is not a number") from None
        skills.append(Skill(name.strip(), proficiency))
    return tuple(skills)


def format_skills(skills: Iterable[Skill]) -> str:
    return ",".join(f"{s.name}:{s.proficiency}" for s in skills)


async def load_agents(db: AsyncSession) -> list[tuple[str, Agent]]:
    """Every active agent as (name, ACD agent), by extension.  A row that does not describe a
    valid agent is logged and left out; it never stops the others from loading."""
    rows = (await db.execute(select(AgentRecord).where(AgentRecord.active.is_(True)))).scalars().all()
    agents: list[tuple[str, Agent]] = []
    for row in sorted(rows, key=lambda r: r.extension):
        try:
            agents.append((row.name, row.to_agent()))
        except ModelError as exc:
            log.error("agent directory: row left out", agent=row.agent_id, error=str(exc))
    return agents


async def upsert_agent(db: AsyncSession, agent: Agent, name: str, *, active: bool = True) -> AgentRecord:
    """Add the agent, or update the row with the same agent id (the caller commits)."""
    row = (await db.execute(select(AgentRecord).where(AgentRecord.agent_id == agent.id))).scalar_one_or_none()
    if row is None:
        row = AgentRecord(agent_id=agent.id)
        db.add(row)
    row.name = name
    row.extension = agent.extension
    row.prefecture = agent.prefecture
    row.level = agent.level.label
    row.skills = format_skills(agent.skills)
    row.languages = ",".join(agent.languages)
    row.active = active
    await db.flush()
    return row


class AgentDirectoryError(ValueError):
    """The directory cannot change as asked; the message says why."""


async def agent_record(db: AsyncSession, agent_id: str) -> AgentRecord | None:
    return (
        await db.execute(select(AgentRecord).where(AgentRecord.agent_id == agent_id))
    ).scalar_one_or_none()


async def agents_active(db: AsyncSession, agent_ids: Collection[str]) -> dict[str, bool]:
    """Whether each of ``agent_ids`` is active (not retired): one query (unknown ids left out)."""
    stmt = select(AgentRecord.agent_id, AgentRecord.active).where(AgentRecord.agent_id.in_(list(agent_ids)))
    return {agent_id: bool(active) for agent_id, active in await db.execute(stmt)}


async def agent_records(
    db: AsyncSession, *, prefecture: str | None = None, include_retired: bool = False
) -> list[AgentRecord]:
    """The directory by agent id; of one prefecture, or all when None."""
    stmt = select(AgentRecord).order_by(AgentRecord.agent_id)
    if prefecture is not None:
        stmt = stmt.where(AgentRecord.prefecture == prefecture)
    if not include_retired:
        stmt = stmt.where(AgentRecord.active.is_(True))
    return list((await db.execute(stmt)).scalars())


async def _extension_free(db: AsyncSession, extension: str, agent_id: str) -> None:
    stmt = select(AgentRecord).where(AgentRecord.extension == extension, AgentRecord.agent_id != agent_id)
    holder = (await db.execute(stmt)).scalar_one_or_none()
    if holder is not None:
        retired = "" if holder.active else " (retired)"
        raise AgentDirectoryError(f"extension {extension} belongs to {holder.agent_id}{retired}")


async def add_agent(db: AsyncSession, agent: Agent, name: str) -> AgentRecord:
    """A new agent (caller commits); refused when the id or the extension is taken."""
    if await agent_record(db, agent.id) is not None:
        raise AgentDirectoryError(f"agent {agent.id} exists already")
    await _extension_free(db, agent.extension, agent.id)
    return await upsert_agent(db, agent, name)


async def change_agent(db: AsyncSession, agent: Agent, name: str) -> AgentRecord:
    """New details for an agent in service (caller commits); refused for an unknown or retired
    agent, or an extension another agent has."""
    row = await agent_record(db, agent.id)
    if row is None:
        raise AgentDirectoryError(f"there is no agent {agent.id}")
    if not row.active:
        raise AgentDirectoryError(f"agent {agent.id} is retired")
    await _extension_free(db, agent.extension, agent.id)
    return await upsert_agent(db, agent, name)


async def retire_agent(db: AsyncSession, agent_id: str) -> AgentRecord:
    """Mark the agent retired (caller commits); their rows elsewhere stay as they are."""
    row = await agent_record(db, agent_id)
    if row is None:
        raise AgentDirectoryError(f"there is no agent {agent_id}")
    if not row.active:
        raise AgentDirectoryError(f"agent {agent_id} is retired already")
    row.active = False
    await db.flush()
    return row
