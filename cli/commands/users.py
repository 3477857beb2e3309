"""``hotline users``: the people who sign in to the pages and the API.

``hotline users add USERNAME --role ROLE --prefecture CODE [--agent-id ID] [--department CODE]
[--phone EXT] [--name NAME]`` asks for the password twice (or reads one line from stdin with
``--password-stdin``);
``hotline users list`` shows who exists (no password hashes); ``hotline users disable USERNAME``
stops a user from signing in (tokens already issued run out at their expiry).

An agent's user names an agent of the directory (``hotline agents add``) who is not retired; a
department user names a department of their prefecture (``workflow/departments.yaml``).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path

from node.settings import SettingsError, load_settings
from storage.settings import StorageSettings
from storage.users import NewUser, Role, UserError, password_problem


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("users", help="add, list or disable the users of the web pages and the API")
    commands = p.add_subparsers(dest="users_command", metavar="COMMAND")
    commands.required = True
    add = commands.add_parser("add", help="add a user (asks for the password)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--prefecture", required=True, help="prefecture code, or 'province'")
    add.add_argument("--agent-id", default=None, help="the ACD agent this user is (agents only)")
    add.add_argument("--department", default=None, help="the department of a department user")
    add.add_argument("--phone", default=None, help="the extension QA monitoring rings")
    add.add_argument("--name", default=None, help="display name (default: the username)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(func=_add)
    listing = commands.add_parser("list", help="list the users")
    listing.set_defaults(func=_list)
    disable = commands.add_parser("disable", help="stop a user from signing in")
    disable.add_argument("username")
    disable.set_defaults(func=_disable)


def _storage(args: argparse.Namespace) -> StorageSettings:
    return (load_settings(args.config) if args.config else load_settings()).storage


def _add(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("hotline users: the passwords differ", file=sys.stderr)
            return 2
    problem = password_problem(password, args.username)
    if problem is not None:
        print(f"hotline users: {problem}", file=sys.stderr)
        return 2
    try:
        new = NewUser(
            args.username, args.name or args.username, password, Role(args.role), args.prefecture,
            args.agent_id, args.phone, args.department,
        )  # fmt: skip
        settings = load_settings(args.config) if args.config else load_settings()
    except (UserError, SettingsError) as exc:
        print(f"hotline users: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(_insert(settings.storage, new, settings.workflow.departments_file))


async def _insert(storage: StorageSettings, new: NewUser, departments_file: Path | None) -> int:
    from sqlalchemy.exc import IntegrityError

    from storage.db import create_engine_from_settings, session_factory
    from storage.migrate import upgrade
    from storage.users import create_user
    from workflow.node import sync_departments

    engine = create_engine_from_settings(storage)
    try:
        await upgrade(engine)
        if new.department is not None:  # the departments as the configured file lists them
            await sync_departments(session_factory(engine), departments_file)
        async with session_factory(engine)() as db:
            try:
                user = await create_user(db, new, datetime.now(UTC))
                await db.commit()
            except UserError as exc:
                print(f"hotline users: {exc}", file=sys.stderr)
                return 2
            except IntegrityError:
                print(f"hotline users: {new.username!r} (or its agent id) exists already", file=sys.stderr)
                return 1
        print(f"added user {user.id}: {new.username} ({new.role.value}, {new.prefecture})")
        return 0
    finally:
        await engine.dispose()


def _list(args: argparse.Namespace) -> int:
    return asyncio.run(_rows(_storage(args)))


async def _rows(storage: StorageSettings) -> int:
    from sqlalchemy import select

    from storage.agents import agent_records
    from storage.db import create_engine_from_settings, session_factory
    from storage.departments import DepartmentMember
    from storage.users import User

    engine = create_engine_from_settings(storage)
    try:
        async with session_factory(engine)() as db:
            retired = {a.agent_id for a in await agent_records(db, include_retired=True) if not a.active}
            members = dict(
                (await db.execute(select(DepartmentMember.user_id, DepartmentMember.department))).all()
            )
            for u in (await db.execute(select(User).order_by(User.id))).scalars():
                state = "" if u.active else "  (disabled)"
                state += "  (agent retired)" if u.agent_id in retired else ""
                department = members.get(u.id)
                extra = " ".join(
                    x
                    for x in (u.agent_id or "", department or "", f"phone {u.phone}" if u.phone else "")
                    if x
                )
                print(f"{u.id:5d}  {u.username:20s} {u.role.value:14s} {u.prefecture:10s} {extra}{state}")
        return 0
    finally:
        await engine.dispose()


def _disable(args: argparse.Namespace) -> int:
    return asyncio.run(_set_active(_storage(args), args.username, active=False))


async def _set_active(storage: StorageSettings, username: str, *, active: bool) -> int:
    from storage.db import create_engine_from_settings, session_factory
    from storage.users import user_by_username

    engine = create_engine_from_settings(storage)
    try:
        async with session_factory(engine)() as db:
            user = await user_by_username(db, username)
            if user is None:
                print(f"hotline users: no user {username!r}", file=sys.stderr)
                return 1
            user.active = active
            await db.commit()
        print(f"{username}: {'enabled' if active else 'disabled'}")
        return 0
    finally:
        await engine.dispose()
