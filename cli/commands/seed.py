"""``hotline seed``: create the schema and load the demo data (see :mod:`demo.data`)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date

from node.settings import load_settings
from storage.settings import StorageSettings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "seed", help="create the database schema and load the demo customers, bills, knowledge"
    )
    p.add_argument("--url", default=None, help="database URL (default: storage.url from the settings)")
    p.add_argument("--reset", action="store_true", help="drop every table first")
    p.add_argument("--seed", type=int, default=2024, help="random seed of the demo data")
    p.add_argument(
        "--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD the data is built around"
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config) if args.config else load_settings()
    storage = StorageSettings(url=args.url) if args.url else settings.storage
    return asyncio.run(_seed(storage, reset=args.reset, seed=args.seed, today=args.today or date.today()))


async def _seed(storage: StorageSettings, *, reset: bool, seed: int, today: date) -> int:
    from demo.data import AlreadySeeded, seed_demo_data
    from storage.db import create_engine_from_settings, drop_schema, session_factory
    from storage.migrate import upgrade

    engine = create_engine_from_settings(storage)
    try:
        if reset:
            await drop_schema(engine)
        await upgrade(engine)
        async with session_factory(engine)() as db:
            try:
                summary = await seed_demo_data(db, today=today, seed=seed)
            except AlreadySeeded as exc:
                print(f"hotline seed: {exc}")
                return 1
            await db.commit()
    finally:
        await engine.dispose()
    print(
        f"seeded {summary.customers} customers, {summary.accounts} accounts, {summary.bills} bills, "
        f"{summary.charges} charges, {summary.knowledge_entries} knowledge entries, "
        f"{summary.tickets} tickets, {summary.lines} lines"
    )
    return 0
