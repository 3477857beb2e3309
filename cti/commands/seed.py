"""``hotline seed``: create the schema and load the demo data (see :mod:`cti.storage.demo_data`)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date

from cti.settings import StorageSettings, load_settings


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
    from cti.storage.db import create_engine_from_settings, create_schema, drop_schema, session_factory
    from cti.storage.demo_data import AlreadySeeded, seed_demo_data

    engine = create_engine_from_settings(storage)
    try:
        if reset:
            await drop_schema(engine)
        await create_schema(engine)
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
        f"{summary.charges} charges, {summary.knowledge_entries} knowledge entries, {summary.tickets} tickets"
    )
    return 0
