"""``hotline agents``: the agent directory — who the agents are, their extension, skills and levels.

``hotline agents add AGENT_ID --extension EXT --prefecture CODE [--level junior|senior|manager]
[--skills complaint:4,billing:3] [--languages zh,en] [--name NAME]``; ``hotline agents list
[--prefecture CODE] [--retired]``; ``hotline agents edit AGENT_ID [the same options]``;
``hotline agents retire AGENT_ID`` (their calls and tickets keep naming them; they cannot sign in
any more).

This command writes the directory in the database: a CTI node takes it in when it starts (a
retired agent is taken out of the ACD then).  To change a running node at once, use the supervisor's
page (``/floor``) or the API (``/api/agents``), which also keep the running ACD in step.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from acd.errors import ModelError
from acd.model import Agent, AgentLevel
from node.settings import SettingsError, load_settings
from storage.agents import (
    AgentDirectoryError,
    add_agent,
    agent_record,
    agent_records,
    change_agent,
    format_skills,
    parse_skills,
    retire_agent,
)
from storage.prefectures import is_prefecture_code
from storage.settings import StorageSettings

Work = Callable[[AsyncSession], Awaitable[int]]
LATER = "running CTI nodes take this in when they start; /floor or /api/agents change a running one now"
LEVELS = ("junior", "senior", "manager")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("agents", help="add, list, edit or retire the agents of the ACD's directory")
    commands = p.add_subparsers(dest="agents_command", metavar="COMMAND")
    commands.required = True
    add = commands.add_parser("add", help="add an agent")
    add.add_argument("agent_id")
    add.add_argument("--extension", required=True, help="the extension their softphone registers as")
    add.add_argument("--prefecture", required=True, help="prefecture code, or 'province'")
    _details(add, defaults=True)
    add.set_defaults(func=_add)
    listing = commands.add_parser("list", help="list the agents")
    listing.add_argument("--prefecture", default=None)
    listing.add_argument("--retired", action="store_true", help="also the retired agents")
    listing.set_defaults(func=_list)
    edit = commands.add_parser("edit", help="change an agent's details")
    edit.add_argument("agent_id")
    edit.add_argument("--extension", default=None)
    edit.add_argument("--prefecture", default=None)
    _details(edit, defaults=False)
    edit.set_defaults(func=_edit)
    retire = commands.add_parser("retire", help="retire an agent (their history stays)")
    retire.add_argument("agent_id")
    retire.set_defaults(func=_retire)


def _details(p: argparse.ArgumentParser, *, defaults: bool) -> None:
    p.add_argument("--level", choices=LEVELS, default="junior" if defaults else None)
    p.add_argument("--skills", default="" if defaults else None, help="e.g. complaint:4,billing:3")
    p.add_argument("--languages", default="zh" if defaults else None, help="e.g. zh,en")
    p.add_argument("--name", default=None, help="display name (default: the agent id)")


def _fail(message: str, code: int = 2) -> int:
    print(f"hotline agents: {message}", file=sys.stderr)
    return code


def _run(args: argparse.Namespace, work: Work) -> int:
    try:
        storage = (load_settings(args.config) if args.config else load_settings()).storage
    except SettingsError as exc:
        return _fail(str(exc))
    return asyncio.run(_with_db(storage, work))


async def _with_db(storage: StorageSettings, work: Work) -> int:
    from storage.db import create_engine_from_settings, session_factory
    from storage.migrate import upgrade

    engine = create_engine_from_settings(storage)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as db:
            return await work(db)
    finally:
        await engine.dispose()


def _agent(agent_id: str, extension: str, prefecture: str, level: str, skills: str, languages: str) -> Agent:
    if not is_prefecture_code(prefecture):
        raise ModelError(f"unknown prefecture {prefecture!r}")
    return Agent(
        id=agent_id,
        extension=extension,
        prefecture=prefecture,
        level=AgentLevel.parse(level),
        skills=parse_skills(skills),
        languages=tuple(x.strip() for x in languages.split(",") if x.strip()),
    )


def _add(args: argparse.Namespace) -> int:
    try:
        agent = _agent(
            args.agent_id, args.extension, args.prefecture, args.level, args.skills, args.languages
        )
    except ModelError as exc:
        return _fail(str(exc))

    async def work(db: AsyncSession) -> int:
        try:
            await add_agent(db, agent, args.name or agent.id)
        except AgentDirectoryError as exc:
            return _fail(str(exc), 1)
        await db.commit()
        print(
            f"added agent {agent.id} (extension {agent.extension}, {agent.prefecture}, {agent.level.label})"
        )
        print(LATER)
        return 0

    return _run(args, work)


def _list(args: argparse.Namespace) -> int:
    async def work(db: AsyncSession) -> int:
        for r in await agent_records(db, prefecture=args.prefecture, include_retired=args.retired):
            state = "" if r.active else "  (retired)"
            print(
                f"{r.agent_id:14s} {r.extension:8s} {r.prefecture:10s} {r.level:8s} {r.languages:6s} "
                f"{r.skills}  {r.name}{state}"
            )
        return 0

    return _run(args, work)


def _edit(args: argparse.Namespace) -> int:
    async def work(db: AsyncSession) -> int:
        row = await agent_record(db, args.agent_id)
        if row is None:
            return _fail(f"there is no agent {args.agent_id!r}", 1)
        try:
            agent = _agent(
                row.agent_id,
                args.extension or row.extension,
                args.prefecture or row.prefecture,
                args.level or row.level,
                row.skills if args.skills is None else args.skills,
                args.languages or row.languages,
            )
            await change_agent(db, agent, args.name or row.name)
        except (ModelError, AgentDirectoryError) as exc:
            return _fail(str(exc))
        await db.commit()
        print(f"changed agent {agent.id}: extension {agent.extension}, {agent.prefecture}, "
              f"{agent.level.label}, {format_skills(agent.skills)}, {','.join(agent.languages)}")  # fmt: skip
        print(LATER)
        return 0

    return _run(args, work)


def _retire(args: argparse.Namespace) -> int:
    async def work(db: AsyncSession) -> int:
        try:
            await retire_agent(db, args.agent_id)
        except AgentDirectoryError as exc:
            return _fail(str(exc), 1)
        await db.commit()
        print(f"retired agent {args.agent_id}: their calls and tickets stay; they cannot sign in any more")
        print(LATER)
        return 0

    return _run(args, work)
