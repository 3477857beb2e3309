"""``hotline db upgrade|current``: the database schema's migrations (see :mod:`storage.migrate`)."""

from __future__ import annotations

import argparse
import asyncio

from node.settings import load_settings
from storage.settings import StorageSettings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="the database schema: upgrade it to this release, or say where it is")
    actions = p.add_subparsers(dest="db_action", metavar="ACTION")
    actions.required = True
    up = actions.add_parser("upgrade", help="bring the schema to this release's (keeps every row)")
    up.add_argument("--url", default=None, help="database URL (default: storage.url from the settings)")
    up.add_argument("--revision", default="head", help="the revision to reach (default: head)")
    up.set_defaults(func=_run)
    current = actions.add_parser("current", help="the revision the database is at, and this release's")
    current.add_argument("--url", default=None, help="database URL (default: storage.url from the settings)")
    current.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config) if args.config else load_settings()
    storage = StorageSettings(url=args.url) if args.url else settings.storage
    return asyncio.run(_db(storage, args.db_action, getattr(args, "revision", "head")))


async def _db(storage: StorageSettings, action: str, revision: str) -> int:
    from storage.db import create_engine_from_settings
    from storage.migrate import MigrationError, current_revision, head_revision, upgrade

    engine = create_engine_from_settings(storage)
    try:
        before = await current_revision(engine)
        if action == "current":
            where = before or "no revision (not under migrations)"
            print(f"database at {where}; this release: {head_revision()}")
            return 0
        after = await upgrade(engine, revision)
    except MigrationError as exc:
        print(f"hotline db upgrade: {exc}")
        return 1
    finally:
        await engine.dispose()
    print(f"database upgraded from {before or 'no revision'} to {after}")
    return 0
